"""The summary a person reads at the end of `dmcert check`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from dmcert.suite.report.html import per_area
from dmcert.suite.run import Run
from dmcert.suite.verdicts import (
    FAIL,
    INCOMPLETE,
    NOT_SELECTED,
    PASS,
    WARN,
    RequirementResult,
    badge,
    counts,
    run_verdict,
)


def print_summary(
    results: Sequence[RequirementResult], paths: dict[str, Path], run: Run, file: Any = None
) -> None:
    console = Console(file=file, highlight=False, soft_wrap=True)
    table = Table(title="Requirements by area")
    verdicts = ["pass", "fail", "warn", "error", "not exercised"]
    verdicts += [NOT_SELECTED] if run.selectors else []
    for column in ("area", *verdicts):
        table.add_column(column, justify="left" if column == "area" else "right")
    for row in per_area([r.to_dict() for r in results]):
        table.add_row(row["area"], *(str(row.get(c, 0)) for c in verdicts))
    console.print(table)
    for result in results:
        if result.verdict in (FAIL, WARN, "error"):
            req = result.requirement
            first = result.failures[0].message if result.failures else "; ".join(result.notes)
            console.print(f"[bold]{req.id}[/] {req.level} {result.verdict}: {req.text}")
            console.print(f"    {run.redactor.text(first)}", markup=False)
    tally = counts(results)
    verdict = run_verdict(results, run.progress)
    colour = {PASS: "green", INCOMPLETE: "yellow"}.get(verdict, "red")
    console.print(
        f"[bold {colour}]{badge(results, read_only=run.read_only, progress=run.progress)}[/]: "
        f"{tally['pass']} pass, {tally['fail']} fail, {tally['warn']} warn, "
        f"{tally['error']} error, {tally['not exercised']} not exercised"
    )
    if run.selectors:
        console.print(f"partial run: {run.partial_note()}", markup=False)
    if run.residue:
        console.print(f"residue after cleanup: {'; '.join(run.residue)}", markup=False)
    console.print(f"reports: {paths['html'].parent}", markup=False)

"""The summary a person reads at the end of `dmcert check`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from dmcert.suite.report import Written
from dmcert.suite.report.html import per_area
from dmcert.suite.run import Run
from dmcert.suite.signing import identity_note
from dmcert.suite.verdicts import (
    FAIL,
    INCOMPLETE,
    NOT_SELECTED,
    PASS,
    WAIVED,
    WARN,
    RequirementResult,
    badge,
    counts,
    run_verdict,
)
from dmcert.suite.waivers import APPLIED


def print_summary(
    results: Sequence[RequirementResult], written: Written, run: Run, file: Any = None
) -> None:
    console = Console(file=file, highlight=False, soft_wrap=True)
    table = Table(title="Requirements by area")
    tally = counts(results)
    verdicts = ["pass", "fail", "warn", "error"]
    verdicts += [WAIVED] if tally[WAIVED] else []
    verdicts += ["not exercised"]
    verdicts += [NOT_SELECTED] if run.selectors else []
    for column in ("area", *verdicts):
        table.add_column(column, justify="left" if column == "area" else "right")
    for row in per_area([r.to_dict() for r in results]):
        table.add_row(row["area"], *(str(row.get(c, 0)) for c in verdicts))
    console.print(table)
    for result in results:
        if result.verdict in (FAIL, WARN, "error", WAIVED):
            req = result.requirement
            first = result.failures[0].message if result.failures else "; ".join(result.notes)
            console.print(f"[bold]{req.id}[/] {req.level} {result.verdict}: {req.text}")
            console.print(f"    {run.redactor.text(first)}", markup=False)
            if result.verdict == WAIVED:
                console.print(f"    {'; '.join(result.notes)}", markup=False)
    for use in written.waivers:
        if use.status != APPLIED:
            console.print(use.line(), markup=False)
    verdict = run_verdict(results, run.progress)
    colour = {PASS: "green", INCOMPLETE: "yellow"}.get(verdict, "red")
    console.print(
        f"[bold {colour}]{badge(results, read_only=run.read_only, progress=run.progress)}[/]: "
        f"{tally['pass']} pass, {tally['fail']} fail, {tally['warn']} warn, "
        f"{tally['error']} error, "
        + (f"{tally[WAIVED]} waived, " if tally[WAIVED] else "")
        + f"{tally['not exercised']} not exercised"
    )
    if run.selectors:
        console.print(f"partial run: {run.partial_note()}", markup=False)
    if run.residue:
        console.print(f"residue after cleanup: {'; '.join(run.residue)}", markup=False)
    console.print(f"reports: {written.paths['html'].parent}", markup=False)
    console.print(f"bundle: {written.paths['bundle']} sha256:{written.bundle_sha256}", markup=False)
    console.print(
        f"signed by key sha256:{run.signer.fingerprint} — {identity_note(run.signer.provided)}",
        markup=False,
    )

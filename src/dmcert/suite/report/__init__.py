"""Writing a conformance run's results: results.json, report.html, and the terminal summary.

junit.xml is pytest's own (`--junitxml`), with each test's requirement ids as a property.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from dmcert.suite.report.coverage import coverage_table
from dmcert.suite.report.html import render_html
from dmcert.suite.run import Run
from dmcert.suite.verdicts import (
    RequirementResult,
    TestOutcome,
    badge,
    counts,
    exercised,
    run_verdict,
)

REPORT_FILES = ("results.json", "report.html", "junit.xml")


def clear_reports(reports: Path) -> None:
    """Remove an earlier run's reports from the directory, so none is read as this run's."""
    for name in REPORT_FILES:
        (reports / name).unlink(missing_ok=True)


def results_document(
    run: Run, results: Sequence[RequirementResult], outcomes: Iterable[TestOutcome]
) -> dict:
    """Everything the run found, JSON-ready and already redacted."""
    done, testable = exercised(results)
    return {
        "run": {
            **run.metadata(),
            "requirements_exercised": done,
            "requirements_testable": testable,
        },
        "verdict": run_verdict(results, run.progress),
        "badge": badge(results, read_only=run.read_only, progress=run.progress),
        "progress": run.progress.to_dict(),
        "counts": counts(results),
        "requirements": [result.to_dict() for result in results],
        "tests": [
            {
                "test": o.test,
                "requirements": list(o.requirements),
                "outcome": o.outcome,
                "reason": run.redactor.text(o.reason),
            }
            for o in outcomes
        ],
        "status_coverage": coverage_table(run.coverage),
    }


def write_reports(
    run: Run, results: Sequence[RequirementResult], outcomes: Iterable[TestOutcome]
) -> dict[str, Path]:
    """Write results.json and report.html into the run's report directory."""
    run.reports.mkdir(parents=True, exist_ok=True)
    document = results_document(run, results, outcomes)
    text = run.redactor.text(json.dumps(document, indent=2, ensure_ascii=False))
    paths = {"json": run.reports / "results.json", "html": run.reports / "report.html"}
    paths["json"].write_text(text + "\n", encoding="utf-8")
    paths["html"].write_text(run.redactor.text(render_html(json.loads(text))), encoding="utf-8")
    return paths


def write_junit_placeholder(reports: Path) -> Path:
    """junit.xml for a run stopped before pytest could write its own: no test ran."""
    path = reports / "junit.xml"
    if not path.exists():
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="dmcert">'
            '<testsuite name="dmcert" tests="0" errors="0" failures="0" skipped="0" />'
            "</testsuites>\n",
            encoding="utf-8",
        )
    return path

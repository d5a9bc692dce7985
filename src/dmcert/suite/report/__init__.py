"""Writing a conformance run's results: results.json, junit.xml, report.html, the signed
bundle of them all, and the terminal summary.

junit.xml is pytest's own (`--junitxml`), with each test's requirement ids and node id as
properties, finished here (waivers, redaction) before it goes into the bundle.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from dmcert.suite.bundle import (
    BUNDLE_NAME,
    REPORT,
    contents_digest,
    payload_files,
    predicate,
    write_bundle,
)
from dmcert.suite.report.coverage import coverage_table
from dmcert.suite.report.html import render_html
from dmcert.suite.report.junit import finish_junit
from dmcert.suite.run import Run
from dmcert.suite.verdicts import (
    WAIVED,
    RequirementResult,
    TestOutcome,
    badge,
    counts,
    exercised,
    run_verdict,
)
from dmcert.suite.waivers import WaiverUse, apply_waivers

REPORT_FILES = ("results.json", "report.html", "junit.xml", BUNDLE_NAME)


@dataclass(frozen=True)
class Written:
    """What write_reports wrote, for the terminal summary."""

    paths: dict[str, Path]
    bundle_sha256: str
    waivers: list[WaiverUse]


def clear_reports(reports: Path, bundle: Path | None = None) -> None:
    """Remove an earlier run's reports (and bundle), so none is read as this run's."""
    for name in REPORT_FILES:
        (reports / name).unlink(missing_ok=True)
    if bundle is not None and bundle.is_file():
        bundle.unlink()


def bundle_path(run: Run) -> Path:
    return run.bundle or run.reports / BUNDLE_NAME


def results_document(
    run: Run,
    results: Sequence[RequirementResult],
    outcomes: Iterable[TestOutcome],
    waivers: Sequence[WaiverUse] = (),
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
        "waivers": [use.to_dict() for use in waivers],
        "status_coverage": coverage_table(run.coverage),
    }


def write_reports(
    run: Run, results: Sequence[RequirementResult], outcomes: Iterable[TestOutcome]
) -> Written:
    """The one place a run's reports are written, complete or not: apply the waivers, write
    results.json, finish junit.xml (pytest's, or the placeholder of a run stopped before
    pytest), render report.html, and sign all of them into the bundle."""
    run.reports.mkdir(parents=True, exist_ok=True)
    uses, waived_tests = apply_waivers(results, list(outcomes), run.waivers, run.started.date())
    outcomes = [_waived(outcome, waived_tests) for outcome in outcomes]
    document = results_document(run, results, outcomes, uses)
    text = run.redactor.text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
    paths = {
        "json": run.reports / "results.json",
        "junit": run.reports / "junit.xml",
        "html": run.reports / REPORT,
        "bundle": bundle_path(run),
    }
    paths["json"].write_text(text, encoding="utf-8")
    junit = finish_junit(paths["junit"], waived_tests, run.redactor)
    document = json.loads(text)
    files = payload_files(run, document, text.encode("utf-8"), junit)
    contents = contents_digest(files)
    html = run.redactor.text(render_html(document, _signature(run, contents, paths["bundle"])))
    paths["html"].write_text(html, encoding="utf-8")
    files[REPORT] = html.encode("utf-8")
    written = write_bundle(
        paths["bundle"], files, run.signer, predicate(document, run.signer, contents)
    )
    return Written(paths, written.sha256, uses)


def _waived(outcome: TestOutcome, waived_tests: Mapping[str, str]) -> TestOutcome:
    reason = waived_tests.get(outcome.test)
    if reason is None or outcome.outcome not in ("checked", "failed"):
        return outcome
    return replace(outcome, outcome=WAIVED, reason=reason)


def _signature(run: Run, contents: str, bundle: Path) -> dict[str, object]:
    """What report.html says about the bundle it travels in."""
    return {**run.signer.describe(), "contents_sha256": contents, "bundle": bundle.name}


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

"""From what the tests observed (dmcert.testkit's Observations) and how each test ended to
one verdict per requirement, and from those to the verdict of the run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from dmcert.contract.requirements import Requirement
from dmcert.suite.progress import Progress
from dmcert.testkit._expect import Observation

PASS, FAIL, WARN, ERROR, NOT_EXERCISED = "pass", "fail", "warn", "error", "not exercised"
NOT_SELECTED = "not selected"
"""A partial run (`--requirement`) left this requirement out: no claim either way."""
WAIVED = "waived"
"""A failure a waiver in force covers: reported with its evidence, not failing the gate."""
INCOMPLETE = "incomplete"  # a run verdict only: the run did not get through its tests
NOT_RUN = "not run"  # a test outcome: the target was down (or went down during the test)
INTERNAL = "internal error"  # a test outcome: the test itself broke (a bug in dmcert)
HEADLINES = {PASS: "CONFORMS", FAIL: "DOES NOT CONFORM", INCOMPLETE: "INCOMPLETE"}


@dataclass(frozen=True)
class TestOutcome:
    """How a test ended: passed, failed, error (could not run its checks), skipped, or not
    run (the target stopped answering)."""

    test: str
    requirements: tuple[str, ...]
    outcome: str
    reason: str = ""


@dataclass
class RequirementResult:
    requirement: Requirement
    verdict: str
    tests: list[str] = field(default_factory=list)
    failures: list[Observation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checks: int = 0
    waived_by: list[dict[str, Any]] = field(default_factory=list)
    blocking: bool = True
    """Whether this requirement can fail the run: a MUST, or any requirement under --strict."""

    def to_dict(self) -> dict[str, Any]:
        req = self.requirement
        return {
            "id": req.id,
            "level": req.level,
            "source": req.source,
            "text": req.text,
            "verdict": self.verdict,
            "tests": self.tests,
            "checks": self.checks,
            "notes": self.notes,
            "waivers": self.waived_by,
            "evidence": [
                {"test": obs.test, "message": obs.message, "exchanges": list(obs.evidence)}
                for obs in self.failures
            ],
        }


def aggregate(
    requirements: Sequence[Requirement],
    observations: Sequence[Observation],
    outcomes: Sequence[TestOutcome],
    *,
    strict: bool,
    selected: Collection[str] | None = None,
) -> list[RequirementResult]:
    """One result per catalogue requirement, in catalogue order. In a partial run
    (`selected`: the ids chosen) a requirement outside the selection that no test checked
    is `not selected`; one that a selected test checked anyway keeps its verdict."""
    results = {req.id: RequirementResult(req, NOT_EXERCISED) for req in requirements}
    for outcome in outcomes:
        for req_id in outcome.requirements:
            if req_id in results:
                results[req_id].tests.append(outcome.test)
    for obs in observations:
        result = results.get(obs.requirement)
        if result is None:
            continue
        result.checks += 1
        if not obs.passed:
            result.failures.append(obs)
    for result in results.values():
        result.blocking = result.requirement.level == "MUST" or strict
        related = [o for o in outcomes if result.requirement.id in o.requirements]
        result.verdict = _verdict(result, related, strict)
        unselected = selected is not None and result.requirement.id not in selected
        if result.verdict == NOT_EXERCISED and unselected:
            result.verdict = NOT_SELECTED
            result.notes = ["not selected in this partial run (--requirement)"]
        elif result.verdict == NOT_EXERCISED:
            result.notes = _not_exercised_notes(result.requirement, related)
        elif result.verdict == ERROR:
            result.notes = [
                f"{o.test}: {o.reason}" for o in related if o.outcome in ("error", INTERNAL)
            ]
        elif result.verdict == PASS:
            result.notes = _partly_exercised_notes(related)
    return list(results.values())


def _verdict(result: RequirementResult, related: list[TestOutcome], strict: bool) -> str:
    if result.failures:
        return FAIL if result.blocking else WARN
    if any(o.outcome in ("error", INTERNAL) for o in related):
        return ERROR
    if any(o.outcome == "failed" for o in related):
        # A declaring test failed outside any expect(): attribute it to all it declares.
        return FAIL if result.blocking else WARN
    if result.checks:
        return PASS
    return NOT_EXERCISED


def _partly_exercised_notes(related: list[TestOutcome]) -> list[str]:
    """A pass rests on the checks that ran: say how many of its tests could not, and why."""
    skipped = Counter(o.reason for o in related if o.outcome == "skipped")
    return [
        f"{count} of its {len(related)} tests not run: {reason or 'skipped'}"
        for reason, count in sorted(skipped.items())
    ]


def _not_exercised_notes(requirement: Requirement, related: list[TestOutcome]) -> list[str]:
    if not requirement.testable:
        return ["not testable through the API (by design)"]
    reasons = sorted({o.reason for o in related if o.outcome in ("skipped", NOT_RUN) and o.reason})
    return reasons or ["no test exercised it in this run"]


def run_verdict(results: Sequence[RequirementResult], progress: Progress | None = None) -> str:
    """`incomplete` when the run did not get through its tests; else `pass` unless a
    requirement failed, or one that could block the run (a MUST; any under --strict) could
    not be checked, or the run verified nothing at all: silence is not conformance. A SHOULD
    never blocks a non-strict run, so neither does one left unchecked (it stays reported as
    `error`, with its notes). A waived requirement was checked (and failed, in the open), so
    it counts as verified without failing the run."""
    if progress is not None and not progress.complete:
        return INCOMPLETE
    if any(r.verdict == FAIL or (r.verdict == ERROR and r.blocking) for r in results):
        return FAIL
    return PASS if any(r.verdict in (PASS, WAIVED) for r in results) else FAIL


def exercised(results: Sequence[RequirementResult]) -> tuple[int, int]:
    """(requirements the run exercised, requirements testable through the API)."""
    testable = [r for r in results if r.requirement.testable]
    return sum(r.verdict not in (NOT_EXERCISED, NOT_SELECTED) for r in testable), len(testable)


def badge(
    results: Sequence[RequirementResult], *, read_only: bool, progress: Progress | None = None
) -> str:
    """The certificate's headline, the one place it is worded. An incomplete run says how
    far it got; a run that conforms only thanks to waivers says how many; a read-only run
    conforms only in what it could send, so it says how much that was."""
    verdict = run_verdict(results, progress)
    headline = HEADLINES[verdict]
    if verdict == INCOMPLETE and progress is not None:
        headline += f" ({progress.describe()})"
    waivers = waivers_applied(results)
    if verdict == PASS and waivers:
        headline += f" with {waivers} waiver{'' if waivers == 1 else 's'}"
    if not read_only:
        return headline
    done, of = exercised(results)
    return f"{headline} — read-only: {done} of {of} requirements exercised"


def waivers_applied(results: Sequence[RequirementResult]) -> int:
    """How many distinct waivers the run's verdict leans on."""
    return len({tuple(sorted(w.items())) for r in results for w in r.waived_by})


def counts(results: Sequence[RequirementResult]) -> dict[str, int]:
    tally = dict.fromkeys((PASS, FAIL, WARN, ERROR, WAIVED, NOT_EXERCISED, NOT_SELECTED), 0)
    for result in results:
        tally[result.verdict] += 1
    return tally

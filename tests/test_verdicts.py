"""The run's verdict from the requirements' verdicts: a requirement that could not be checked
(`error`) fails the run only when a failure of it would (a MUST; any requirement under
--strict). A SHOULD never blocks a run, so a SHOULD left unchecked does not either."""

from __future__ import annotations

from dmcert.contract.requirements import load_requirements
from dmcert.suite.verdicts import ERROR, FAIL, PASS, aggregate, run_verdict
from dmcert.suite.verdicts import TestOutcome as Outcome  # not a pytest test class
from dmcert.testkit import Observation


def verdicts_with_an_error_on(req_id: str, *, strict: bool) -> tuple[str, dict[str, tuple]]:
    """The run verdict and per-requirement (verdict, notes) of a run in which one test
    checked ENV-001 (passing) and another, declaring `req_id`, hit a failed precondition."""
    catalogue = load_requirements()
    chosen = [catalogue["ENV-001"], catalogue[req_id]]
    seen = [Observation("ENV-001", True, "ok", "t_ok", ())]
    outcomes = [
        Outcome("t_ok", ("ENV-001",), "passed"),
        Outcome("t_broken", (req_id,), "error", "setup refused: POST /x/ -> 400"),
    ]
    results = aggregate(chosen, seen, outcomes, strict=strict)
    return run_verdict(results), {r.requirement.id: (r.verdict, r.notes) for r in results}


def test_an_unchecked_should_is_reported_as_error_but_does_not_fail_the_run():
    assert load_requirements()["PRD-016"].level == "SHOULD"
    verdict, rows = verdicts_with_an_error_on("PRD-016", strict=False)
    assert rows["PRD-016"] == (ERROR, ["t_broken: setup refused: POST /x/ -> 400"])
    assert verdict == PASS


def test_an_unchecked_should_fails_a_strict_run():
    verdict, rows = verdicts_with_an_error_on("PRD-016", strict=True)
    assert rows["PRD-016"][0] == ERROR
    assert verdict == FAIL


def test_an_unchecked_must_fails_the_run():
    assert load_requirements()["PRD-017"].level == "MUST"
    verdict, rows = verdicts_with_an_error_on("PRD-017", strict=False)
    assert rows["PRD-017"] == (ERROR, ["t_broken: setup refused: POST /x/ -> 400"])
    assert verdict == FAIL

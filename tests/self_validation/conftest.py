"""Running `dmcert check` against deliberately broken variants of the reference target.

Each fault breaks one documented rule (dmcert.reference.faults.FAULTS); a self-validation
test runs the tests of the requirements the fault names (`--requirement`) and asserts the
suite exits 1 and blames each of them. The tally of faults caught over faults injected is
printed at the end of the test run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from dmcert.contract.requirements import load_requirements
from dmcert.reference.server import RunningTarget
from tests.conftest import check_against
from tests.self_validation.tally import FAULT_TALLY


@dataclass(frozen=True)
class CheckResult:
    exit_code: int
    verdicts: dict[str, str]
    output: str


def run_check(target: RunningTarget, reports: Path, *extra: str) -> CheckResult:
    """`dmcert check` as a user runs it, against a running target."""
    proc = check_against(target, reports, "--seed", "1", *extra, timeout=600)
    results = reports / "results.json"
    verdicts = {}
    if results.exists():
        document = json.loads(results.read_text(encoding="utf-8"))
        verdicts = {row["id"]: row["verdict"] for row in document["requirements"]}
    return CheckResult(proc.exit_code, verdicts, proc.stdout[-4000:] + proc.stderr[-2000:])


@pytest.fixture
def assert_caught(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., None]:
    """assert_caught(fault, requirement_ids, *extra): the suite, limited to the tests naming
    `requirement_ids` (and to `extra` pytest options such as `-k test_schema`), must exit 1
    on `fault` and blame every one of them (the run is --strict when one is a SHOULD)."""
    levels = load_requirements()

    def check(fault: str, requirements: Sequence[str], *extra: str) -> None:
        strict = ["--strict"] if any(levels[r].level == "SHOULD" for r in requirements) else []
        selection = [option for r in requirements for option in ("--requirement", r)]
        with RunningTarget(faults=(fault,), tls=True) as target:
            result = run_check(target, tmp_path / "reports", "--quick", *selection, *extra, *strict)
        missed = [r for r in requirements if result.verdicts.get(r) != "fail"]
        caught = result.exit_code == 1 and not missed
        request.node.user_properties.append(
            (FAULT_TALLY, [fault, " ".join(extra) or "checks", caught])
        )
        assert caught, (
            f"fault {fault}: exit {result.exit_code}, not blamed on {missed} "
            f"({ {r: result.verdicts.get(r) for r in missed} })\n{result.output}"
        )

    return check

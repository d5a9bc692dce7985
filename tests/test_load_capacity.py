"""`dmcert load --find-capacity`: the search on a simulated target (fast), then end to end
against a healthy reference target and one with injected list latency (slow_lists)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dmcert.load.capacity import LAG_LIMIT, RESOLUTION, search_capacity
from dmcert.load.repeats import Leg
from dmcert.reference.server import RunningTarget
from tests.conftest import run_dmcert


def simulated(capacity: float, generator_limit: float = float("inf")):
    """A target that holds every SLO up to `capacity` requests/s, driven by a generator
    that falls behind above `generator_limit`."""
    tried: list[float] = []

    def run(rate: float, users: int) -> Leg:
        tried.append(rate)
        late = 100 if rate > generator_limit else 0
        summary = {
            "verdict": "pass" if rate <= capacity else "fail",
            "breaches": [] if rate <= capacity else ["p95_ms"],
            "checks": {"generator": {"sends": 1000, "late_after_wait": late}},
            "total": {
                "rps": min(rate, capacity),
                "error_ratio": 0.0,
                "latency_ms": {"p50": 10.0, "p95": 20.0, "p99": 30.0},
            },
        }
        return Leg(Path(f"rate-{rate:g}"), summary)

    return run, tried


def test_the_search_brackets_the_capacity_within_the_resolution():
    run, tried = simulated(capacity=37)
    found = search_capacity(run, start_rate=5, min_users=1, budget_s=60, step_s=0)
    assert found.stopped_by == "resolution"
    assert found.capacity <= 37 and (37 - found.capacity) / found.capacity <= 2 * RESOLUTION
    assert tried[:4] == [5, 10, 20, 40]  # doubling until the first breach, then bisection


def test_a_slower_target_has_a_lower_capacity():
    fast = search_capacity(simulated(80)[0], start_rate=5, min_users=1, budget_s=60, step_s=0)
    slow = search_capacity(simulated(20)[0], start_rate=5, min_users=1, budget_s=60, step_s=0)
    assert slow.capacity < fast.capacity


def test_a_generator_that_cannot_keep_up_is_never_taken_for_target_capacity():
    run, _ = simulated(capacity=500, generator_limit=30)
    found = search_capacity(run, start_rate=5, min_users=1, budget_s=60, step_s=0)
    assert found.generator_limit is not None and found.generator_limit > 30
    assert found.capacity <= 30
    generator_steps = [step for step in found.steps if step.outcome == "generator"]
    assert generator_steps and all(step.late_ratio > LAG_LIMIT for step in generator_steps)


def test_when_nothing_holds_there_is_no_capacity():
    found = search_capacity(simulated(0.1)[0], start_rate=4, min_users=1, budget_s=60, step_s=0)
    assert found.capacity is None and found.stopped_by == "floor"


def capacity_run(target: RunningTarget, reports: Path):
    return run_dmcert(
        "load", "list_walk", "--find-capacity", "--rate", "2/s", "--duration", "3s",
        "--budget", "25s", "--users", "2",
        "--target", target.url, "--keys", str(target.keys_path), "--reports", str(reports),
        timeout=240,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.timing
def test_injected_latency_lowers_the_capacity_found(tmp_path: Path):
    with RunningTarget() as healthy:
        fast = capacity_run(healthy, tmp_path / "fast")
    with RunningTarget(faults=["slow_lists"]) as slow_target:
        slow = capacity_run(slow_target, tmp_path / "slow")
    assert fast.exit_code == 0, fast.stdout[-4000:] + fast.stderr[-2000:]
    assert slow.exit_code == 1, slow.stdout[-4000:] + slow.stderr[-2000:]
    found_fast = json.loads((tmp_path / "fast" / "capacity.json").read_text())
    found_slow = json.loads((tmp_path / "slow" / "capacity.json").read_text())
    assert found_fast["capacity_rps"] >= 2
    assert found_slow["capacity_rps"] is None  # every list page takes 1.2 s > p95 1 s
    assert "no rate tried held every SLO" in slow.stdout
    for folder in ("fast", "slow"):
        assert (tmp_path / folder / "capacity.png").read_bytes().startswith(b"\x89PNG")
        assert found_fast["steps"][0]["folder"].endswith("steps/rate-2")

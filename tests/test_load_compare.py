"""`dmcert load --repeat` and `--compare`: a verdict that knows noise, refused when the
runs did not do the same work, and `--find-capacity`.

End to end: three fresh reference targets, two healthy and one with the slow_location_list
fault (GET /locations/ alone answers twice as slowly), loaded by the same short list_walk
runs (`--repeat`) at the same time, so that each interval of A has its twin in B and C
under the same load of the shared machine. Two identical builds must compare as no
regression, both ways; the slower build must be flagged on GET /locations/ and nowhere
else. The statistics are unit-tested on synthetic samples, including the false-alarm rate
over many identical comparisons.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dmcert.load.compare import Side, compare, workload_differences
from dmcert.load.figures import FIGURES, requests_for
from dmcert.load.significance import ALPHA, holm, judge, judge_paired, min_p_value
from dmcert.reference.server import RunningTarget
from tests.conftest import run_dmcert

# open model at a pace the 2 shared cores sustain for all three at once: latency is then
# the targets' service time, not the queue of a saturated machine
RUN = ("list_walk", "--rate", "40/s", "--users", "8", "--duration", "20s", "--repeat", "3")


def load(target: RunningTarget, reports: Path, *extra: str):
    return run_dmcert(
        "load", *RUN, "--target", target.url, "--keys", str(target.keys_path),
        "--reports", str(reports), *extra, timeout=300,
    )  # fmt: skip


def compare_reports(a: Path, b: Path, out: Path, *extra: str):
    return run_dmcert("load", "--compare", str(a), str(b), "--reports", str(out), *extra)


def shown(result) -> str:
    return result.stdout[-8000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Folders A, B (healthy) and C (slow GET /locations/), each of 3 runs, run at once."""
    base = tmp_path_factory.mktemp("builds")
    with (
        RunningTarget() as a,
        RunningTarget() as b,
        RunningTarget(faults=["slow_location_list"]) as c,
        ThreadPoolExecutor(3) as pool,
    ):
        targets = {"A": a, "B": b, "C": c}
        runs = {name: pool.submit(load, target, base / name) for name, target in targets.items()}
        for name, run in runs.items():
            result = run.result()
            assert result.exit_code == 0, shown(result)
            assert (base / name / "repeats.json").is_file()
    return {name: base / name for name in "ABC"}


@pytest.mark.slow
@pytest.mark.parametrize(("baseline", "candidate"), [("A", "B"), ("B", "A")])
@pytest.mark.timing
def test_two_identical_builds_show_no_regression(builds, baseline, candidate, tmp_path):
    result = compare_reports(builds[baseline], builds[candidate], tmp_path)
    assert result.exit_code == 0, shown(result)
    assert "no significant regression beyond 10 %" in result.stdout
    assert "REGRESSION" not in result.stdout
    assert (tmp_path / "compare.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
@pytest.mark.timing
def test_latency_injected_on_one_list_is_flagged_on_that_endpoint_above_all(builds, tmp_path):
    """GET /locations/ is flagged, and no other endpoint by as much: a slower list keeps each
    user longer on it, so the target holds more requests at once and the others may slow a
    little too (real spill-over, not noise); "total" aggregates the slowed one."""
    result = compare_reports(builds["A"], builds["C"], tmp_path)
    assert result.exit_code == 1, shown(result)
    flagged = dict(
        (match["endpoint"], float(match["change"]))
        for match in re.finditer(
            r"^regression: (?P<endpoint>GET /\w+/) \S+ ms .* \((?P<change>[+-][\d.]+) %",
            result.stdout,
            re.MULTILINE,
        )
    )
    assert "GET /locations/" in flagged, shown(result)
    others = {e: c for e, c in flagged.items() if e != "GET /locations/"}
    assert all(c < flagged["GET /locations/"] / 2 for c in others.values()), shown(result)


@pytest.mark.slow
@pytest.mark.timing
def test_runs_on_different_data_sets_are_refused_unless_forced(builds, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(builds["B"], other)
    summary_path = other / "run-1" / "summary.json"
    summary = json.loads(summary_path.read_text())
    summary["environment"]["workload_set"]["records_per_list"]["inventory"] += 420
    summary["environment"]["workload_set"]["users"] = 16
    summary_path.write_text(json.dumps(summary))
    refused = compare_reports(builds["A"], other, tmp_path / "out")
    assert refused.exit_code == 2
    assert refused.stderr.count("\n") <= 1, refused.stderr
    assert "records_per_list.inventory" in refused.stderr and "users" in refused.stderr
    forced = compare_reports(builds["A"], other, tmp_path / "out", "--force")
    assert forced.exit_code in (0, 1), shown(forced)
    assert "note (--force): records_per_list.inventory" in forced.stdout


@pytest.mark.slow
@pytest.mark.timing
def test_a_summary_records_the_data_set_it_worked_on(builds):
    summary = json.loads((builds["A"] / "run-1" / "summary.json").read_text())
    work = summary["environment"]["workload_set"]
    assert work["workload"] == "list_walk" and work["users"] == 8 and work["duration_s"] == 20
    assert work["model"] == "open" and work["rate_per_s"] == 40
    assert work["records_per_list"]["locations"] >= 210
    assert work["pages_per_walk"]["inventory"] == 3
    assert work["dmcert_version"] == summary["environment"]["dmcert_version"]
    intervals = summary["intervals"]
    assert intervals["count"] >= 5
    assert len(intervals["samples"]["total"]["req/s"]) == intervals["count"]
    assert all(
        float(at) % intervals["bucket_s"] == 0 for at in intervals["samples"]["total"]["req/s"]
    )


# --- the statistics -----------------------------------------------------------------------


def side(name: str, runs: list[dict[str, dict[str, float]]], endpoint: str = "GET /x/") -> Side:
    """A side of synthetic runs: per run, each figure's value per interval start."""
    summaries = []
    for samples in runs:
        p50 = samples.get("p50 ms", {"0": 1.0})
        stats = {
            "rps": 1.0,
            "rows_per_s": 0.0,
            "error_ratio": 0.0,
            "latency_ms": {"p50": sorted(p50.values())[len(p50) // 2]},
        }
        summaries.append(
            {
                "workload": "w",
                "endpoints": {endpoint: stats},
                "total": stats,
                "environment": {"workload_set": {"workload": "w"}},
                "intervals": {"samples": {endpoint: samples, "total": samples}},
            }
        )
    return Side(name, summaries)


def concurrent(rng: random.Random, factor: float = 1.0, seconds: int = 12):
    """Two builds run at the same time on a machine whose load drifts: each interval's
    latency is the drift of that moment times the build's factor times noise."""
    drift = [rng.lognormvariate(0, 0.3) for _ in range(seconds)]
    runs = []
    for scale in (1.0, factor):
        p50 = {str(t): 40 * d * scale * rng.lognormvariate(0, 0.15) for t, d in enumerate(drift)}
        runs.append([{"p50 ms": p50}])
    return runs


def test_identical_builds_run_together_raise_no_false_alarm_over_many_comparisons():
    rng = random.Random(7)
    alarms = 0
    for _ in range(200):
        runs_a, runs_b = concurrent(rng)
        rows = compare(side("A", runs_a), side("B", runs_b), threshold=10)
        alarms += any(row.regression for row in rows)
    assert alarms <= 200 * ALPHA, alarms


def test_a_paired_shift_beyond_the_threshold_is_a_regression_within_it_is_not():
    runs_a, runs_b = concurrent(random.Random(3), factor=1.3)
    rows = {row.figure.label: row for row in compare(side("A", runs_a), side("B", runs_b), 10)}
    assert rows["p50 ms"].regression and rows["p50 ms"].mark == "REGRESSION"
    assert rows["p50 ms"].change.low > 0 and rows["p50 ms"].change.n_a == 12
    rows = {row.figure.label: row for row in compare(side("A", runs_a), side("B", runs_b), 50)}
    assert not rows["p50 ms"].regression and rows["p50 ms"].mark == "worse"


def test_a_shift_whose_interval_reaches_inside_the_threshold_is_worse_not_a_regression():
    """The shape of two identical builds run together while another process loads one of
    them more: a steady +12 % that the samples cannot place beyond 10 %."""
    runs_a, runs_b = concurrent(random.Random(5), factor=1.12, seconds=57)
    row = next(r for r in compare(side("A", runs_a), side("B", runs_b), 10) if r.significant)
    assert row.change.change > 10 and row.change.low < 10
    assert not row.regression and row.mark == "worse"


def test_runs_at_different_times_are_one_sample_each():
    rng = random.Random(4)
    earlier = [{"p50 ms": {str(t): 40 * rng.lognormvariate(0, 0.2) for t in range(12)}}]
    later = [{"p50 ms": {str(t + 100): 60 * rng.lognormvariate(0, 0.2) for t in range(12)}}]
    rows = {r.figure.label: r for r in compare(side("A", earlier), side("B", later), 10)}
    # 24 intervals would call +50 % "significant"; one run against one cannot judge
    assert rows["p50 ms"].change.n_a == 1 and rows["p50 ms"].mark == "?"


def test_one_sample_per_side_cannot_be_judged():
    change = judge([10.0], [20.0])
    assert change.change == pytest.approx(100) and change.p_value is None
    assert judge([1, 2, 3], [4, 5, 6]).p_value is None  # 3 against 3 can never reach 0.05
    assert min_p_value(3, 3) == pytest.approx(0.1) and min_p_value(4, 4) < ALPHA
    assert judge_paired([(1.0, 2.0)] * 4).p_value is None  # 4 pairs: p >= 0.125
    one = side("A", [{"p50 ms": {"0": 50.0}}])
    rows = compare(one, side("B", [{"p50 ms": {"0": 80.0}}]), 10)
    assert all(row.mark == "?" and not row.regression for row in rows)


def test_holm_holds_the_family_wise_error_rate():
    assert holm([0.001, 0.03, 0.04, None]) == [True, False, False, False]
    assert holm([0.001, 0.02, 0.04]) == [True, True, True]
    assert holm([0.01, 0.02]) == [True, True]


def test_error_ratio_changes_in_percentage_points():
    change = judge([0.0, 0.0, 0.0, 0.0, 0.0], [0.1, 0.1, 0.1, 0.1, 0.1], ratio=True)
    assert change.change == pytest.approx(10.0) and change.p_value < ALPHA
    paired = judge_paired([(0.0, 0.1)] * 8, ratio=True)
    assert paired.change == pytest.approx(10.0) and paired.p_value < ALPHA


def test_interval_percentiles_need_enough_requests():
    assert [requests_for(p) for p in (50, 95, 99, 99.9)] == [2, 20, 100, 1000]
    assert {figure.label for figure in FIGURES} >= {"p50 ms", "p95 ms", "req/s", "error ratio"}


def test_a_different_workload_is_named():
    a, b = side("A", [{"p50 ms": {"0": 1.0}}]), side("B", [{"p50 ms": {"0": 1.0}}])
    b.runs[0]["environment"]["workload_set"]["users"] = 4
    assert workload_differences(a, b) == ["users A -, B 4"]
    b.runs[0]["workload"] = "other"
    assert workload_differences(a, b) == ["workload A w, B other"]

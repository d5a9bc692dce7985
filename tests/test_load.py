"""`dmcert load`: short headless runs against the reference target, healthy and with
injected faults, plus the SLO, HDR, check and compare logic they rest on.

Each run is bounded by --duration (a few seconds) or --max-requests, targets loopback only,
and uses few users, so the whole module stays well under a minute and a half on 2 cores.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dmcert.cli import main
from dmcert.contract.spec import BASE_PATH
from dmcert.errors import UsageError
from dmcert.load import options
from dmcert.load.compare import Side, compare
from dmcert.load.figures import FIGURES, full_intervals, interval_samples
from dmcert.load.hdr import (
    SERIES_SIGNIFICANT_FIGURES,
    SIGNIFICANT_FIGURES,
    Recording,
    latency_stats,
    new_histogram,
    record_ms,
)
from dmcert.load.locust import checks
from dmcert.load.report import LATENCY_COLUMNS
from dmcert.load.slo import LATENCY_KEYS, evaluate, load_slo
from dmcert.load.summary import endpoint_stats
from dmcert.reference.server import RunningTarget
from tests.conftest import run_dmcert

DEFAULT_SLO = Path(__file__).resolve().parents[1] / "load" / "slo.toml"
REPORT_FILES = (
    "summary.json",
    "locust.html",
    "locust_stats.csv",
    "locust_failures.csv",
    "locust.log",
    "latency.png",
    "throughput.png",
)


def load_against(target: RunningTarget, reports: Path, workload: str, *extra: str):
    return run_dmcert(
        "load", workload, "--target", target.url, "--keys", str(target.keys_path),
        "--reports", str(reports), *extra,
    )  # fmt: skip


def summary_of(reports: Path) -> dict:
    return json.loads((reports / "summary.json").read_text(encoding="utf-8"))


def shown(result) -> str:
    return result.stdout[-6000:] + result.stderr[-3000:]


def active_under(target: RunningTarget, collection: str, prefix: str) -> list[str]:
    """Identifiers under `prefix` still active: listed products and locations (the lists show
    active ones only), orders not cancelled."""
    field = {"products": "sku", "locations": "code", "orders": "order_number"}[collection]
    key = target.profile.full_key().value
    found, cursor = [], None
    for _ in range(100):
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        body = httpx.get(
            f"{target.url}{BASE_PATH}/{collection}/",
            params=params,
            headers={"X-API-Key": key},
            timeout=30,
        ).json()
        found += [
            r[field]
            for r in body["data"]
            if r[field].startswith(prefix) and r.get("status") != "cancelled"
        ]
        cursor = body["pagination"]["next_cursor"]
        if not cursor:
            break
    return found


@pytest.fixture(scope="module")
def target():
    with RunningTarget() as running:
        yield running


@pytest.fixture(scope="module")
def healthy_run(target: RunningTarget, tmp_path_factory: pytest.TempPathFactory):
    """One mixed run (bulk upserts, lookups, list walks) that must meet the default SLOs."""
    reports = tmp_path_factory.mktemp("mixed") / "reports"
    result = load_against(target, reports, "mixed", "--users", "4", "--duration", "4s")
    return result, reports


# --- end to end -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timing
def test_healthy_target_meets_the_default_slos_and_reports_everything(healthy_run):
    result, reports = healthy_run
    assert result.exit_code == 0, shown(result)
    assert "SLOs met" in result.stdout
    assert "data set prepared: 210 products, 210 locations, 210 orders" in result.stdout
    summary = summary_of(reports)
    assert summary["verdict"] == "pass" and summary["breaches"] == []
    assert summary["workload"] == "mixed"
    assert summary["environment"]["data_set"]["inventory_rows"] == 420
    for name in REPORT_FILES:
        assert (reports / name).is_file(), name
    for plot in ("latency.png", "throughput.png"):
        assert (reports / plot).read_bytes().startswith(b"\x89PNG")
    endpoints = summary["endpoints"]
    assert {"POST /inventory/", "GET /inventory/{code}/", "GET /inventory/{code}/?by=sku"} <= set(
        endpoints
    )
    bulk = endpoints["POST /inventory/"]
    assert bulk["failures"] == 0 and bulk["rows"] == bulk["requests"] * 500
    latency = summary["total"]["latency_ms"]
    assert set(latency) == {"min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"}
    assert latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["p99.9"] <= latency["max"]
    assert summary["checks"]["walk_duplicates"] == 0
    assert sum(summary["checks"]["walks"].values()) >= 1
    assert summary["stopped_by"] == "duration" and 3.5 < summary["elapsed_s"] < 30
    assert all(verdict["ok"] for verdict in summary["slo"]["verdicts"])


@pytest.mark.slow
@pytest.mark.timing
def test_a_run_cleans_up_its_records_and_writes_no_key(healthy_run, target: RunningTarget):
    result, reports = healthy_run
    prefix = summary_of(reports)["environment"]["run_prefix"]
    assert prefix.startswith("LT-")
    assert active_under(target, "products", prefix) == []
    assert active_under(target, "locations", prefix) == []
    assert active_under(target, "orders", prefix) == []
    residue = summary_of(reports)["environment"]["residue"]
    assert residue == ["inventory rows stay (the API has no DELETE for them)"]
    secrets = [secret.encode() for secret in target.profile.secrets()]
    for path in reports.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(secret in content for secret in secrets), f"a key in {path.name}"
    assert not any(secret.decode() in result.stdout + result.stderr for secret in secrets)


@pytest.mark.slow
def test_injected_5xx_errors_breach_the_error_ratio_slo(tmp_path: Path):
    with RunningTarget(faults=["flaky_5xx"]) as faulty:
        result = load_against(
            faulty, tmp_path, "lookup", "--users", "2", "--duration", "3s", "--keep-data"
        )
    assert result.exit_code == 1, shown(result)
    assert "BREACH GET /inventory/{code}/ max_error_ratio" in result.stdout
    summary = summary_of(tmp_path)
    assert summary["verdict"] == "fail"
    assert any("run max_error_ratio" in breach for breach in summary["breaches"])
    errors = summary["endpoints"]["GET /inventory/{code}/"]["errors"]
    assert any(message.startswith("HTTP 503") for message in errors)


@pytest.mark.slow
@pytest.mark.timing
def test_injected_latency_breaches_p95_and_open_model_counts_from_the_intended_start(
    tmp_path: Path,
):
    # 2 users cannot keep up with 8 lists pages/s at 1.2 s each: requests fall behind their
    # schedule, and the latency measured from the intended start must show it.
    with RunningTarget(faults=["slow_lists"]) as faulty:
        result = load_against(
            faulty, tmp_path, "list_walk",
            "--rate", "8/s", "--users", "2", "--duration", "3s", "--keep-data",
        )  # fmt: skip
    assert result.exit_code == 1, shown(result)
    assert "SLO breached" in result.stdout
    summary = summary_of(tmp_path)
    breached = [b for b in summary["breaches"] if "p95_ms" in b]
    assert breached and all(b.startswith("GET /") for b in breached)
    assert summary["environment"]["model"]["kind"] == "open"
    total = summary["total"]
    assert total["service_ms"]["p50"] >= 1000
    assert total["latency_ms"]["max"] > total["service_ms"]["max"] + 500


@pytest.mark.slow
def test_two_workers_merge_into_one_statistic(tmp_path: Path):
    # No --target: dmcert starts the embedded reference target itself.
    result = run_dmcert(
        "load", "lookup", "--workers", "2", "--users", "4", "--duration", "20s",
        "--max-requests", "120", "--reports", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, shown(result)
    summary = summary_of(tmp_path)
    assert summary["workers"] == {"expected": 2, "final_reports": 2}
    assert summary["environment"]["embedded_reference_target"] is True
    assert summary["stopped_by"] == "max_requests"
    assert summary["total"]["requests"] == 120
    with (tmp_path / "locust_stats.csv").open(newline="") as handle:
        aggregated = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    assert int(aggregated["Request Count"]) == 120
    assert (tmp_path / "worker-1.log").exists() and (tmp_path / "worker-2.log").exists()


@pytest.mark.slow
def test_a_wrong_bulk_summary_fails_the_run(tmp_path: Path):
    with RunningTarget(faults=["bulk_counters_wrong"]) as faulty:
        result = load_against(
            faulty, tmp_path, "bulk_inventory",
            "--users", "1", "--batch-size", "50", "--max-requests", "12", "--keep-data",
        )  # fmt: skip
    assert result.exit_code == 1, shown(result)
    errors = summary_of(tmp_path)["endpoints"]["POST /inventory/"]["errors"]
    assert any(message.startswith("bulk summary:") for message in errors)


@pytest.mark.slow
def test_bulk_inventory_with_a_partner_key_sends_the_partners_shape(
    tmp_path: Path, target: RunningTarget
):
    """A mapped key's batches go out in its partner's names and the target maps them back:
    every summary checks out, and the integration log shows the partner's payload."""
    start = max((entry["seq"] for entry in target.audit_entries()), default=0)
    result = load_against(
        target, tmp_path, "bulk_inventory", "--key", "partner_acumatica",
        "--users", "2", "--batch-size", "20", "--max-requests", "30",
    )  # fmt: skip
    assert result.exit_code == 0, shown(result)
    summary = summary_of(tmp_path)
    assert summary["environment"]["key"] == "partner_acumatica"
    assert summary["environment"]["partner"] == "acumatica"
    assert summary["endpoints"]["POST /inventory/"]["errors"] == {}
    sent = [
        entry
        for entry in target.audit_entries(start)
        if entry["path"].endswith("/inventory/") and entry["method"] == "POST"
    ]
    assert sent and all(entry["partner"] == "acumatica" for entry in sent)
    assert all('"Items"' in e["payload"] and '"inventory"' in e["mapped_payload"] for e in sent)


@pytest.mark.slow
def test_sigterm_mid_run_reports_the_part_that_ran_cleans_up_and_exits_143(
    tmp_path: Path, target: RunningTarget
):
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "dmcert", "load", "lookup", "--target", target.url,
            "--keys", str(target.keys_path), "--reports", str(tmp_path), "--users", "2",
            "--duration", "120s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        for line in proc.stdout:  # signal once the first progress line shows requests flowing
            if line.startswith("[") and "requests" in line:
                break
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=90)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 143, output[-3000:]
    summary = summary_of(tmp_path)
    assert summary["verdict"] == "incomplete"
    assert summary["stopped_by"] == "interrupted (SIGTERM)"
    assert summary["elapsed_s"] < 60 and summary["total"]["requests"] > 0
    prefix = summary["environment"]["run_prefix"]
    assert active_under(target, "locations", prefix) == []
    assert active_under(target, "products", prefix) == []


@pytest.mark.parametrize(
    ("key", "workload", "message"),
    [
        ("nobody", "bulk_inventory", "no key named 'nobody'"),
        ("orders_read", "bulk_inventory", "which the key's declared scopes do not allow"),
        ("partner_acumatica", "list_walk", "only bulk_inventory sends a partner key's payloads"),
    ],
)
def test_a_key_the_workload_cannot_use_is_a_usage_error(
    key: str, workload: str, message: str, target: RunningTarget, capsys
):
    argv = ["load", workload, "--target", target.url, "--keys", str(target.keys_path)]
    assert main([*argv, "--key", key]) == 2
    stderr = capsys.readouterr().err
    assert message in stderr and len(stderr.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.timing
def test_compare_of_one_run_each_judges_only_what_its_samples_allow(healthy_run, tmp_path: Path):
    _, reports = healthy_run
    baseline = reports / "summary.json"
    same = run_dmcert("load", "--compare", str(baseline), str(reports), "--reports", str(tmp_path))
    assert same.exit_code == 0, shown(same)
    assert "no significant regression" in same.stdout
    assert (tmp_path / "compare.png").is_file()
    # an older summary (schema /2) has no interval samples: one sample per side, no verdict
    older = json.loads(baseline.read_text())
    older["schema"] = "dmcert-load-summary/2"
    del older["intervals"]
    del older["environment"]["workload_set"]
    older["endpoints"]["GET /inventory/{code}/"]["latency_ms"]["p95"] *= 1.5
    candidate = tmp_path / "summary.json"
    candidate.write_text(json.dumps(older))
    out = ("--reports", str(tmp_path / "out"))
    judged = run_dmcert("load", "--compare", str(candidate), str(candidate), "--force", *out)
    assert judged.exit_code == 0, shown(judged)
    assert "? = cannot judge significance" in judged.stdout
    refused = run_dmcert("load", "--compare", str(baseline), str(candidate), *out)
    assert refused.exit_code == 2 and "does not record its data set" in refused.stderr


# --- usage ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lookup", "--target", "http://127.0.0.1:9"], "--target needs --keys"),
        (["nosuch"], "unknown workload"),
        ([], "name a workload"),
        (["lookup", "--batch-size", "5001"], "--batch-size"),
        (["lookup", "--rate", "fast"], "--rate"),
        (["lookup", "--duration", "0s"], "--duration"),
        (["lookup", "--workers", "-1"], "--workers"),
        (["lookup", "--slo", "/nonexistent/slo.toml"], "SLO file not found"),
        (["--compare", "/nonexistent/a.json", "/nonexistent/b.json"], "summary not found"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
):
    assert main(["load", *argv]) == 2
    stderr = capsys.readouterr().err
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


def test_a_keys_file_without_a_full_scope_key_is_a_usage_error(
    tmp_path: Path, target: RunningTarget, capsys: pytest.CaptureFixture[str]
):
    narrow = next(
        key
        for key in target.profile.keys.values()
        if key.usable and key.scopes == ("integrations.orders.read",)
    )
    keys = tmp_path / "keys.toml"
    keys.write_text(
        f'[keys.reader]\nkey = "{narrow.value}"\nscopes = ["integrations.orders.read"]\n'
    )
    assert main(["load", "lookup", "--target", target.url, "--keys", str(keys)]) == 2
    stderr = capsys.readouterr().err
    assert "needs a usable key with integrations.*" in stderr
    assert narrow.value not in stderr


def test_unreachable_target_is_exit_3_before_anything_runs(tmp_path: Path, target: RunningTarget):
    started = time.monotonic()
    result = run_dmcert(
        "load", "lookup", "--target", "http://127.0.0.1:9", "--keys", str(target.keys_path),
        "--reports", str(tmp_path / "reports"),
    )  # fmt: skip
    assert result.exit_code == 3, shown(result)
    assert "unreachable" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "reports").exists()
    assert time.monotonic() - started < 30


# --- SLOs -------------------------------------------------------------------------------


def stats(p95: float, error_ratio: float = 0.0, rps: float = 10.0) -> dict:
    return {
        "requests": 1000,
        "error_ratio": error_ratio,
        "rps": rps,
        "rows_per_s": 0.0,
        "latency_ms": {"p50": p95 / 2, "p90": p95, "p95": p95, "p99": p95, "max": p95},
    }


def test_default_slos_are_a_release_gate():
    slo = load_slo(DEFAULT_SLO)

    def breaches(endpoint_stats: dict) -> list[str]:
        verdicts = evaluate(slo, {"GET /locations/": endpoint_stats}, endpoint_stats)
        return [v.describe() for v in verdicts if not v.ok]

    assert breaches(stats(p95=900.0, error_ratio=0.005)) == []
    assert breaches(stats(p95=1000.5)) == ["GET /locations/ p95_ms 1000.5 ms > 1000 ms"]
    assert "GET /locations/ max_error_ratio 1.5 % > 1 %" in breaches(stats(10.0, 0.015))


def test_throughput_floor_and_endpoints_not_exercised(tmp_path: Path):
    path = tmp_path / "slo.toml"
    path.write_text('[endpoints."POST /inventory/"]\nmin_rows_per_s = 500\n[run]\nmin_rps = 5\n')
    slo = load_slo(path)
    bulk = {**stats(10.0), "rows_per_s": 499.0}
    verdicts = evaluate(slo, {"POST /inventory/": bulk}, stats(10.0, rps=4.0))
    assert [v.describe() for v in verdicts if not v.ok] == [
        "POST /inventory/ min_rows_per_s 499/s < 500/s",
        "run min_rps 4/s < 5/s",
    ]
    idle = evaluate(slo, {}, stats(10.0))
    assert (idle[0].scope, idle[0].exercised, idle[0].ok) == ("POST /inventory/", False, True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[defaults]\np95 = 3\n", "unknown SLO 'p95'"),
        ("[defaults]\np95_ms = -1\n", "non-negative"),
        ("[defaults]\nmax_error_ratio = 5\n", "between 0 and 1"),
        ("[defaults]\nmin_rows_per_s = 5\n", "unknown SLO 'min_rows_per_s'"),
        ("[limits]\n", "unknown table [limits]"),
        ("p95_ms = ", "not valid TOML"),
    ],
)
def test_bad_slo_files_are_usage_errors(tmp_path: Path, text: str, message: str):
    path = tmp_path / "slo.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message.replace("[", r"\[")):
        load_slo(path)


# --- HDR recording ----------------------------------------------------------------------


def test_merged_recordings_equal_one_recording_of_everything():
    now = time.time()
    values = [0.25 + i * 1.731 for i in range(2000)]
    whole, first, second = Recording(), Recording(), Recording()
    for index, value in enumerate(values):
        whole.record("GET /x/", value, value, at=now)
        part = first if index % 3 else second
        part.record("GET /x/", value, value, at=now)
    merged = Recording.from_json(json.loads(json.dumps(first.to_json())))
    merged.merge(Recording.from_json(json.loads(json.dumps(second.to_json()))))
    assert merged.requests == 2000
    assert latency_stats(merged.endpoints["GET /x/"].latency) == latency_stats(
        whole.endpoints["GET /x/"].latency
    )


def test_one_percentile_table_feeds_the_summary_slos_table_and_comparison():
    recording = Recording()
    recording.record("GET /x/", 1.0, 1.0, at=time.time())
    stats = latency_stats(recording.endpoints["GET /x/"].latency)
    assert list(stats) == ["min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"]
    assert LATENCY_COLUMNS == ("p50", "p90", "p95", "p99", "p99.9", "max")
    assert LATENCY_KEYS == {
        "p50_ms": "p50",
        "p90_ms": "p90",
        "p95_ms": "p95",
        "p99_ms": "p99",
        "p99_9_ms": "p99.9",
        "max_ms": "max",
    }
    assert [figure.label for figure in FIGURES if figure.label.endswith(" ms")] == [
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "p99.9 ms",
    ]


def test_percentiles_are_unrounded_and_lateness_counts():
    recording = Recording()
    for _ in range(10):
        recording.record("GET /x/", 12.345 + 40.0, 12.345, at=time.time())
    record = recording.endpoints["GET /x/"]
    service = latency_stats(record.service)
    assert abs(service["p50"] - 12.345) < 0.02  # Locust would report 12
    assert abs(latency_stats(record.latency)["p99"] - 52.345) < 0.06


def test_endpoint_stats_rates_and_ratios():
    recording = Recording()
    for index in range(100):
        error = "HTTP 503" if index % 20 == 0 else None
        recording.record("POST /inventory/", 5.0, 5.0, error=error, rows=10, at=time.time())
    result = endpoint_stats(recording.endpoints["POST /inventory/"], elapsed_s=4.0)
    assert result["requests"] == 100 and result["failures"] == 5
    assert result["error_ratio"] == 0.05 and result["rps"] == 25.0
    assert result["rows"] == 950 and result["rows_per_s"] == 237.5
    assert result["errors"] == {"HTTP 503": 5}


# --- response checks --------------------------------------------------------------------


def test_bulk_summary_must_add_up_to_the_rows_sent():
    good = {"data": {"total": 4, "created": 3, "updated": 1, "failed": 0, "errors": []}}
    assert checks.bulk_summary_problem(good, total=4, created=3, updated=1) is None
    assert "created, updated" in checks.bulk_summary_problem(good, total=4, created=2, updated=2)
    failed = {"data": {**good["data"], "failed": 1, "created": 2}}
    assert checks.bulk_summary_problem(failed, total=4, created=3, updated=1)
    assert checks.bulk_summary_problem({"success": True}, total=1, created=1, updated=0)


def test_page_and_lookup_checks():
    page = {"data": [{"id": "a"}], "pagination": {"limit": 200, "next_cursor": None}}
    assert checks.page_problem(page, 200) is None
    assert checks.page_problem({"data": [{"id": "a"}]}, 200) == "list page: no pagination object"
    assert checks.page_problem({**page, "data": [{}, {}]}, 1) is not None
    entry = checks.Entry(location_code="L", sku_code="S")
    assert checks.record_identity("inventory", entry) == ("L", "S")
    assert checks.record_identity("locations", checks.Entry(id="x", code="C")) == "x"
    decoded, problem = checks.decode_page(json.dumps(page).encode(), 200)
    assert problem is None and decoded.data[0].id == "a"
    assert decoded.pagination.next_cursor is None
    for bad, message in [
        ({"data": [{"id": "a"}]}, "no pagination object"),
        ({**page, "data": [1]}, "an entry is not an object"),
        ({**page, "data": [{}, {}]}, "more entries than the limit"),
        ({**page, "data": {}}, "data is not a list"),
        ({**page, "pagination": {"next_cursor": ""}}, "next_cursor is neither"),
        ({**page, "pagination": {"next_cursor": 5}}, "next_cursor is neither"),
    ]:
        limit = 1 if len(bad["data"]) == 2 else 200
        assert message in checks.decode_page(json.dumps(bad).encode(), limit)[1], bad
    assert checks.decode_page(b"<html>", 200) == (None, "list page: body is not JSON")
    rows = {"data": [{"location_code": "L1", "sku_code": "S"}] * 2}
    assert checks.lookup_problem(rows, field="location_code", identifier="L1", at_least=2) is None
    assert checks.lookup_problem(rows, field="location_code", identifier="L2", at_least=1)
    assert checks.lookup_problem(rows, field="location_code", identifier="L1", at_least=3)


# --- options and compare ----------------------------------------------------------------


def test_option_values():
    assert options.parse_duration("1h30m") == 5400
    assert options.parse_duration("90") == 90
    assert options.parse_duration("250ms") == 0.25
    assert options.parse_rate("3000/m") == 50
    assert options.parse_rate("12.5/s") == 12.5
    assert options.parse_wait("0.5-2") == (0.5, 2.0)
    for bad in ("5x", "", "-3s"):
        with pytest.raises(UsageError):
            options.parse_duration(bad)
    with pytest.raises(UsageError):
        options.parse_wait("2-1")


def test_compare_thresholds():
    def side(p95: float, rps: float, error_ratio: float, runs: int = 6) -> Side:
        """`runs` runs without interval samples: one sample per run, spread by +-1 %."""
        summaries = []
        for index in range(runs):
            wobble = 1 + (index - runs // 2) / 100
            endpoint = {**stats(p95 * wobble, error_ratio, rps * wobble), "rows_per_s": 0.0}
            summaries.append({"workload": "lookup", "endpoints": {"GET /x/": endpoint}})
            summaries[-1]["total"] = endpoint
        return Side("s", summaries)

    base = side(p95=100.0, rps=50.0, error_ratio=0.0)

    def flagged(candidate: Side) -> set[str]:
        return {row.figure.label for row in compare(base, candidate, 10.0) if row.regression}

    assert flagged(side(109.0, 46.0, 0.0005)) == set()
    assert flagged(side(120.0, 50.0, 0.0)) >= {"p95 ms"}
    assert flagged(side(100.0, 40.0, 0.0)) == {"req/s"}
    assert flagged(side(100.0, 50.0, 0.005)) == {"error ratio"}
    assert flagged(side(120.0, 50.0, 0.0, runs=2)) == set()  # 6 against 2: cannot judge


def test_the_inlined_hdr_record_counts_as_hdrh_does():
    rng = random.Random(5)
    for figures in (SIGNIFICANT_FIGURES, SERIES_SIGNIFICANT_FIGURES):
        fast, reference = new_histogram(figures), new_histogram(figures)
        for _ in range(5000):
            latency_ms = rng.choice([rng.uniform(0, 2), rng.uniform(1, 500), rng.uniform(1e3, 4e6)])
            record_ms(fast, latency_ms)
            reference.record_value(min(max(round(latency_ms * 1000), 1), 3_600_000_000))
        assert list(fast.counts) == list(reference.counts)
        assert (fast.total_count, fast.min_value, fast.max_value) == (
            reference.total_count,
            reference.min_value,
            reference.max_value,
        )


def test_only_full_intervals_are_plotted_and_sampled():
    recording = Recording(bucket_s=1)
    for at in (100.5, 101.2, 101.7, 102.4, 103.05):  # the run: 100.3 .. 103.12
        recording.record("GET /x/", 5.0, 5.0, at=at)
    assert full_intervals(recording, 100.3, 103.12) == [101, 102]
    samples = interval_samples(recording, 100.3, 103.12)
    assert samples["count"] == 2
    assert samples["samples"]["GET /x/"]["req/s"] == {"101": 2.0, "102": 1.0}  # no 0.12 s sliver
    assert samples["samples"]["GET /x/"]["p95 ms"] == {}  # 20 requests needed per interval


def test_latency_plot_draws_the_slo_limits_and_a_legend_entry_per_percentile(tmp_path: Path):
    import matplotlib.pyplot as plt

    from dmcert.load import plots

    slo = load_slo(DEFAULT_SLO)
    figure, axis = plt.subplots()
    plots._slo_lines(axis, slo, ["GET /x/", "POST /inventory/"])
    limits = sorted(line.get_ydata()[0] for line in axis.get_lines())
    assert limits == [1000, 2500, 3000, 6000]  # p95/p99 defaults and the bulk overrides
    line = axis.plot([1], [1], label="GET /x/")[0]
    plots._percentile_legend(axis, [line])
    labels = [text.get_text() for text in axis.get_legend().get_texts()]
    assert labels == ["GET /x/", "p50", "p95", "p99"]
    plt.close(figure)

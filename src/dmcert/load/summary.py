"""summary.json: per-endpoint numbers from the merged HDR recording, the SLO verdicts and the
environment of the run. It is what `dmcert load --compare` reads back.

Schema (`"schema": "dmcert-load-summary/3"`; /3 added intervals, checks.generator and
environment.workload_set; /1 called the workload `profile`, and environment.data_set and
prepare_s `seeded` and `seed_s`):
    workload, verdict ("pass" | "fail" | "incomplete": the run was stopped before its duration
    or request budget), breaches [str], started, finished (ISO 8601), elapsed_s,
    stopped_by ("duration" | "max_requests" | "terminated" | "hard_limit" |
    "interrupted (SIGINT|SIGTERM|SIGHUP)"), environment.partner (the --key's partner or null),
    endpoints {NAME: STATS}, total STATS,
    slo {file, sha256, verdicts [{scope, slo, limit, actual, ok, exercised}]},
    checks {walks: {list: n}, walk_duplicates: n, generator: {sends, late_after_wait}},
    intervals {bucket_s, count, samples {NAME or "total": {FIGURE: [one value per full
        interval]}}} (figures.FIGURES; what `--compare` tests),
    environment {..., workload_set {...}: what the run worked on, `--compare` refuses to
        compare runs whose workload_set differs}
STATS: requests, failures, error_ratio, rps, rows, rows_per_s,
    latency_ms {min, mean, p50 ... p99.9 (one per hdr.PERCENTILES), max} (from the intended
    start),
    service_ms (same keys, from the actual send), errors {message: count}.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dmcert.load.figures import interval_samples
from dmcert.load.hdr import EndpointRecord, Recording, latency_stats
from dmcert.load.slo import SloFile, Verdict, evaluate

SCHEMA = "dmcert-load-summary/3"
READABLE_SCHEMAS = ("dmcert-load-summary/2", SCHEMA)  # /2 has no intervals
ERRORS_SHOWN = 20


def endpoint_stats(record: EndpointRecord, elapsed_s: float) -> dict[str, Any]:
    seconds = max(elapsed_s, 1e-9)
    return {
        "requests": record.requests,
        "failures": record.failures,
        "error_ratio": record.failures / record.requests if record.requests else 0.0,
        "rps": record.requests / seconds,
        "rows": record.rows,
        "rows_per_s": record.rows / seconds,
        "latency_ms": latency_stats(record.latency),
        "service_ms": latency_stats(record.service),
        "errors": dict(record.errors.most_common(ERRORS_SHOWN)),
    }


def total_record(recording: Recording) -> EndpointRecord:
    total = EndpointRecord()
    for record in recording.endpoints.values():
        total.merge(record)
    return total


COMPLETED = ("duration", "max_requests")
"""How a run that got through ends; any other stop leaves it incomplete (never a pass)."""


def build_summary(
    workload: str,
    document: dict[str, Any],
    slo: SloFile,
    environment: dict[str, Any],
    stopped_by: str | None = None,
) -> tuple[dict[str, Any], list[Verdict]]:
    """The summary of one run from the master's recording document."""
    recording = Recording.from_json(document["recording"])
    started, finished = float(document["started"]), float(document["finished"])
    elapsed = max(0.0, finished - started)
    endpoints = {
        name: endpoint_stats(record, elapsed)
        for name, record in sorted(recording.endpoints.items())
    }
    total = endpoint_stats(total_record(recording), elapsed)
    verdicts = evaluate(slo, endpoints, total)
    breaches = [verdict.describe() for verdict in verdicts if not verdict.ok]
    if not total["requests"]:
        breaches.append("the run made no request (see locust.log)")
    stopped_by = stopped_by or document["stopped_by"]
    verdict = "fail" if breaches else "pass"
    if stopped_by not in COMPLETED:
        breaches.append(f"the run did not complete ({stopped_by} after {elapsed:.1f} s)")
        verdict = "incomplete"
    counters = recording.counters
    summary = {
        "schema": SCHEMA,
        "workload": workload,
        "verdict": verdict,
        "breaches": breaches,
        "started": _iso(document["started"]),
        "finished": _iso(document["finished"]),
        "elapsed_s": elapsed,
        "stopped_by": stopped_by,
        "endpoints": endpoints,
        "total": total,
        "slo": {
            "file": slo.path,
            "sha256": slo.sha256,
            "verdicts": [verdict.to_json() for verdict in verdicts],
        },
        "checks": {
            "walks": {
                name.removeprefix("walks "): count
                for name, count in sorted(counters.items())
                if name.startswith("walks ")
            },
            "walk_duplicates": counters.get("walk duplicates", 0),
            "generator": {
                "sends": counters.get("open-model sends", 0),
                "late_after_wait": counters.get("generator late", 0),
            },
        },
        "intervals": interval_samples(recording, started, finished),
        "workers": document.get("workers", {}),
        "environment": environment,
    }
    return summary, verdicts


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(float(epoch), UTC).isoformat(timespec="milliseconds")

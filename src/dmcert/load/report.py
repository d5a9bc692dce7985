"""What `dmcert load` prints: a progress line every few seconds, then the per-endpoint table
and the SLO verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from dmcert.load.hdr import PERCENTILES
from dmcert.load.plan import RunSettings
from dmcert.load.slo import Verdict

LATENCY_COLUMNS = (*(percentile.label for percentile in PERCENTILES), "max")


def print_progress(line: dict[str, Any], settings: RunSettings) -> None:
    """One line per progress report of the Locust master (its rounded, live numbers)."""
    requests = int(line.get("requests", 0))
    failures = int(line.get("failures", 0))
    ratio = failures / requests * 100 if requests else 0.0
    p95 = line.get("p95_ms")
    bound = f"/{settings.duration_s:g}s"
    print(
        f"[{float(line.get('elapsed_s', 0)):6.1f}s{bound}] users {line.get('users', 0)} | "
        f"{requests:,} requests | {float(line.get('rps', 0)):.1f} req/s | "
        f"{failures:,} failures ({ratio:.2f} %) | p95 ~{p95 if p95 is not None else '-'} ms",
        flush=True,
    )


def print_report(
    console: Console, summary: dict[str, Any], verdicts: list[Verdict], reports: Path
) -> None:
    table = Table(
        title=f"dmcert load {summary['workload']}: {summary['elapsed_s']:.1f} s, "
        f"stopped by {summary['stopped_by']} (latency in ms from the intended start)"
    )
    for column in ("endpoint", "requests", "req/s", "rows/s", "errors", *LATENCY_COLUMNS):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    for name, stats in [*summary["endpoints"].items(), ("total", summary["total"])]:
        latency = stats["latency_ms"]
        table.add_row(
            name,
            f"{stats['requests']:,}",
            f"{stats['rps']:.1f}",
            f"{stats['rows_per_s']:.0f}" if stats["rows"] else "-",
            f"{stats['failures']:,} ({stats['error_ratio'] * 100:.2f} %)",
            *(_ms(latency[column]) for column in LATENCY_COLUMNS),
        )
    console.print(table)
    for name, stats in summary["endpoints"].items():
        for message, count in list(stats["errors"].items())[:3]:
            console.print(f"  {name}: {count:,} x {message}")
    for verdict in verdicts:
        if verdict.exercised:
            console.print(f"{'ok    ' if verdict.ok else 'BREACH'} {verdict.describe()}")
    idle = sorted({verdict.scope for verdict in verdicts if not verdict.exercised})
    if idle:
        console.print(f"not exercised by this workload: {', '.join(idle)}")
    console.print(f"reports: {reports}")
    if summary["verdict"] == "pass":
        console.print(f"SLOs met ({sum(v.exercised for v in verdicts)} checked)")
    else:
        console.print("SLO breached: " + "; ".join(summary["breaches"]))


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"

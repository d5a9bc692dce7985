"""`dmcert load --compare A/summary.json B/summary.json`: two runs side by side, B judged
against A (the baseline). The benchmarking workflow for two builds.

A regression, with threshold t (percent):
- latency (p50, p95, p99, p99.9): B > A * (1 + t/100);
- throughput (requests/s, rows/s): B < A * (1 - t/100);
- error ratio: B > A * (1 + t/100) and at least 0.1 percentage point above A.
Exit 1 when any is flagged, 0 otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from dmcert.errors import EXIT_FAILED, EXIT_OK, UsageError
from dmcert.load.hdr import PERCENTILES
from dmcert.load.summary import SCHEMA

ERROR_RATIO_FLOOR = 0.001
# metric label -> (how to read it from endpoint stats, higher is worse)
METRICS: dict[str, tuple[tuple[str, ...], bool]] = {
    **{
        f"{percentile.label} ms": (("latency_ms", percentile.label), True)
        for percentile in PERCENTILES
        if percentile.compared
    },
    "req/s": (("rps",), False),
    "rows/s": (("rows_per_s",), False),
    "error ratio": (("error_ratio",), True),
}


@dataclass(frozen=True)
class Row:
    endpoint: str
    metric: str
    a: float | None
    b: float | None
    regression: bool

    @property
    def change_percent(self) -> float | None:
        if self.a is None or self.b is None or self.a == 0:
            return None
        return (self.b - self.a) / self.a * 100


def read_summary(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"summary not found: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"cannot read summary {path}: {exc.__class__.__name__}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise UsageError(f"{path} is not a dmcert load summary.json ({SCHEMA})")
    return data


def compare(a: dict[str, Any], b: dict[str, Any], threshold: float) -> list[Row]:
    """One row per endpoint and metric present in either run ("total" last)."""
    names = sorted(set(a["endpoints"]) | set(b["endpoints"]))
    rows: list[Row] = []
    for name in [*names, "total"]:
        stats_a = a["total"] if name == "total" else a["endpoints"].get(name)
        stats_b = b["total"] if name == "total" else b["endpoints"].get(name)
        for metric, (path, _) in METRICS.items():
            value_a, value_b = _read(stats_a, path), _read(stats_b, path)
            if metric == "rows/s" and not (value_a or value_b):
                continue
            rows.append(
                Row(name, metric, value_a, value_b, _worse(metric, value_a, value_b, threshold))
            )
    return rows


def _read(stats: dict[str, Any] | None, path: tuple[str, ...]) -> float | None:
    value: Any = stats
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return float(value) if isinstance(value, int | float) else None


def _worse(metric: str, a: float | None, b: float | None, threshold: float) -> bool:
    if a is None or b is None:
        return False
    factor = threshold / 100
    if metric == "error ratio":
        return b > a * (1 + factor) and b - a >= ERROR_RATIO_FLOOR
    if METRICS[metric][1]:
        return b > a * (1 + factor)
    return b < a * (1 - factor)


def compare_command(path_a: str, path_b: str, threshold: float, console: Console) -> int:
    if threshold < 0:
        raise UsageError("--threshold must be a non-negative percentage")
    a, b = read_summary(path_a), read_summary(path_b)
    rows = compare(a, b, threshold)
    table = Table(title=f"A: {path_a} ({a['workload']})   B: {path_b} ({b['workload']})")
    for column in ("endpoint", "metric", "A", "B", "change", ""):
        table.add_column(column, justify="left" if column in ("endpoint", "metric") else "right")
    for row in rows:
        change = row.change_percent
        table.add_row(
            row.endpoint,
            row.metric,
            _fmt(row.a),
            _fmt(row.b),
            "" if change is None else f"{change:+.1f} %",
            "REGRESSION" if row.regression else "",
        )
    console.print(table)
    flagged = [row for row in rows if row.regression]
    if a["workload"] != b["workload"]:
        console.print(f"note: the runs used different workloads ({a['workload']}, {b['workload']})")
    for row in flagged:
        console.print(
            f"regression: {row.endpoint} {row.metric} {_fmt(row.a)} -> {_fmt(row.b)} "
            f"(threshold {threshold:g} %)"
        )
    if not flagged:
        console.print(f"no regression beyond {threshold:g} %")
    return EXIT_FAILED if flagged else EXIT_OK


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if abs(value) < 1 else f"{value:,.3f}".rstrip("0").rstrip(".")

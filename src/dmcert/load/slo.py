"""Service-level objectives: parsed from TOML, evaluated against a run's unrounded numbers.

    [defaults]                      # every endpoint the run exercised
    p95_ms = 1000
    max_error_ratio = 0.01
    [endpoints."POST /inventory/"]  # overrides, by endpoint name as summary.json names it
    min_rows_per_s = 500
    [run]                           # all requests together
    max_error_ratio = 0.01

A latency limit is breached when the percentile is above it, a ratio when the measured
ratio is above it, a throughput floor when the measured rate is below it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dmcert.contract.toml_file import read_toml
from dmcert.errors import UsageError
from dmcert.load.hdr import PERCENTILES

# SLO key -> the field of a summary's latency_ms it limits (p99.9 is limited by p99_9_ms)
LATENCY_KEYS = {
    **{percentile.slo_key: percentile.label for percentile in PERCENTILES},
    "max_ms": "max",
}
RATIO_KEYS = {"max_error_ratio": "error_ratio"}
FLOOR_KEYS = {"min_rps": "rps", "min_rows_per_s": "rows_per_s"}
KEYS = {**LATENCY_KEYS, **RATIO_KEYS, **FLOOR_KEYS}
RUN_KEYS = {"max_error_ratio", "min_rps", "min_rows_per_s"}
# rows/s only means something for the bulk endpoint, so it is never a default
DEFAULT_KEYS = {key: value for key, value in KEYS.items() if key != "min_rows_per_s"}


@dataclass(frozen=True)
class SloFile:
    path: str
    sha256: str
    defaults: dict[str, float] = field(default_factory=dict)
    endpoints: dict[str, dict[str, float]] = field(default_factory=dict)
    run: dict[str, float] = field(default_factory=dict)

    def limits_for(self, endpoint: str) -> dict[str, float]:
        return {**self.defaults, **self.endpoints.get(endpoint, {})}


@dataclass(frozen=True)
class Verdict:
    scope: str  # an endpoint name, or "run"
    key: str  # the SLO key, e.g. p95_ms
    limit: float
    actual: float | None  # None: not exercised
    ok: bool

    @property
    def exercised(self) -> bool:
        return self.actual is not None

    def describe(self) -> str:
        if self.actual is None:
            return f"{self.scope} {self.key}: not exercised"
        op = "<" if self.key in FLOOR_KEYS else ">"
        shown = _show(self.key, self.actual)
        if self.ok:
            return f"{self.scope} {self.key} {shown} (limit {_show(self.key, self.limit)})"
        return f"{self.scope} {self.key} {shown} {op} {_show(self.key, self.limit)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "slo": self.key,
            "limit": self.limit,
            "actual": self.actual,
            "ok": self.ok,
            "exercised": self.exercised,
        }


def _show(key: str, value: float) -> str:
    if key in LATENCY_KEYS:
        return f"{value:g} ms"
    if key in RATIO_KEYS:
        return f"{value * 100:g} %"
    return f"{value:g}/s"


def load_slo(path: Path | str) -> SloFile:
    """Read and validate an SLO file; every problem is a one-line UsageError."""
    path = Path(path)
    data = read_toml(path, "SLO file")
    unknown = sorted(set(data) - {"defaults", "endpoints", "run"})
    if unknown:
        raise UsageError(f"{path}: unknown table [{unknown[0]}] (use defaults, endpoints, run)")
    endpoints = data.get("endpoints", {})
    if not isinstance(endpoints, dict):
        raise UsageError(f'{path}: [endpoints] must hold [endpoints."NAME"] tables')
    return SloFile(
        path=str(path),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        defaults=_limits(data.get("defaults", {}), f"{path} [defaults]", DEFAULT_KEYS),
        endpoints={
            name: _limits(table, f'{path} [endpoints."{name}"]', KEYS)
            for name, table in endpoints.items()
        },
        run=_limits(data.get("run", {}), f"{path} [run]", RUN_KEYS),
    )


def _limits(table: object, where: str, allowed: set[str] | dict[str, str]) -> dict[str, float]:
    if not isinstance(table, dict):
        raise UsageError(f"{where} must be a table")
    limits: dict[str, float] = {}
    for key, value in table.items():
        if key not in allowed:
            raise UsageError(f"{where}: unknown SLO {key!r} (known: {', '.join(sorted(allowed))})")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise UsageError(f"{where}: {key} must be a non-negative number")
        if key in RATIO_KEYS and value > 1:
            raise UsageError(f"{where}: {key} is a ratio between 0 and 1 (0.01 is 1 %)")
        limits[key] = float(value)
    return limits


def evaluate(
    slo: SloFile, endpoints: dict[str, dict[str, Any]], total: dict[str, Any]
) -> list[Verdict]:
    """One verdict per limit that applies: per exercised endpoint, per endpoint named in the
    file but not exercised (never a breach), and for the run as a whole."""
    verdicts: list[Verdict] = []
    for name in sorted(set(endpoints) | set(slo.endpoints)):
        stats = endpoints.get(name)
        for key, limit in slo.limits_for(name).items():
            if stats is None or not stats["requests"]:
                if name in slo.endpoints:
                    verdicts.append(Verdict(name, key, limit, None, True))
                continue
            verdicts.append(_verdict(name, key, limit, _actual(stats, key)))
    for key, limit in slo.run.items():
        verdicts.append(_verdict("run", key, limit, _actual(total, key)))
    return verdicts


def _actual(stats: dict[str, Any], key: str) -> float:
    if key in LATENCY_KEYS:
        return float(stats["latency_ms"][LATENCY_KEYS[key]])
    return float(stats[KEYS[key]])


def _verdict(scope: str, key: str, limit: float, actual: float) -> Verdict:
    ok = actual >= limit if key in FLOOR_KEYS else actual <= limit
    return Verdict(scope, key, limit, actual, ok)

"""Parsing the values of `dmcert load` options: durations, rates, wait times and bounds.
Every bad value is a one-line UsageError (exit 2)."""

from __future__ import annotations

import re

from dmcert.errors import UsageError

MAX_DURATION_S = 24 * 3600
MAX_BATCH = 5000
MAX_WORKERS = 64
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)?")
_RATE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:/\s*(s|m|h))?")
_WAIT = re.compile(r"(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?")


def parse_duration(text: str) -> float:
    """`30s`, `5m`, `1h30m`, `90` (seconds) -> seconds, in (0, 24 h]."""
    compact = text.strip().replace(" ", "")
    parts = list(_DURATION_PART.finditer(compact))
    if not compact or "".join(p.group(0) for p in parts) != compact:
        raise UsageError(f"--duration must look like 30s, 5m or 1h30m: {text!r}")
    seconds = sum(float(p.group(1)) * _UNITS[p.group(2) or "s"] for p in parts)
    if not 0 < seconds <= MAX_DURATION_S:
        raise UsageError(f"--duration must be above 0 and at most 24h: {text!r}")
    return seconds


def parse_rate(text: str) -> float:
    """`50/s`, `3000/m`, `50` -> arrivals per second, above 0."""
    match = _RATE.fullmatch(text.strip())
    if not match or float(match.group(1)) <= 0:
        raise UsageError(f"--rate must be a positive arrival rate such as 50/s: {text!r}")
    return float(match.group(1)) / _UNITS[match.group(2) or "s"]


def parse_wait(text: str) -> tuple[float, float]:
    """`0`, `0.5`, `0.5-2` -> (min, max) seconds a user waits between its requests."""
    match = _WAIT.fullmatch(text.strip())
    if not match:
        raise UsageError(f"--wait must be seconds or a range such as 0.5-2: {text!r}")
    low = float(match.group(1))
    high = float(match.group(2)) if match.group(2) else low
    if high < low:
        raise UsageError(f"--wait range must not decrease: {text!r}")
    return low, high


def check_bounds(
    *, users: int, spawn_rate: float, batch_size: int, workers: int, remote_workers: int,
    max_requests: int | None,
) -> None:  # fmt: skip
    if users < 1:
        raise UsageError("--users must be at least 1")
    if spawn_rate <= 0:
        raise UsageError("--spawn-rate must be above 0")
    if not 1 <= batch_size <= MAX_BATCH:
        raise UsageError(f"--batch-size must be between 1 and {MAX_BATCH:,}")
    if not 0 <= workers <= MAX_WORKERS:
        raise UsageError(f"--workers must be between 0 and {MAX_WORKERS}")
    if remote_workers < 0:
        raise UsageError("--remote-workers must not be negative")
    if max_requests is not None and max_requests < 1:
        raise UsageError("--max-requests must be at least 1")

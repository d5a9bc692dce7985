"""Timestamps for created_at: microsecond UTC, strictly increasing within the process, so
the (created_at, id) order of the lists follows creation order."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

_STEP = timedelta(microseconds=1)
_lock = threading.Lock()
_last = datetime(1970, 1, 1, tzinfo=UTC)


def now() -> datetime:
    """The current UTC time, at least one microsecond after the previous call."""
    global _last
    with _lock:
        current = datetime.now(UTC)
        _last = current if current > _last else _last + _STEP
        return _last


def now_many(count: int) -> list[datetime]:
    """`count` strictly increasing timestamps, for rows created by one request."""
    return [now() for _ in range(count)]

"""Reading the timestamps a target writes as instants: ISO 8601 date-times with a timezone
designator (the docs' one format, e.g. `2026-04-16T10:00:00Z`)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any


def aware_instant(value: Any, naive_in: tzinfo | None = None) -> datetime | None:
    """The instant an ISO 8601 date-time with a timezone designator denotes, else None (not
    a string, not ISO 8601, or a local time without an offset, unless `naive_in` says which
    zone such a time is read in)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None if naive_in is None else moment.replace(tzinfo=naive_in)
    return moment

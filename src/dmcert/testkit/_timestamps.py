"""Reading the timestamps a target writes as instants: ISO 8601 date-times with a timezone
designator (the docs' one format, e.g. `2026-04-16T10:00:00Z`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def aware_instant(value: Any) -> datetime | None:
    """The instant an ISO 8601 date-time with a timezone designator denotes, else None (not
    a string, not ISO 8601, or a local time without an offset)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None

"""What of a record a write that changes nothing must leave as it was.

Rules about no-op writes (a repeated PUT, a refused create, a second DELETE) compare a record
before and after; `updated_at` may move and an order's lines come in no promised order, so
both are set aside before comparing.
"""

from __future__ import annotations

import json
from typing import Any

VOLATILE = frozenset({"updated_at"})
"""Fields a repeated write may change even when it changes nothing else."""


def lines_of(order: dict[str, Any]) -> Any:
    """The order's lines in a canonical order (the docs promise no line order)."""
    lines = order.get("items")
    if not isinstance(lines, list):
        return lines
    return sorted(lines, key=lambda line: json.dumps(line, sort_keys=True, default=str))


def stable(record: dict[str, Any]) -> dict[str, Any]:
    """The record without the fields a no-op may touch, an order's lines in canonical order."""
    kept = {name: value for name, value in record.items() if name not in VOLATILE}
    if "items" in kept:
        kept["items"] = lines_of(record)
    return kept

"""What every load-test response must satisfy besides its status: the bulk summary adds
up to the rows sent, a list page is well-formed and repeats nothing within a walk, a lookup
returns the rows of the identifier it asked for.

Pure functions, each returning a problem description or None. They run inside the Locust
processes (`tasks` and the benchmark locustfile call them) but import nothing from Locust, so
tests call them directly. Messages are deliberately free of per-request values so failures
group into a few kinds.
"""

from __future__ import annotations

from typing import Any

_OBJECT = {dict}  # what a JSON object decodes to (orjson and json alike)


def bulk_summary_problem(body: Any, *, total: int, created: int, updated: int) -> str | None:
    """The 200 body of POST /inventory/ for `total` valid rows, `created` of them new."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return "bulk summary: no data object"
    expected = {"total": total, "created": created, "updated": updated, "failed": 0}
    wrong = [field for field, value in expected.items() if data.get(field) != value]
    if wrong:
        return f"bulk summary: {', '.join(wrong)} differ from the rows sent"
    if data.get("errors") not in ([], None):
        return "bulk summary: row errors for valid rows"
    return None


def record_identity(collection: str, record: dict[str, Any]) -> Any:
    """How a list entry is told apart: its `id`, or its natural key when it has none."""
    if "id" in record:
        return record["id"]
    natural = {
        "locations": ("code",),
        "products": ("sku",),
        "orders": ("order_number",),
        "inventory": ("location_code", "sku_code"),
    }[collection]
    return tuple(record.get(field) for field in natural)


def page_problem(body: Any, limit: int) -> str | None:
    """A list page: `data` a list of objects of at most `limit`, and `pagination`."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return "list page: data is not a list"
    if not set(map(type, body["data"])) <= _OBJECT:  # one pass in C, not a Python loop
        return "list page: an entry is not an object"
    if len(body["data"]) > limit:
        return "list page: more entries than the limit"
    pagination = body.get("pagination")
    if not isinstance(pagination, dict):
        return "list page: no pagination object"
    cursor = pagination.get("next_cursor")
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        return "list page: next_cursor is neither a string nor null"
    return None


def lookup_problem(body: Any, *, field: str, identifier: str, at_least: int) -> str | None:
    """GET /inventory/{identifier}/: every row belongs to `identifier`, none missing."""
    rows = body.get("data") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        return "lookup: data is not a list"
    if any(not isinstance(row, dict) or row.get(field) != identifier for row in rows):
        return f"lookup: a row with another {field}"
    if len(rows) < at_least:
        return "lookup: fewer rows than the data set holds"
    return None

"""What every load-test response must satisfy besides its status: the bulk summary adds
up to the rows sent, a list page is well-formed and repeats nothing within a walk, a lookup
returns the rows of the identifier it asked for.

Pure functions, each returning a problem description or None. List pages, the bulk of a
generator's work, are decoded and checked in one pass by a typed msgspec decoder. They run
inside the Locust processes (`tasks` and the benchmark locustfile call them) but import
nothing from Locust, so tests call them directly. Messages are deliberately free of
per-request values so failures group into a few kinds.
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
from msgspec import UNSET


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


class Entry(msgspec.Struct):
    """A list entry as a walk reads it: only the fields that tell entries apart. The decoder
    checks that the entry is a JSON object and skips every other field unread."""

    id: Any = UNSET
    code: Any = UNSET
    sku: Any = UNSET
    order_number: Any = UNSET
    location_code: Any = UNSET
    sku_code: Any = UNSET


class Pagination(msgspec.Struct):
    next_cursor: Any = None


class ListPage(msgspec.Struct):
    """A list page: `data` a list of objects, and a `pagination` object."""

    data: list[Entry]
    pagination: Pagination


_PAGE = msgspec.json.Decoder(ListPage)
_NATURAL_KEYS = {
    "locations": ("code",),
    "products": ("sku",),
    "orders": ("order_number",),
    "inventory": ("location_code", "sku_code"),
}


def record_identity(collection: str, entry: Entry) -> Any:
    """How a list entry is told apart: its `id`, or its natural key when it has none."""
    if entry.id is not UNSET:
        return entry.id
    return tuple(getattr(entry, field, None) for field in _NATURAL_KEYS[collection])


def decode_page(content: bytes, limit: int) -> tuple[ListPage | None, str | None]:
    """The page and None, or None and what is wrong with it. One pass: the typed decoder
    checks the shape while it parses, and skips what no check reads; only a page it
    rejects is parsed again, to name the problem."""
    try:
        page = _PAGE.decode(content)
    except msgspec.DecodeError:
        try:
            body = orjson.loads(content)
        except orjson.JSONDecodeError:
            return None, "list page: body is not JSON"
        return None, page_problem(body, limit) or "list page: not a list page"
    if len(page.data) > limit:
        return None, "list page: more entries than the limit"
    cursor = page.pagination.next_cursor
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        return None, "list page: next_cursor is neither a string nor null"
    return page, None


def page_problem(body: Any, limit: int) -> str | None:
    """A decoded list page: `data` a list of objects of at most `limit`, and `pagination`."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return "list page: data is not a list"
    if not all(isinstance(record, dict) for record in body["data"]):
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

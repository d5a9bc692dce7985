"""Cursor pagination of the four lists (decisions.md, Pagination).

Keyset on (created_at, id), both descending, so page N costs what page 1 costs and records
inserted between calls neither repeat nor vanish. The cursor is unpadded base64url of a JSON
payload naming its collection and the last record, signed with HMAC-SHA256 under the
instance's secret: a cursor from another collection or server, a tampered one or garbage is
400 VALIDATION_ERROR "Invalid cursor: '<value>'".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from dmcert.reference.responses import ApiError, validation_error
from dmcert.reference.settings import Settings

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_UNCLAMPED_CEILING = 10_000  # even the limit_not_clamped fault stays bounded
_ECHO = 100
_INTEGER = re.compile(r"[+-]?\d{1,30}")
_DECIMAL = re.compile(r"[+-]?\d{1,30}\.\d*")
_FAULTY_DEFAULT = 20  # the default_limit_20 fault


def parse_limit(settings: Settings, raw: str | None) -> int:
    """The effective limit: clamped into [1, 200]; a non-integer counts as absent (or is 400
    under the non_integer_limit_rejected variant)."""
    if raw and settings.has("decimal_limit_truncated") and _DECIMAL.fullmatch(raw):
        raw = raw.split(".")[0]
    if raw is None or not _INTEGER.fullmatch(raw):
        if raw and settings.chose("non_integer_limit_rejected"):
            raise validation_error(f"limit: {raw[:40]!r} is not an integer.")
        return _FAULTY_DEFAULT if settings.has("default_limit_20") else DEFAULT_LIMIT
    value = int(raw)
    if settings.has("limit_not_clamped"):
        if value < 1:
            raise validation_error("limit: must be at least 1.")
        return min(value, _UNCLAMPED_CEILING)
    return max(1, min(MAX_LIMIT, value))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(settings: Settings, payload: dict[str, Any]) -> str:
    message = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return _b64encode(hmac.new(settings.cursor_secret, message, hashlib.sha256).digest())


def encode_cursor(settings: Settings, collection: str, position: dict[str, Any]) -> str:
    payload = {"k": collection, **position}
    signed = {**payload, "s": _sign(settings, payload)}
    return _b64encode(json.dumps(signed, separators=(",", ":")).encode())


def invalid_cursor(settings: Settings, value: str) -> ApiError:
    """The refusal of a cursor: 400 VALIDATION_ERROR with the pagination page's message, or
    under the variant other_cursor_message a message of the implementation's own."""
    if settings.chose("other_cursor_message"):
        return validation_error("The page token is not valid; start the walk again.")
    return validation_error(f"Invalid cursor: '{value[:_ECHO]}'")


def decode_cursor(settings: Settings, collection: str, value: str) -> dict[str, Any] | None:
    """The position a cursor points after; None (start over) only under cursor_not_verified."""
    try:
        payload = json.loads(_b64decode(value))
        signature = payload.pop("s")
        if not isinstance(signature, str):
            raise ValueError
        verified = settings.has("cursor_not_verified") or hmac.compare_digest(
            signature.encode(), _sign(settings, payload).encode()
        )
        listed = payload.pop("k") == collection or settings.has("cursor_collection_unchecked")
        if not verified or not listed:
            raise ValueError
        return payload
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, RecursionError):
        if settings.has("cursor_not_verified"):
            return None
        raise invalid_cursor(settings, value) from None


def fetch_page(
    conn: Connection,
    settings: Settings,
    table: Table,
    collection: str,
    where: Sequence[ColumnElement[bool]],
    limit: int,
    cursor: str | None,
) -> tuple[list[Row], str | None]:
    """One page of `table` rows matching `where`, and the cursor of the next page. An empty
    cursor counts as absent (the first page), like an empty limit."""
    position = decode_cursor(settings, collection, cursor) if cursor else None
    if settings.has("unstable_under_inserts") or settings.has("page_number_cursor"):
        return _offset_page(conn, settings, table, collection, where, limit, position)
    size = limit + 1 if settings.has("page_one_over_limit") else limit
    newest_first = not settings.has("oldest_first")
    created, ident = table.c.created_at, table.c.id
    query = select(table).where(*where)
    if position is not None:
        try:
            after = datetime.fromisoformat(position["c"])
            after_id = str(position["i"])
        except (KeyError, TypeError, ValueError):
            raise invalid_cursor(settings, cursor) from None
        if newest_first:
            query = query.where(created <= after, or_(created < after, ident < after_id))
        else:
            query = query.where(created >= after, or_(created > after, ident > after_id))
        if settings.has("cursor_skips_record"):
            query = query.offset(1)
    order = (created.desc(), ident.desc()) if newest_first else (created.asc(), ident.asc())
    rows = list(conn.execute(query.order_by(*order).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    full = len(rows) == size and settings.has("full_page_has_cursor")
    if rows and (more or full or settings.has("next_cursor_on_last_page")):
        last = rows[-1]
        position = {"c": last.created_at.isoformat(), "i": last.id}
        return rows, encode_cursor(settings, collection, position)
    return rows, None


def _offset_page(
    conn: Connection,
    settings: Settings,
    table: Table,
    collection: str,
    where: Sequence[ColumnElement[bool]],
    limit: int,
    position: dict[str, Any] | None,
) -> tuple[list[Row], str | None]:
    """The unstable_under_inserts fault: offset pagination; and page_number_cursor: the
    cursor holds a page number, its offset the page number times the limit it comes with."""
    by_page = settings.has("page_number_cursor")
    start = position.get("p" if by_page else "o", 0) if position else 0
    start = start if isinstance(start, int) and start >= 0 else 0
    offset = start * limit if by_page else start
    query = (
        select(table)
        .where(and_(True, *where))
        .order_by(table.c.created_at.desc(), table.c.id.desc())
        .offset(offset)
        .limit(limit + 1)
    )
    rows = list(conn.execute(query))
    if len(rows) > limit:
        following = {"p": start + 1} if by_page else {"o": offset + limit}
        return rows[:limit], encode_cursor(settings, collection, following)
    return rows, None

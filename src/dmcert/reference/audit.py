"""The integration log (decisions.md, Audit log): one entry per request that passed the
auth layer, with the partner (empty for a pass-through key), the key's name (never the key),
request line, status, log status, raw payload, mapped payload (what validation saw) and the
id of the record created or changed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, insert, select

from dmcert.reference import clock
from dmcert.reference.auth import Caller
from dmcert.reference.context import Call
from dmcert.reference.database import Database, audit_log
from dmcert.reference.records import timestamp
from dmcert.reference.responses import Result

PAYLOAD_LIMIT = 64 * 1024
WRITE_METHODS = ("POST", "PUT", "DELETE")
_PAGE = 5000


def _storable(value: str) -> str:
    """Text any backend stores: no NUL, no lone surrogate."""
    return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _text(payload: bytes) -> str:
    return _storable(payload[:PAYLOAD_LIMIT].decode("utf-8", "replace"))


def record(
    db: Database, caller: Caller, method: str, path: str, call: Call, result: Result
) -> None:
    message = result.error_message
    mapped = call.body if call.mapped is None else json.dumps(call.mapped).encode("utf-8")
    entry = {
        "time": clock.now(),
        "partner": _storable(caller.partner or ""),
        "key_name": _storable(caller.name),
        "method": method,
        "path": _storable(path),
        "status_code": result.status,
        "log_status": result.log_status,
        "error_message": _storable(message) if message else None,
        "payload": _text(call.body),
        "mapped_payload": _text(mapped),
        "record_id": result.record_id,
    }

    db.append(lambda conn: conn.execute(insert(audit_log).values(entry)))


def record_refusal(db: Database, method: str, path: str, status: int, body: bytes) -> None:
    """The auth_rejections_logged fault: a 401/403 written to the log, which the
    integration-logs page says never happens."""
    entry = {
        "time": clock.now(),
        "partner": "",
        "key_name": "",
        "method": method,
        "path": _storable(path),
        "status_code": status,
        "log_status": "auth_error",
        "error_message": None,
        "payload": _text(body),
        "mapped_payload": _text(body),
        "record_id": None,
    }
    db.append(lambda conn: conn.execute(insert(audit_log).values(entry)))


def entries(db: Database, after: int) -> list[dict[str, Any]]:
    """Up to 5,000 entries with seq greater than `after`, oldest first."""
    query = select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq)
    with db.read() as conn:
        rows = conn.execute(query.limit(_PAGE)).mappings().all()
    return [{**row, "time": timestamp(row["time"])} for row in rows]


def position(db: Database) -> int:
    """The seq of the newest entry, 0 for an empty log: where a reader starts watching."""
    with db.read() as conn:
        return int(conn.execute(select(func.max(audit_log.c.seq))).scalar() or 0)


def writes(db: Database) -> int:
    """How many recorded requests changed data: POST, PUT or DELETE answered 2xx."""
    query = select(func.count()).where(
        audit_log.c.method.in_(WRITE_METHODS),
        audit_log.c.status_code >= 200,
        audit_log.c.status_code < 300,
    )
    with db.read() as conn:
        return int(conn.scalar(query) or 0)

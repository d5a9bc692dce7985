"""Row helpers shared by the resources: new ids and timestamps, find, insert, update."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Column, Connection, RowMapping, Table, insert, select, update

from dmcert.reference import clock


def new_id() -> str:
    return str(uuid.uuid4())


def find(
    conn: Connection, table: Table, column: Column, value: str, *, lock: bool = False
) -> RowMapping | None:
    """The row whose `column` equals `value` (locked for update on PostgreSQL if `lock`)."""
    query = select(table).where(column == value)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def new_record(values: dict[str, Any]) -> dict[str, Any]:
    """`values` with a fresh id and created_at/updated_at."""
    stamp = clock.now()
    return {"id": new_id(), "created_at": stamp, "updated_at": stamp, **values}


def insert_row(conn: Connection, table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Insert a new record; return its values."""
    row = new_record(values)
    conn.execute(insert(table).values(row))
    return row


def update_row(
    conn: Connection, table: Table, current: RowMapping, values: dict[str, Any]
) -> dict[str, Any]:
    """Apply `values` to the row `current` and return the new values. A call that changes
    nothing writes nothing (updated_at included), so repeating a PUT or DELETE gives the
    identical record."""
    if all(current[name] == value for name, value in values.items()):
        return dict(current)
    changes = {**values, "updated_at": clock.now()}
    conn.execute(update(table).where(table.c.id == current["id"]).values(changes))
    return {**current, **changes}


def timestamp(value) -> str | None:
    """ISO 8601 with the UTC offset, as every record carries it."""
    return value.isoformat() if value is not None else None

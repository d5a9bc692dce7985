"""Row helpers shared by the resources: new ids and timestamps, find, insert, update."""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

from sqlalchemy import Column, Connection, RowMapping, Table, insert, select, update

from dmcert.reference import clock
from dmcert.reference.database import Database

RACE_PAUSE = 0.05
"""Seconds a race fault waits between a read and the write that depends on it: long enough
for requests released together to interleave there, on either backend."""


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
    conn: Connection,
    table: Table,
    current: RowMapping,
    values: dict[str, Any],
    *,
    touch: bool = False,
) -> dict[str, Any]:
    """Apply `values` to the row `current` and return the new values. A call that changes
    nothing writes nothing (updated_at included), so repeating a PUT or DELETE gives the
    identical record, unless `touch` (the volatile_version_field variant's PUT) stamps it
    anyway."""
    if not touch and all(current[name] == value for name, value in values.items()):
        return dict(current)
    changes = {**values, "updated_at": clock.now()}
    conn.execute(update(table).where(table.c.id == current["id"]).values(changes))
    return {**current, **changes}


def insert_unique(
    conn: Connection,
    table: Table,
    key: Column,
    values: dict[str, Any],
    duplicate: Exception,
    *,
    reactivate: bool = False,
) -> dict[str, Any]:
    """Insert a record whose natural key `key` must be new (raise `duplicate`, active or
    not); under the create_reactivates_inactive variant an inactive one is recreated in
    place instead."""
    existing = find(conn, table, key, values[key.name], lock=reactivate)
    if existing is None:
        return insert_row(conn, table, values)
    if reactivate and not existing["is_active"]:
        return update_row(conn, table, existing, {**values, "is_active": True})
    raise duplicate


def insert_after_look(
    db: Database, table: Table, column: Column, values: dict[str, Any]
) -> dict[str, Any] | None:
    """Fault racy_duplicate_check: the natural key is looked for in one transaction and the
    record inserted in another after a pause; None if the key was seen. Without the unique
    index (database.UNIQUE_INDEXES_DROPPED) every create racing through the pause inserts."""
    with db.read() as conn:
        if find(conn, table, column, values[column.name]) is not None:
            return None
    time.sleep(RACE_PAUSE)
    return db.write(lambda conn: insert_row(conn, table, values))


def update_field_by_field(
    db: Database, table: Table, column: Column, key: str, values: dict[str, Any]
) -> dict[str, Any] | None:
    """Fault torn_put: each field of an update in a transaction of its own, in an order and
    with pauses that vary from call to call, so concurrent updates leave a mix of their
    fields; None if the record is unknown."""

    def write(name: str, value: Any):
        def work(conn: Connection) -> dict[str, Any] | None:
            row = find(conn, table, column, key, lock=True)
            return None if row is None else update_row(conn, table, row, {name: value})

        return work

    with db.read() as conn:
        row = find(conn, table, column, key)
    fields = list(values.items())
    random.shuffle(fields)
    for name, value in fields:
        if row is None:
            return None
        time.sleep(random.uniform(0, RACE_PAUSE))
        row = db.write(write(name, value))
    return None if row is None else dict(row)


def timestamp(value) -> str | None:
    """ISO 8601 with the UTC offset, as every record carries it."""
    return value.isoformat() if value is not None else None

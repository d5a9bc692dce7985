"""Locations, addressed by `code` (decisions.md, Locations): create 201, duplicate 409,
PUT of name/zone/aisle/metadata/is_active, DELETE deactivates, the list shows active ones."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, RowMapping, delete
from sqlalchemy.exc import IntegrityError

from dmcert.reference import pagination
from dmcert.reference.context import Call
from dmcert.reference.database import locations
from dmcert.reference.records import (
    find,
    insert_after_look,
    insert_row,
    insert_unique,
    new_id,
    timestamp,
    update_field_by_field,
    update_row,
)
from dmcert.reference.responses import Result, duplicate, ok, page, validation_error, without
from dmcert.reference.validation import (
    Fields,
    check_boolean,
    check_identifier,
    check_object,
    check_text,
    present,
)

WHAT = "Location"
DEFAULTS = {"name": None, "zone": None, "aisle": None, "meta": {}, "is_active": True}


def view(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "code": row["code"],
        "name": row["name"],
        "zone": row["zone"],
        "aisle": row["aisle"],
        "metadata": row["meta"],
        "is_active": row["is_active"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def _fields(fields: Fields) -> dict[str, Any]:
    return {
        "name": fields.get("name", check_text),
        "zone": fields.get("zone", check_text),
        "aisle": fields.get("aisle", check_text),
        "meta": fields.get("metadata", check_object),
    }


def validate_create(call: Call) -> dict[str, Any]:
    """code, name, zone, aisle, metadata; anything else (is_active too) is ignored."""
    fields = Fields(call.json())
    generated = call.settings.has("location_code_generated") and "code" not in fields.data
    code = new_id() if generated else fields.get("code", check_identifier, required=True)
    values = {**DEFAULTS, **present(_fields(fields)), "code": code}
    if call.settings.has("location_create_drops_metadata"):
        values["meta"] = {}
    fields.done()
    return values


def validate_update(call: Call) -> dict[str, Any]:
    fields = Fields(call.json())
    active = {"is_active": fields.get("is_active", check_boolean)}
    values = present({**_fields(fields), **active})
    if call.settings.has("location_put_ignores_zone"):
        values.pop("zone", None)
    if call.settings.has("location_put_ignores_is_active"):
        values.pop("is_active", None)
    if call.settings.has("put_renames_location") and "code" in fields.data:
        values["code"] = fields.get("code", check_identifier)
    fields.done()
    return values


def _duplicate(code: str):
    return duplicate(f"A location with code '{code}' already exists.")


def insert_location(
    conn: Connection, values: dict[str, Any], *, reactivate: bool = False
) -> dict[str, Any]:
    """Insert a location (409 DUPLICATE if its code exists, active or not)."""
    duplicate = _duplicate(values["code"])
    return insert_unique(
        conn, locations, locations.c.code, values, duplicate, reactivate=reactivate
    )


def create(call: Call) -> Result:
    values = validate_create(call)
    status = 200 if call.settings.has("location_create_200") else 201
    if call.settings.has("duplicate_location_400"):
        with call.db.read() as conn:
            if find(conn, locations, locations.c.code, values["code"]) is not None:
                raise validation_error(f"code: location '{values['code']}' already exists.")
    if call.settings.has("inactive_code_400"):  # the duplicate check sees active ones only
        with call.db.read() as conn:
            existing = find(conn, locations, locations.c.code, values["code"])
        if existing is not None and not existing["is_active"]:
            raise validation_error("code: location with this code already exists.")
    if call.settings.has("racy_duplicate_check"):
        row = insert_after_look(call.db, locations, locations.c.code, values)
        if row is None:
            raise _duplicate(values["code"])
        return ok(view(row), status, record_id=row["id"])
    try:
        reactivate = call.settings.chose("create_reactivates_inactive")
        row = call.db.write(lambda conn: insert_location(conn, values, reactivate=reactivate))
    except IntegrityError:  # a concurrent create of the same code won
        raise _duplicate(values["code"]) from None
    return ok(view(row), status, record_id=row["id"])


def addressed_by(call: Call) -> Column:
    """The column /locations/{identifier}/ resolves."""
    return locations.c.id if call.settings.has("location_addressed_by_id") else locations.c.code


def retrieve(call: Call) -> Result:
    code = call.key(WHAT)
    with call.db.read() as conn:
        row = find(conn, locations, addressed_by(call), code)
    if row is None:
        raise call.missing(WHAT)
    data = view(row)
    if call.settings.has("location_get_without_aisle"):
        del data["aisle"]
    return ok(data)


def _change(call: Call, values: dict[str, Any], *, deleting: bool = False) -> Result:
    code = call.key(WHAT)

    def work(conn: Connection) -> dict[str, Any]:
        row = find(conn, locations, addressed_by(call), code, lock=True)
        if row is None:
            if not deleting and call.settings.has("put_creates_unknown_location"):
                return insert_row(conn, locations, {**DEFAULTS, **values, "code": code})
            raise call.missing(WHAT)
        if deleting and call.settings.has("hard_delete_location"):
            conn.execute(delete(locations).where(locations.c.id == row["id"]))
            return {**row, **values}
        changes = dict(values)
        if "meta" in changes and call.settings.chose("metadata_merged"):
            changes["meta"] = {**row["meta"], **changes["meta"]}
        if call.settings.has("location_put_cannot_reactivate") and not row["is_active"]:
            changes.pop("is_active", None)
        touch = not deleting and call.settings.chose("volatile_version_field")
        return update_row(conn, locations, row, changes, touch=touch)

    row = call.db.write(work)
    return ok(view(row), record_id=row["id"])


def replace(call: Call) -> Result:
    values = validate_update(call)
    if call.settings.has("torn_put"):
        column = addressed_by(call)
        row = update_field_by_field(call.db, locations, column, call.key(WHAT), values)
        if row is None:
            raise call.missing(WHAT)
        return ok(view(row), record_id=row["id"])
    return _change(call, values)


def deactivate(call: Call) -> Result:
    if call.settings.chose("delete_unknown_is_noop"):
        with call.db.read() as conn:
            if find(conn, locations, addressed_by(call), call.key(WHAT)) is None:
                return ok(None, 204)
    return _change(call, {"is_active": False}, deleting=True)


def listing(call: Call) -> Result:
    limit = pagination.parse_limit(call.settings, call.query.get("limit"))
    where = [] if call.settings.has("inactive_location_listed") else [locations.c.is_active]
    with call.db.read() as conn:
        rows, cursor = pagination.fetch_page(
            conn, call.settings, locations, "locations", where, limit, call.query.get("cursor")
        )
    entries = [view(row._mapping) for row in rows]
    if call.settings.has("location_list_without_is_active"):
        entries = without(entries, "is_active")
    if call.settings.chose("location_list_without_id"):
        entries = without(entries, "id")
    return page(call.settings, entries, limit, cursor)

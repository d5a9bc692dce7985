"""Inventory (decisions.md, Inventory): bulk upsert keyed by (location_code, sku_code) with
independent rows and true counters, the paginated list, and the per-location / per-SKU read.

The upsert is one INSERT ... ON CONFLICT DO UPDATE per batch of rows, the codes of a batch
are resolved with one query each, and rows are written in (location_code, sku_code) order so
concurrent batches over the same pairs lock in the same order and cannot deadlock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, text, tuple_, update
from sqlalchemy.dialects import sqlite

from dmcert.reference import clock, pagination
from dmcert.reference.context import Call
from dmcert.reference.database import inventory, locations, products
from dmcert.reference.records import RACE_PAUSE, new_id, timestamp
from dmcert.reference.responses import ApiError, Result, ok, page, validation_error
from dmcert.reference.validation import (
    MISSING,
    Fields,
    check_identifier,
    check_integer,
    check_text,
)

SOURCES = ("bulk_import", "manual_adjustment", "erp_sync", "initial_load")
_CHUNK = 500
Pair = tuple[str, str]
_ERROR_KEYS = {"location_code": "location_id", "sku_code": "product_id"}
"""The keys a row error names the codes a row sends by."""


def view(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "location_code": row["location_code"],
        "sku_code": row["sku_code"],
        "quantity": row["quantity"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def _check_source(field: str, value: Any) -> str:
    if value not in SOURCES:
        raise validation_error(f"{field}: must be one of {', '.join(SOURCES)}.")
    return value


def _as_sent(_field: str, value: Any) -> Any:
    return value


def validate_bulk(call: Call) -> list[Any]:
    """The rows of a bulk request whose top level is valid (else 400 for the whole call)."""
    settings = call.settings
    fields = Fields(call.json())
    check_source = _as_sent if settings.has("unknown_source_accepted") else _check_source
    fields.get("source", check_source, required=settings.has("source_required"))
    fields.get("notes", check_text)
    required = not settings.has("missing_inventory_accepted")
    rows = fields.get("inventory", _as_sent, required=required)
    if rows is MISSING:
        rows = []
    elif isinstance(rows, dict) and settings.has("inventory_object_as_row"):
        rows = [rows]
    elif not isinstance(rows, list) or not (rows or settings.has("empty_inventory_accepted")):
        raise validation_error("inventory: must be a non-empty list of rows.")
    if len(rows) > 500 and settings.has("row_limit_500"):
        raise validation_error("inventory: must have at most 500 rows.")
    fields.done()
    return rows


def _row_problems(row: Any, minimum: int | None) -> tuple[dict[str, list[str]], tuple | None]:
    """The field errors of one row, and (location_code, sku_code, quantity) if it has none."""
    data = row if isinstance(row, dict) else {}
    checks = (
        ("location_code", check_identifier, {}),
        ("sku_code", check_identifier, {}),
        ("quantity", check_integer, {"minimum": minimum}),
    )
    values, problems = [], {}
    for field, check, options in checks:
        if field not in data:
            problems[field] = ["This field is required."]
            continue
        try:
            values.append(check(field, data[field], **options))
        except ApiError as exc:
            problems[field] = [exc.message.split(": ", 1)[-1]]
    return (problems, None) if problems else ({}, tuple(values))


def _negative(row: Any) -> bool:
    """Whether a row sends a negative integer quantity (variant negative_quantity_rejects_batch)."""
    quantity = row.get("quantity") if isinstance(row, dict) else None
    return isinstance(quantity, int) and not isinstance(quantity, bool) and quantity < 0


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _known(conn: Connection, column, values: set[str], *, active_only: bool) -> set[str]:
    """The `values` of `column` that name a record (an active one only, with active_only)."""
    found: set[str] = set()
    for chunk in _chunks(sorted(values)):
        query = select(column).where(column.in_(chunk))
        if active_only:
            query = query.where(column.table.c.is_active)
        found.update(conn.scalars(query))
    return found


def _new_values(statement) -> dict[str, Any]:
    """What an upsert changes on an existing row: quantity and updated_at, not created_at."""
    return {"quantity": statement.excluded.quantity, "updated_at": statement.excluded.updated_at}


# PostgreSQL: the whole batch as one statement over arrays (a short, cached query text, the
# rows in (location_code, sku_code) order, ids made by the server); xmax = 0 tells an
# inserted row from an updated one
_PG_UPSERT = text(
    """
    INSERT INTO ref_inventory (id, location_code, sku_code, quantity, created_at, updated_at)
    SELECT gen_random_uuid()::varchar, pair.location_code, pair.sku_code, pair.quantity,
           pair.stamp, pair.stamp
    FROM unnest(CAST(:location_code AS varchar[]), CAST(:sku_code AS varchar[]),
                CAST(:quantity AS integer[]), CAST(:stamp AS timestamptz[]))
         AS pair(location_code, sku_code, quantity, stamp)
    ON CONFLICT (location_code, sku_code)
    DO UPDATE SET quantity = excluded.quantity, updated_at = excluded.updated_at
    RETURNING location_code, sku_code, xmax = 0
    """
)


def _existing(conn: Connection, pairs: Sequence[Pair]) -> set[Pair]:
    """Which of `pairs` have a row."""
    existing: set[Pair] = set()
    pair_column = tuple_(inventory.c.location_code, inventory.c.sku_code)
    for chunk in _chunks(pairs):
        query = select(inventory.c.location_code, inventory.c.sku_code).where(
            pair_column.in_(list(chunk))
        )
        existing.update((a, b) for a, b in conn.execute(query))
    return existing


def _insert_or_update(
    conn: Connection, final: dict[Pair, int], first_seen: list[Pair], existing: set[Pair]
) -> set[Pair]:
    """Fault racy_bulk_upsert: an UPDATE or an INSERT per pair, chosen by `existing`, a read
    taken before this transaction (and no unique index: database.UNIQUE_INDEXES_DROPPED)."""
    stamps = dict(zip(first_seen, clock.now_many(len(first_seen)), strict=True))
    for pair in sorted(final):
        if pair in existing:
            where = (inventory.c.location_code == pair[0]) & (inventory.c.sku_code == pair[1])
            changes = {"quantity": final[pair], "updated_at": stamps[pair]}
            conn.execute(update(inventory).where(where).values(changes))
        else:
            row = {"location_code": pair[0], "sku_code": pair[1], "quantity": final[pair]}
            stamp = {"created_at": stamps[pair], "updated_at": stamps[pair]}
            conn.execute(insert(inventory).values(id=new_id(), **row, **stamp))
    return set(final) - existing


def _upsert(conn: Connection, final: dict[Pair, int], first_seen: list[Pair]) -> set[Pair]:
    """Write the final quantity of every pair; return the pairs that were created."""
    stamps = dict(zip(first_seen, clock.now_many(len(first_seen)), strict=True))
    ordered = sorted(final)
    if conn.dialect.name == "postgresql":
        columns = {
            "location_code": [pair[0] for pair in ordered],
            "sku_code": [pair[1] for pair in ordered],
            "quantity": [final[pair] for pair in ordered],
            "stamp": [stamps[pair] for pair in ordered],
        }
        result = conn.execute(_PG_UPSERT, columns)
        return {(location, sku) for location, sku, inserted in result if inserted}
    rows = [
        {
            "id": new_id(),
            "location_code": pair[0],
            "sku_code": pair[1],
            "quantity": final[pair],
            "created_at": stamps[pair],
            "updated_at": stamps[pair],
        }
        for pair in ordered
    ]
    existing = _existing(conn, ordered)
    statement = sqlite.insert(inventory)
    statement = statement.on_conflict_do_update(
        index_elements=["location_code", "sku_code"], set_=_new_values(statement)
    )
    conn.execute(statement, rows)
    return set(final) - existing


def _restamp(conn: Connection, pairs: Sequence[Pair]) -> None:
    """Fault upsert_restamps_created_at: updated rows take their updated_at as created_at."""
    pair_column = tuple_(inventory.c.location_code, inventory.c.sku_code)
    for chunk in _chunks(pairs):
        moved = update(inventory).where(pair_column.in_(list(chunk)))
        conn.execute(moved.values(created_at=inventory.c.updated_at))


def bulk(call: Call) -> Result:
    settings = call.settings
    raw_rows = validate_bulk(call)
    minimum = None if settings.has("negative_quantity_accepted") else 0
    errors: dict[int, dict[str, list[str]]] = {}
    candidates: list[tuple[int, str, str, int]] = []
    for index, row in enumerate(raw_rows):
        problems, values = _row_problems(row, minimum)
        if values is None:
            rejects = settings.has("bad_quantity_rejects_request") or (
                settings.chose("negative_quantity_rejects_batch") and _negative(row)
            )
            if "quantity" in problems and rejects:
                raise validation_error(f"inventory[{index}].quantity: {problems['quantity'][0]}")
            if settings.has("code_errors_under_id_keys"):
                problems = {
                    _ERROR_KEYS.get(field, field): messages for field, messages in problems.items()
                }
            errors[index] = problems
        else:
            candidates.append((index, *values))
    stale: set[Pair] | None = None
    if settings.has("racy_bulk_upsert"):
        with call.db.read() as conn:
            stale = _existing(conn, sorted({(c[1], c[2]) for c in candidates}))
        time.sleep(RACE_PAUSE)

    active_only = settings.chose("inactive_targets_rejected")

    def work(conn: Connection) -> tuple[list[tuple[int, Pair]], set[Pair]]:
        wanted_locations, wanted_skus = {c[1] for c in candidates}, {c[2] for c in candidates}
        known_locations = _known(conn, locations.c.code, wanted_locations, active_only=active_only)
        active_skus = active_only or settings.has("inactive_product_not_upserted")
        known_skus = _known(conn, products.c.sku, wanted_skus, active_only=active_skus)
        applied: list[tuple[int, Pair]] = []
        final: dict[Pair, int] = {}
        for index, location_code, sku_code, quantity in candidates:
            problems = {}
            if location_code not in known_locations:
                field = (
                    "location_code"
                    if settings.has("unknown_location_under_location_code")
                    else "location_id"
                )
                problems[field] = ["Location not found"]
            if sku_code not in known_skus:
                problems["product_id"] = [
                    "Product does not exist"
                    if settings.has("unknown_sku_wrong_message")
                    else "Product not found"
                ]
            if problems:
                errors[index] = problems
                continue
            applied.append((index, (location_code, sku_code)))
            if settings.has("repeated_pair_first_wins"):
                final.setdefault((location_code, sku_code), quantity)
            else:
                final[(location_code, sku_code)] = quantity
        if errors and settings.has("bulk_all_or_nothing"):
            raise validation_error(f"inventory: {len(errors)} row(s) are invalid.")
        if len(errors) == len(raw_rows) and settings.chose("all_rows_failed_is_400"):
            raise validation_error("inventory: every row is invalid; nothing was applied.")
        first_seen = list(dict.fromkeys(pair for _index, pair in applied))
        if not final or (errors and settings.has("row_error_rolls_back_batch")):
            return applied, set(final)
        if stale is not None:
            return applied, _insert_or_update(conn, final, first_seen, stale)
        created_pairs = _upsert(conn, final, first_seen)
        if settings.has("upsert_restamps_created_at"):
            _restamp(conn, sorted(set(final) - created_pairs))
        return applied, created_pairs

    applied, created_pairs = call.db.write(work)
    created = updated = 0
    seen: set[Pair] = set()
    for _index, pair in applied:
        if pair in created_pairs and pair not in seen:
            created += 1
        else:
            updated += 1
        seen.add(pair)
    if settings.has("bulk_counters_wrong"):
        created, updated = created + updated, 0
    if settings.has("created_counted_as_updated"):
        created, updated = 0, created + updated
    base = 1 if settings.has("bulk_row_index_1_based") else 0
    keys = {} if settings.has("row_error_request_names") else _ERROR_KEYS
    report = [
        {
            "row": index + base,
            **{keys.get(code, code): _sent(raw_rows[index], code) for code in _ERROR_KEYS},
            "errors": errors[index],
        }
        for index in sorted(errors)
    ]
    total = len(raw_rows) - (len(errors) if settings.has("total_excludes_failed") else 0)
    data = {
        "total": total,
        "created": created,
        "updated": updated,
        "failed": len(errors),
        "errors": report,
    }
    result = ok(data, 201 if settings.has("bulk_returns_201") else 200)
    if errors and len(errors) == len(raw_rows) and settings.has("all_failed_success_false"):
        result.body["success"] = False
    return result


def _sent(row: Any, field: str) -> str | None:
    """The value the row sent for `field`, when it is a string (else null)."""
    value = row.get(field) if isinstance(row, dict) else None
    return value if isinstance(value, str) else None


def listing(call: Call) -> Result:
    if "cursor" in call.query and call.settings.has("inventory_cursor_refused"):
        raise validation_error("cursor: unknown query parameter.")
    limit = pagination.parse_limit(call.settings, call.query.get("limit"))
    with call.db.read() as conn:
        rows, cursor = pagination.fetch_page(
            conn, call.settings, inventory, "inventory", [], limit, call.query.get("cursor")
        )
    entries = [view(row._mapping) for row in rows]
    if call.settings.has("inventory_list_id_names"):
        entries = [
            {"location_id": e.pop("location_code"), "product_id": e.pop("sku_code"), **e}
            for e in entries
        ]
    return page(call.settings, entries, limit, cursor)


def by_identifier(call: Call) -> Result:
    """Every row at a location (by=location, default) or of a SKU (by=sku); not paginated."""
    by = call.query.get("by", "sku" if call.settings.has("by_defaults_to_sku") else "location")
    if by not in ("location", "sku"):
        if not call.settings.has("invalid_by_accepted"):
            raise validation_error("by: must be location or sku.")
        by = "location"
    if by == "sku" and call.settings.has("by_sku_ignored"):
        by = "location"
    table, owner, column, what = (
        (products, products.c.sku, inventory.c.sku_code, "Product")
        if by == "sku"
        else (locations, locations.c.code, inventory.c.location_code, "Location")
    )
    key = call.key(what)
    resolved_by = table.c.id if call.settings.has("inventory_read_by_id") else owner
    with call.db.read() as conn:
        # an unknown location or SKU matches no rows: 200 [] (INV-029, docs/decisions.md)
        found = conn.execute(select(owner).where(resolved_by == key)).scalar()
        if found is None and call.settings.chose("unknown_inventory_identifier_404"):
            raise call.missing(what)
        query = (
            select(inventory)
            .where(column == found)
            .order_by(inventory.c.created_at.desc(), inventory.c.id.desc())
        )
        if call.settings.has("identifier_read_capped_at_50"):
            query = query.limit(pagination.DEFAULT_LIMIT)
        rows = conn.execute(query).mappings().all()
    if not rows and call.settings.has("empty_read_404"):
        raise call.missing(what)
    result = ok([view(row) for row in rows])
    if call.settings.has("identifier_read_without_success"):
        del result.body["success"]
    return result

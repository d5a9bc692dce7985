"""Orders (decisions.md, Orders): addressed by the configured identifier field, created
pending with their lines, PUT of header fields only (partial), DELETE cancels softly.

Duplicate `order_number` (and `external_order_id` while orders are addressed by it) is 400
VALIDATION_ERROR; a line naming an unknown SKU is 400 SERVICE_ERROR; cancelling a shipped
order is 400 SERVICE_ERROR and cancelling a cancelled one a no-op.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, RowMapping, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from dmcert.reference import clock, pagination
from dmcert.reference.context import Call
from dmcert.reference.database import Database, order_items, orders, products
from dmcert.reference.records import (
    RACE_PAUSE,
    find,
    insert_row,
    new_id,
    new_record,
    timestamp,
    update_field_by_field,
    update_row,
)
from dmcert.reference.responses import (
    ApiError,
    Result,
    duplicate,
    ok,
    page,
    service_error,
    summaries,
    validation_error,
    without,
)
from dmcert.reference.settings import Settings
from dmcert.reference.validation import (
    MISSING,
    Fields,
    check_datetime,
    check_identifier,
    check_integer,
    check_object,
    check_text,
    present,
)

WHAT = "Order"
PENDING, SHIPPED, CANCELLED = "pending", "shipped", "cancelled"
STATUSES = frozenset(
    {"draft", PENDING, "in_progress", "partially_verified", "verified", SHIPPED, CANCELLED}
)
"""The order statuses the orders page documents; PUT accepts others too (decisions.md)."""
LIST_ENTRY = ("id", "order_number", "status", "customer_name", "created_at")
"""The orders page's list entry example (summary_list_entries)."""
DEFAULTS = {
    "external_order_id": None,
    "customer_name": None,
    "customer_info": {},
    "notes": None,
    "order_date": None,
    "due_date": None,
    "meta": {},
    "cancel_reason": None,
}
ORDER_NUMBER_TAKEN = "order_number already exists"
EXTERNAL_ID_TAKEN = "external_order_id already exists"


def _check_status(field: str, value: Any, *, settings: Settings) -> str:
    value = check_text(field, value)
    if not value and not settings.has("empty_status_accepted"):
        raise validation_error(f"{field}: must not be empty.")
    if settings.chose("documented_statuses_only") and value not in STATUSES:
        raise validation_error(f"{field}: must be one of {', '.join(sorted(STATUSES))}.")
    return value


def _check_items(field: str, value: Any, *, settings: Settings) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise validation_error(f"{field}: must be a non-empty list of order lines.")
    minimum = 0 if settings.has("item_quantity_zero_accepted") else 1
    quantity_defaults = settings.has("line_quantity_defaults_to_1")
    lines = []
    for index, item in enumerate(value):
        prefix = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise validation_error(f"{prefix}: must be a JSON object.")
        line = Fields(item, prefix=f"{prefix}.")
        lines.append(
            {
                "sku": line.get("sku_code", check_identifier, required=True),
                "quantity": line.get(
                    "quantity", check_integer, required=not quantity_defaults, minimum=minimum
                ),
                "notes": line.get("notes", check_text),
            }
        )
        if lines[-1]["quantity"] is MISSING:
            lines[-1]["quantity"] = 1
        if lines[-1]["notes"] is MISSING or settings.has("line_notes_dropped"):
            lines[-1]["notes"] = None
    return lines


def _lenient_datetime(field: str, value: Any) -> datetime | None:
    """Fault unparsable_date_stored_null: a value that is not a datetime is taken as null."""
    try:
        return check_datetime(field, value)
    except ApiError:
        return None


def _header(settings: Settings, fields: Fields) -> dict[str, Any]:
    dates = _lenient_datetime if settings.has("unparsable_date_stored_null") else check_datetime
    return present(
        {
            "external_order_id": fields.get("external_order_id", check_identifier),
            "customer_name": fields.get("customer_name", check_text),
            "customer_info": fields.get("customer_info", check_object),
            "notes": fields.get("notes", check_text),
            "order_date": fields.get("order_date", dates),
            "due_date": fields.get("due_date", dates),
            "meta": fields.get("metadata", check_object),
        }
    )


def _items(settings: Settings, fields: Fields, *, required: bool) -> Any:
    return fields.get("items", _check_items, required=required, settings=settings)


def validate_create(call: Call) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    settings = call.settings
    fields = Fields(call.json())
    generated = settings.has("order_number_generated")
    order_number = fields.get("order_number", check_identifier, required=not generated)
    if order_number is MISSING:
        order_number = f"ORD-{new_id()}"
    values = {**DEFAULTS, **_header(settings, fields), "order_number": order_number}
    if settings.has("create_ignores_customer_name"):
        values["customer_name"] = None
    if settings.has("create_drops_order_dates"):
        values["order_date"] = values["due_date"] = None
    values["status"] = "received" if settings.has("order_status_not_pending") else PENDING
    no_items = settings.has("order_without_items_accepted")
    lines = _items(settings, fields, required=not no_items)
    fields.done()
    return values, [] if lines is MISSING else lines


def validate_update(call: Call) -> tuple[dict[str, Any], Any]:
    """Header changes, and the lines only under the put_changes_items fault (else ignored).
    PUT is partial; the put_replaces_order_header variant clears what the body omits
    (identifiers and status excepted)."""
    settings = call.settings
    fields = Fields(call.json())
    if settings.has("put_rejects_items") and {"items", "order_number"} & fields.data.keys():
        raise validation_error("items and order_number cannot be changed by PUT.")
    status = fields.get("status", _check_status, settings=settings)
    if settings.has("put_ignores_status"):
        status = MISSING
    values = {**_header(settings, fields), **present({"status": status})}
    if settings.has("put_ignores_order_date"):
        values.pop("order_date", None)
    if settings.has("put_ignores_due_date"):
        values.pop("due_date", None)
    if settings.chose("put_replaces_order_header"):
        kept = ("external_order_id", "cancel_reason")
        values = {**{n: v for n, v in DEFAULTS.items() if n not in kept}, **values}
    fields.done()
    if not settings.has("put_changes_items"):
        return values, None
    lines = _items(settings, fields, required=False)
    return values, None if lines is MISSING else lines


def identifier_column(settings: Settings) -> Column:
    """The column /orders/{identifier}/ resolves (external_key holds external_order_id
    exactly while orders are addressed by it, and is unique)."""
    by_external_id = settings.order_identifier == "external_order_id"
    if by_external_id and not settings.has("orders_addressed_by_order_number"):
        return orders.c.external_key
    return orders.c.order_number


def lookup_column(call: Call) -> Column:
    """The column a call's `{identifier}` names: a partner key's resolved field, else the
    platform default (identifier_column)."""
    field = call.identifier_field
    if call.method == "DELETE" and call.settings.has("order_cancel_by_order_number"):
        return orders.c.order_number
    if field is None or field == call.settings.order_identifier:
        return identifier_column(call.settings)
    return orders.c.order_number if field == "order_number" else orders.c.external_order_id


def _line_view(settings: Settings, line: RowMapping | dict[str, Any]) -> dict[str, Any]:
    line_id = line["position"] + 1 if settings.has("order_line_integer_ids") else line["id"]
    if settings.has("line_sku_as_request_field"):
        sku: dict[str, Any] = {"sku_code": line["sku"]}
    else:
        sku = {"sku": {"sku": line["sku"]}}
    return {
        "id": line_id,
        **sku,
        "quantity": line["quantity"],
        "verified_quantity": line["verified_quantity"],
        "verification_status": line["verification_status"],
        "notes": line["notes"],
    }


def view(settings: Settings, row: RowMapping | dict[str, Any], lines: list) -> dict[str, Any]:
    return {
        "id": row["id"],
        "order_number": row["order_number"],
        "external_order_id": row["external_order_id"],
        "customer_name": row["customer_name"],
        "customer_info": row["customer_info"],
        "notes": row["notes"],
        "order_date": timestamp(row["order_date"]),
        "due_date": timestamp(row["due_date"]),
        "metadata": row["meta"],
        "status": row["status"],
        "cancel_reason": row["cancel_reason"],
        "items": [_line_view(settings, line) for line in lines],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def _new_lines(
    settings: Settings, order_id: str, lines: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    status = "unverified" if settings.has("line_status_unverified") else PENDING
    return [
        {
            "id": new_id(),
            "order_id": order_id,
            "position": position,
            "verified_quantity": 0,
            "verification_status": status,
            **line,
        }
        for position, line in enumerate(lines)
    ]


def _lines_of(conn: Connection, order_ids: list[str]) -> dict[str, list[RowMapping]]:
    by_order: dict[str, list[RowMapping]] = defaultdict(list)
    if order_ids:
        query = (
            select(order_items)
            .where(order_items.c.order_id.in_(order_ids))
            .order_by(order_items.c.order_id, order_items.c.position)
        )
        for line in conn.execute(query).mappings():
            by_order[line["order_id"]].append(line)
    return by_order


def _replace_lines(
    conn: Connection, settings: Settings, order_id: str, lines: list[dict[str, Any]]
) -> list:
    conn.execute(delete(order_items).where(order_items.c.order_id == order_id))
    rows = _new_lines(settings, order_id, lines)
    conn.execute(insert(order_items), rows)
    return rows


def _check_skus(conn: Connection, settings: Settings, lines: list[dict[str, Any]]) -> None:
    if settings.has("unknown_sku_accepted"):
        return
    wanted = list(dict.fromkeys(line["sku"] for line in lines))
    query = select(products.c.sku).where(products.c.sku.in_(wanted))
    if settings.chose("inactive_targets_rejected"):
        query = query.where(products.c.is_active)
    known = set(conn.scalars(query))
    unknown = [sku for sku in wanted if sku not in known]
    if unknown:
        if settings.has("unknown_sku_not_named"):
            raise service_error("Product not found.")
        names = ", ".join(f"'{sku}'" for sku in unknown)
        raise service_error(f"Product not found for sku_code {names}.")


def _check_unique(
    conn: Connection, settings: Settings, values: dict[str, Any], own_id: str | None = None
) -> None:
    """400 VALIDATION_ERROR if another order holds this order_number or, while orders are
    addressed by it, this external_order_id."""
    number = values.get("order_number")
    if number is not None and find(conn, orders, orders.c.order_number, number) is not None:
        raise validation_error(ORDER_NUMBER_TAKEN)
    external = values.get("external_key")
    if external is not None:
        other = find(conn, orders, orders.c.external_key, external)
        if other is not None and other["id"] != own_id:
            if settings.has("external_id_taken_409"):
                raise duplicate(EXTERNAL_ID_TAKEN)
            raise validation_error(EXTERNAL_ID_TAKEN)


def _with_external_key(settings: Settings, values: dict[str, Any]) -> dict[str, Any]:
    if settings.order_identifier == "external_order_id" and "external_order_id" in values:
        return {**values, "external_key": values["external_order_id"]}
    return values


def insert_order(
    conn: Connection,
    settings: Settings,
    values: dict[str, Any],
    lines: list[dict[str, Any]],
    *,
    check_unique: bool = True,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Insert an order and its lines after the uniqueness and SKU checks."""
    values = _with_external_key(settings, values)
    if check_unique:
        _check_unique(conn, settings, values)
    _check_skus(conn, settings, lines)
    row = insert_row(conn, orders, values)
    line_rows = _new_lines(settings, row["id"], lines)
    if line_rows:  # none only under the order_without_items_accepted fault
        conn.execute(insert(order_items), line_rows)
    return row, line_rows


def _conflict(db: Database, settings: Settings, values: dict[str, Any]) -> ApiError:
    """The 400 for a unique-constraint race another request won."""
    try:
        with db.read() as conn:
            _check_unique(conn, settings, _with_external_key(settings, values))
    except ApiError as exc:
        return exc
    return validation_error(ORDER_NUMBER_TAKEN)


def create(call: Call) -> Result:
    values, lines = validate_create(call)
    if call.settings.has("duplicate_order_number_accepted"):
        with call.db.read() as conn:
            taken = find(conn, orders, orders.c.order_number, values["order_number"])
        if taken is not None:
            fake = new_record(values)
            return ok(view(call.settings, fake, _new_lines(call.settings, fake["id"], lines)), 201)
    if call.settings.has("racy_duplicate_check"):
        return _create_after_look(call, values, lines)
    try:
        row, line_rows = call.db.write(
            lambda conn: insert_order(conn, call.settings, values, lines)
        )
    except IntegrityError:
        raise _conflict(call.db, call.settings, values) from None
    status = 200 if call.settings.has("order_create_200") else 201
    return ok(view(call.settings, row, line_rows), status, record_id=row["id"])


def _create_after_look(call: Call, values: dict[str, Any], lines: list[dict[str, Any]]) -> Result:
    """Fault racy_duplicate_check: the uniqueness check in one transaction, the insert in
    another after a pause (and without unique indexes: database.UNIQUE_INDEXES_DROPPED)."""
    with call.db.read() as conn:
        _check_unique(conn, call.settings, _with_external_key(call.settings, values))
    time.sleep(RACE_PAUSE)
    row, line_rows = call.db.write(
        lambda conn: insert_order(conn, call.settings, values, lines, check_unique=False)
    )
    return ok(view(call.settings, row, line_rows), 201, record_id=row["id"])


def retrieve(call: Call) -> Result:
    key = call.key(WHAT)
    with call.db.read() as conn:
        row = find(conn, orders, lookup_column(call), key)
        if row is None:
            if call.settings.has("unknown_order_200_null"):
                return ok(None)
            raise call.missing(WHAT)
        lines = _lines_of(conn, [row["id"]])[row["id"]]
    if call.settings.has("get_order_without_lines"):
        lines = []
    return ok(view(call.settings, row, lines))


def replace(call: Call) -> Result:
    values, new_lines = validate_update(call)
    values = _with_external_key(call.settings, values)
    key = call.key(WHAT)
    if call.settings.has("torn_put"):
        column = lookup_column(call)
        torn = update_field_by_field(call.db, orders, column, key, values)
        if torn is None:
            raise call.missing(WHAT)
        with call.db.read() as conn:
            return ok(
                view(call.settings, torn, _lines_of(conn, [torn["id"]])[torn["id"]]),
                record_id=torn["id"],
            )

    def work(conn: Connection) -> tuple[dict[str, Any], list]:
        row = find(conn, orders, lookup_column(call), key, lock=True)
        if row is None:
            if call.settings.has("put_unknown_order_400"):
                raise validation_error("order_number: This field is required.")
            raise call.missing(WHAT)
        if call.settings.has("put_closed_order_refused") and row["status"] in (CANCELLED, SHIPPED):
            raise service_error(f"A {row['status']} order cannot be changed.")
        _check_unique(conn, call.settings, {"external_key": values.get("external_key")}, row["id"])
        changes = dict(values)
        if "notes" in changes and call.settings.has("order_put_appends_notes"):
            changes["notes"] = (row["notes"] or "") + (changes["notes"] or "")
        touch = call.settings.chose("volatile_version_field")
        row = update_row(conn, orders, row, changes, touch=touch)
        if new_lines is not None:
            _check_skus(conn, call.settings, new_lines)
            return row, _replace_lines(conn, call.settings, row["id"], new_lines)
        return row, _lines_of(conn, [row["id"]])[row["id"]]

    try:
        row, lines = call.db.write(work)
    except IntegrityError:
        raise validation_error(EXTERNAL_ID_TAKEN) from None
    shown = view(call.settings, row, lines)
    if call.settings.has("put_answers_changes_only"):
        shown = {name: value for name, value in shown.items() if name in call.json()}
    return ok(shown, record_id=row["id"])


def cancel(call: Call) -> Result:
    reason = Fields(call.optional_json()).get("reason", check_text)
    key = call.key(WHAT)
    settings = call.settings
    if settings.has("stale_cancel"):
        return _cancel_from_stale_read(call, key, reason)

    def work(conn: Connection) -> tuple[dict[str, Any], list]:
        row = find(conn, orders, lookup_column(call), key, lock=True)
        if row is None:
            if settings.has("cancel_unknown_order_400"):
                raise service_error("The order cannot be cancelled.")
            raise call.missing(WHAT)
        _refuse_if_shipped(settings, row)
        if row["status"] == CANCELLED:
            if settings.has("cancel_twice_error"):
                raise service_error("The order is already cancelled.")
            if isinstance(reason, str) and settings.has("recancel_overwrites_reason"):
                row = update_row(conn, orders, row, {"cancel_reason": reason})
        else:
            changes: dict[str, Any] = {"status": CANCELLED}
            if isinstance(reason, str) and not settings.has("cancel_reason_dropped"):
                changes["cancel_reason"] = reason
            if settings.has("cancel_not_stored"):
                return {**row, **changes}, _lines_of(conn, [row["id"]])[row["id"]]
            row = update_row(conn, orders, row, changes)
        return row, _lines_of(conn, [row["id"]])[row["id"]]

    row, lines = call.db.write(work)
    return ok(view(call.settings, row, lines), record_id=row["id"])


def _refuse_if_shipped(settings: Settings, row: RowMapping) -> None:
    if row["status"] == SHIPPED and not settings.has("cancel_shipped_order_allowed"):
        raise service_error("A shipped order cannot be cancelled.")


_STALE_ROWS: dict[str, Any] = {}
"""The stale_cancel fault's cache: the first row a cancel read, per order id."""


def _cancel_from_stale_read(call: Call, key: str, reason: Any) -> Result:
    """Fault stale_cancel: the order is read through a cache that PUTs never invalidate, and
    after a pause written back whole with status cancelled, undoing any update committed
    since the first cancel read it (a lost update, whichever cancel writes last)."""
    with call.db.read() as conn:
        row = find(conn, orders, lookup_column(call), key)
    if row is None:
        raise call.missing(WHAT)
    row = _STALE_ROWS.setdefault(row["id"], row)
    _refuse_if_shipped(call.settings, row)
    time.sleep(4 * RACE_PAUSE)  # as long as a burst of updates needs to commit
    stale = {name: value for name, value in row.items() if name != "id"}
    stale.update(status=CANCELLED, updated_at=clock.now())
    if isinstance(reason, str):
        stale["cancel_reason"] = reason

    def work(conn: Connection) -> list:
        conn.execute(update(orders).where(orders.c.id == row["id"]).values(stale))
        return _lines_of(conn, [row["id"]])[row["id"]]

    lines = call.db.write(work)
    return ok(view(call.settings, {**stale, "id": row["id"]}, lines), record_id=row["id"])


def listing(call: Call) -> Result:
    limit = pagination.parse_limit(call.settings, call.query.get("limit"))
    unlisted = call.settings.chose("cancelled_orders_unlisted")
    where = [orders.c.status != CANCELLED] if unlisted else []
    with call.db.read() as conn:
        rows, cursor = pagination.fetch_page(
            conn, call.settings, orders, "orders", where, limit, call.query.get("cursor")
        )
        lines = _lines_of(conn, [row.id for row in rows])
    data = [view(call.settings, row._mapping, lines[row.id]) for row in rows]
    if call.settings.chose("summary_list_entries"):
        data = summaries(data, LIST_ENTRY)
    if call.settings.has("order_list_without_customer_name"):
        data = without(data, "customer_name")
    return page(call.settings, data, limit, cursor)


def ship(db: Database, settings: Settings, identifier: str) -> dict[str, Any] | None:
    """Mark an order shipped (admin route: the API itself cannot ship); None if unknown."""

    def work(conn: Connection) -> dict[str, Any] | None:
        row = find(conn, orders, identifier_column(settings), identifier, lock=True)
        if row is None:
            return None
        row = update_row(conn, orders, row, {"status": SHIPPED})
        return view(settings, row, _lines_of(conn, [row["id"]])[row["id"]])

    return db.write(work)

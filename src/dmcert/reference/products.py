"""Products, addressed by `sku` (decisions.md, Products): create 201, duplicate 409,
PUT replaces custom_fields, DELETE deactivates, the list shows active products only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, RowMapping, delete
from sqlalchemy.exc import IntegrityError

from dmcert.reference import pagination
from dmcert.reference.context import Call
from dmcert.reference.database import products
from dmcert.reference.records import (
    find,
    insert_after_look,
    insert_unique,
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
    validation_error,
    without,
)
from dmcert.reference.settings import Settings
from dmcert.reference.validation import (
    MISSING,
    Fields,
    check_boolean,
    check_cost,
    check_identifier,
    check_integer,
    check_object,
    present,
)

WHAT = "Product"
DEFAULTS = {"quantity": 0, "is_active": True, "custom_fields": {}, "cost": None}


def view(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "sku": row["sku"],
        "quantity": row["quantity"],
        "is_active": row["is_active"],
        "cost": row["cost"],
        "custom_fields": row["custom_fields"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def _fields(fields: Fields, settings: Settings, quantity_minimum: int | None = 0) -> dict[str, Any]:
    strings_only = settings.chose("string_custom_fields_only")
    if settings.chose("negative_product_quantity"):
        quantity_minimum = None  # the products page gives quantity no minimum (gap 20)
    return {
        "quantity": fields.get("quantity", check_integer, minimum=quantity_minimum),
        "is_active": fields.get("is_active", check_boolean),
        "custom_fields": fields.get(
            "custom_fields", _check_string_values if strings_only else check_object
        ),
        "cost": fields.get("cost", check_cost),
    }


def _check_string_values(field: str, value: Any) -> dict[str, Any]:
    """The string_custom_fields_only variant: custom_fields is an object of strings, the only
    values the docs show (gap 20)."""
    for name, item in check_object(field, value).items():
        if not isinstance(item, str):
            raise validation_error(f"{field}.{name}: must be a string.")
    return value


def validate_create(call: Call) -> dict[str, Any]:
    fields = Fields(call.json())
    if call.settings.has("missing_sku_422") and "sku" not in fields.data:
        raise ApiError(422, "VALIDATION_ERROR", "sku: This field is required.")
    sku = fields.get("sku", check_identifier, required=True)
    defaults = dict(DEFAULTS)
    if call.settings.has("product_inactive_by_default"):
        defaults["is_active"] = False
    if call.settings.has("cost_defaults_to_zero"):
        defaults["cost"] = "0.00"
    if call.settings.chose("null_custom_fields"):
        defaults["custom_fields"] = None  # the docs show no default (gap 20)
    values = {**defaults, **present(_fields(fields, call.settings)), "sku": sku}
    if call.settings.has("custom_fields_ignored_on_create"):
        values["custom_fields"] = {}
    if call.settings.has("custom_field_nulls_dropped"):
        custom = values["custom_fields"]
        values["custom_fields"] = {
            name: value for name, value in custom.items() if value is not None
        }
    fields.done()
    return values


def validate_update(call: Call) -> dict[str, Any]:
    fields = Fields(call.json())
    minimum = None if call.settings.has("put_accepts_negative_quantity") else 0
    values = present(_fields(fields, call.settings, minimum))
    sent_cost = fields.data.get("cost", MISSING)
    if call.settings.has("numeric_cost_ignored") and isinstance(sent_cost, (int, float)):
        values.pop("cost")
    if call.settings.has("cost_null_ignored") and sent_cost is None:
        values.pop("cost")
    if call.settings.has("put_renames_product") and "sku" in fields.data:
        values["sku"] = fields.get("sku", check_identifier)
    fields.done()
    return values


def insert_product(
    conn: Connection, values: dict[str, Any], *, reactivate: bool = False
) -> dict[str, Any]:
    """Insert a product (409 DUPLICATE if its sku exists, active or not)."""
    duplicate = _duplicate(values["sku"])
    return insert_unique(conn, products, products.c.sku, values, duplicate, reactivate=reactivate)


CREATE_EXAMPLE = ("id", "sku", "quantity", "is_active", "cost", "custom_fields")
"""The fields of the products page's 201 example (create_answers_documented_fields)."""


def _duplicate(sku: str):
    return duplicate(f"A product with sku '{sku}' already exists.")


def create(call: Call) -> Result:
    values = validate_create(call)
    status = 200 if call.settings.has("product_create_200") else 201
    if call.settings.has("duplicate_product_201"):
        with call.db.read() as conn:
            if find(conn, products, products.c.sku, values["sku"]) is not None:
                return ok(view(new_record(values)), status)
    if call.settings.has("inactive_sku_400"):  # the duplicate check sees active ones only
        with call.db.read() as conn:
            existing = find(conn, products, products.c.sku, values["sku"])
        if existing is not None and not existing["is_active"]:
            raise validation_error("sku: product with this sku already exists.")
    if call.settings.has("racy_duplicate_check"):
        row = insert_after_look(call.db, products, products.c.sku, values)
        if row is None:
            raise _duplicate(values["sku"])
        return ok(view(row), status, record_id=row["id"])
    try:
        reactivate = call.settings.chose("create_reactivates_inactive")
        row = call.db.write(lambda conn: insert_product(conn, values, reactivate=reactivate))
    except IntegrityError:  # a concurrent create of the same sku won
        raise _duplicate(values["sku"]) from None
    data = view(row)
    if call.settings.chose("create_answers_documented_fields"):
        data = {name: data[name] for name in CREATE_EXAMPLE}
    return ok(data, status, record_id=row["id"])


def addressed_by(call: Call) -> Column:
    """The column /products/{identifier}/ resolves."""
    return products.c.id if call.settings.has("product_addressed_by_id") else products.c.sku


def retrieve(call: Call) -> Result:
    sku = call.key(WHAT)
    with call.db.read() as conn:
        row = find(conn, products, addressed_by(call), sku)
    if row is None:
        if call.settings.has("unknown_product_get_200"):
            return ok(None)
        raise call.missing(WHAT)
    data = view(row)
    if call.settings.has("product_get_without_custom_fields"):
        del data["custom_fields"]
    if call.settings.has("product_read_as_list"):
        return ok([data])
    return ok(data)


def replace(call: Call) -> Result:
    values = validate_update(call)
    sku = call.key(WHAT)
    if call.settings.has("torn_put"):
        torn = update_field_by_field(call.db, products, addressed_by(call), sku, values)
        if torn is None:
            raise call.missing(WHAT)
        return ok(view(torn), record_id=torn["id"])

    def work(conn: Connection) -> dict[str, Any]:
        row = find(conn, products, addressed_by(call), sku, lock=True)
        if row is None:
            raise call.missing(WHAT)
        changes = dict(values)
        if call.settings.has("put_ignores_reactivation") and not row["is_active"]:
            changes.pop("is_active", None)
        if "custom_fields" in changes and call.settings.has("custom_fields_merged"):
            changes["custom_fields"] = {**row["custom_fields"], **changes["custom_fields"]}
        if "quantity" in changes and call.settings.has("product_put_adds_quantity"):
            changes["quantity"] += row["quantity"]
        touch = call.settings.chose("volatile_version_field")
        updated = update_row(conn, products, row, changes, touch=touch)
        return dict(row) if call.settings.has("product_put_answers_old_record") else updated

    row = call.db.write(work)
    data = view(row)
    sent_cost = call.json().get("cost")
    if call.settings.has("put_echoes_cost") and sent_cost is not None:
        data["cost"] = sent_cost
    return ok(data, record_id=row["id"])


def deactivate(call: Call) -> Result:
    sku = call.key(WHAT)
    if call.settings.chose("delete_unknown_is_noop"):
        with call.db.read() as conn:
            if find(conn, products, addressed_by(call), sku) is None:
                return ok(None, 204)

    def work(conn: Connection) -> dict[str, Any]:
        row = find(conn, products, addressed_by(call), sku, lock=True)
        inactive = row is not None and not row["is_active"]
        if row is None or (inactive and call.settings.has("inactive_product_delete_404")):
            raise call.missing(WHAT)
        if call.settings.has("hard_delete_product"):
            conn.execute(delete(products).where(products.c.id == row["id"]))
            return {**row, "is_active": False}
        return update_row(conn, products, row, {"is_active": False})

    row = call.db.write(work)
    return ok(view(row), record_id=row["id"])


def listing(call: Call) -> Result:
    limit = pagination.parse_limit(call.settings, call.query.get("limit"))
    where = [] if call.settings.has("inactive_product_listed") else [products.c.is_active]
    with call.db.read() as conn:
        rows, cursor = pagination.fetch_page(
            conn, call.settings, products, "products", where, limit, call.query.get("cursor")
        )
    entries = [view(row._mapping) for row in rows]
    if call.settings.has("product_list_without_custom_fields"):
        entries = without(entries, "custom_fields")
    if call.settings.has("list_cost_as_number"):
        for entry in entries:
            entry["cost"] = None if entry["cost"] is None else float(entry["cost"])
    return page(call.settings, entries, limit, cursor)

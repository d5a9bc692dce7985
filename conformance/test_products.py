"""Area PRD: products. Create (201, shape, defaults, custom_fields as sent), validation and
duplicates, reads by sku, PUT (quantity, is_active, cost as string or number, custom_fields
replaced whole), and soft delete: a deactivated product stays readable with is_active false
and leaves the list of active products until a PUT reactivates it.

List checks look for the run's own products (dmcert.testkit.search); to show a product is
*not* listed they also look for a witness, an active product created just before it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import pytest

from dmcert.testkit import (
    SUCCESS,
    ApiClient,
    Expect,
    Records,
    Reply,
    must,
    path_of,
    search,
    stable,
    unknown_identifier,
    unlike,
)

SHAPE = ("id", "sku", "quantity", "is_active", "cost", "custom_fields")
CUSTOM_FIELDS = {"color": "blue", "size": "5x7", "collection": "2026 Spring"}
"""The products page's own custom_fields: every documented value is a string."""
TYPED_CUSTOM_FIELDS = {
    "dims": {"w": 5, "h": 7.5},
    "tags": ["rug", "wool"],
    "weight": 2.5,
    "fragile": True,
    "note": None,
}
"""custom_fields values of the other JSON types, which the docs never show (gap 20)."""


def amount(value: Any) -> Decimal | None:
    """A cost as a decimal (from a numeric string or a number), else None."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def same_value(name: str, sent: Any, record: dict[str, Any]) -> bool:
    """Whether `record` shows `sent` for field `name` (cost compared as a decimal)."""
    if name == "cost":
        return name in record and amount(record[name]) == amount(sent)
    return record.get(name) == sent


def create(api: ApiClient, records: Records, body: dict[str, Any], **kwargs: Any) -> Reply:
    """POST a product; whatever the target created is registered for cleanup."""
    reply = api.post(path_of("products"), json=body, **kwargs)
    if 200 <= reply.status < 300 and isinstance(body.get("sku"), str):
        records.track("products", body["sku"])
    return reply


def listed(api: ApiClient, *skus: str) -> tuple[set[str], list[Reply]]:
    """The skus among `skus` that the product list shows, and the pages read."""
    walked = search(api, "products", [(sku,) for sku in skus])
    found = {key[0] for key in walked.keys if key is not None}
    return found & set(skus), walked.evidence()


@pytest.mark.requirement("PRD-001", "PRD-002", "PRD-003")
@pytest.mark.writes
def test_create_is_201_with_the_product_shape_and_defaults(api, records, expect):
    """PRD-001, PRD-002, PRD-003: POST /products/ with only a sku is 201 with id, sku,
    quantity 0, is_active true, cost null and custom_fields {}."""
    sku = records.name("sku")
    reply = create(api, records, {"sku": sku})
    data = reply.record
    missing = [name for name in SHAPE if name not in data]
    expect(
        "PRD-001",
        reply.status == 201 and not missing and data.get("sku") == sku,
        f"create {reply.said}; data lacks {missing}, sku {data.get('sku')!r}",
        reply,
    )
    expect(
        "PRD-002",
        data.get("quantity") == 0 and data.get("is_active") is True,
        f"quantity {data.get('quantity')!r}, is_active {data.get('is_active')!r}",
        reply,
    )
    expect(
        "PRD-003",
        data.get("custom_fields") == {} and "cost" in data and data["cost"] is None,
        f"custom_fields {data.get('custom_fields')!r}, cost {data.get('cost', 'absent')!r}",
        reply,
    )


@pytest.mark.requirement("PRD-004")
@pytest.mark.writes
def test_custom_fields_are_returned_as_sent(api, records, expect):
    """PRD-004: custom_fields with the documented string values come back unchanged from the
    create and from GET."""
    product = records.product(quantity=100, custom_fields=CUSTOM_FIELDS)
    reply = must(api.read("products", product["sku"]), 200, "reading the product")
    for where, shown in (("create", product), ("GET", reply.record)):
        expect(
            "PRD-004",
            shown.get("custom_fields") == CUSTOM_FIELDS,
            f"{where} returned custom_fields {shown.get('custom_fields')!r}",
            reply,
        )


@pytest.mark.requirement("PRD-022")
@pytest.mark.writes
def test_custom_fields_of_any_json_type_are_returned_as_sent(api, records, expect):
    """PRD-022: custom_fields values that are objects, arrays, numbers, booleans or null
    (the docs show only strings) are accepted and come back unchanged from the create and
    from GET."""
    sku, sent = records.name("sku"), {**CUSTOM_FIELDS, **TYPED_CUSTOM_FIELDS}
    created = create(api, records, {"sku": sku, "custom_fields": sent})
    if not expect(
        "PRD-022",
        created.status == 201,
        f"a create with custom_fields {sent!r} {created.said}",
        created,
    ):
        return
    reply = must(api.read("products", sku), 200, "reading the product")
    for where, shown in (("create", created), ("GET", reply)):
        expect(
            "PRD-022",
            shown.record.get("custom_fields") == sent,
            f"{where} returned custom_fields {shown.record.get('custom_fields')!r}",
            shown,
        )


@pytest.mark.requirement("PRD-005")
@pytest.mark.writes
def test_create_without_sku_is_400_validation_error(api, expect):
    """PRD-005: a product create without sku is 400 VALIDATION_ERROR."""
    reply = api.post(path_of("products"), json={"quantity": 1})
    expect(
        "PRD-005",
        reply.status == 400 and reply.code == "VALIDATION_ERROR",
        f"a create without sku {reply.said}",
        reply,
    )


@pytest.mark.requirement("PRD-006")
@pytest.mark.writes
def test_duplicate_sku_is_409_duplicate(api, records, expect):
    """PRD-006: creating a product whose sku already exists is 409 DUPLICATE."""
    product = records.product()
    reply = api.post(path_of("products"), json={"sku": product["sku"], "quantity": 3})
    expect(
        "PRD-006",
        reply.status == 409 and reply.code == "DUPLICATE",
        f"a create with an existing sku {reply.said}",
        reply,
    )


@pytest.mark.requirement("PRD-007")
@pytest.mark.writes
def test_sku_of_an_inactive_product_is_409_duplicate(api, records, expect):
    """PRD-007: creating a product with the sku of a deactivated one is 409 DUPLICATE
    (no reactivation)."""
    product = records.product()
    must(api.delete(path_of("products", product["sku"])), SUCCESS, "deactivating the product")
    reply = api.post(path_of("products"), json={"sku": product["sku"]})
    after = api.read("products", product["sku"])
    expect(
        "PRD-007",
        reply.status == 409
        and reply.code == "DUPLICATE"
        and after.record.get("is_active") is False,
        f"a create with an inactive product's sku {reply.said}; the product then has "
        f"is_active {after.record.get('is_active')!r}",
        reply,
        after,
    )


@pytest.mark.requirement("PRD-008")
@pytest.mark.writes
def test_negative_quantity_is_400_validation_error(api, records, expect):
    """PRD-008: a product create with quantity -1 is 400 VALIDATION_ERROR, and so is a PUT
    of quantity -1, which leaves the quantity as it was."""
    reply = create(api, records, {"sku": records.name("sku"), "quantity": -1})
    expect(
        "PRD-008",
        reply.status == 400 and reply.code == "VALIDATION_ERROR",
        f"a create with quantity -1 {reply.said}",
        reply,
    )
    sku = records.product(quantity=5)["sku"]
    put = api.put(path_of("products", sku), json={"quantity": -1})
    after = api.read("products", sku)
    expect(
        "PRD-008",
        put.status == 400 and put.code == "VALIDATION_ERROR" and after.record.get("quantity") == 5,
        f"a PUT of quantity -1 {put.said}; quantity is then {after.record.get('quantity')!r}",
        put,
        after,
    )


@pytest.mark.requirement("PRD-009")
@pytest.mark.writes
def test_get_returns_the_full_product(api, records, expect):
    """PRD-009: GET /products/{sku}/ returns the product as the create returned it (its
    documented and sent fields)."""
    product = records.product(quantity=4, custom_fields={"color": "red"})
    reply = api.read("products", product["sku"])
    differing = unlike("products", product, reply.record, ("sku", "quantity", "custom_fields"))
    expect(
        "PRD-009",
        reply.status == 200 and not differing,
        f"GET {reply.said}; fields differing from the create answer: {differing}",
        reply,
    )


@pytest.mark.requirement("PRD-010")
def test_get_of_an_unknown_sku_is_404_not_found(run, api, expect):
    """PRD-010: GET of a sku no product has is 404 NOT_FOUND."""
    reply = api.read("products", unknown_identifier(run.prefix))
    expect(
        "PRD-010",
        reply.status == 404 and reply.code == "NOT_FOUND",
        f"GET of an unknown sku {reply.said}",
        reply,
    )


@pytest.mark.requirement("PRD-011", "PRD-020")
@pytest.mark.writes
def test_list_shows_active_products_only_in_the_product_shape(api, records, expect):
    """PRD-011, PRD-020: a product created with is_active false is not listed, an active
    one is, with id, sku, quantity, is_active, cost and custom_fields."""
    witness = records.product()["sku"]
    inactive = records.product(is_active=False)["sku"]
    active = records.product(quantity=2)["sku"]
    walked = search(api, "products", [(witness,), (active,)])
    entries = {entry.get("sku"): entry for entry in walked.entries if isinstance(entry, dict)}
    expect(
        "PRD-011",
        active in entries and witness in entries and inactive not in entries,
        f"active product listed: {active in entries}, inactive product listed: "
        f"{inactive in entries}",
        *walked.evidence(),
    )
    entry = entries.get(active, {})
    missing = [name for name in SHAPE if name not in entry]
    expect(
        "PRD-020",
        bool(entry) and not missing and entry.get("quantity") == 2,
        f"the list entry lacks {missing}" if entry else "the product is not listed",
        *walked.evidence(),
    )


@pytest.mark.requirement("PRD-012", "PRD-014")
@pytest.mark.writes
def test_put_updates_fields_cost_as_string_or_number(api, records, expect):
    """PRD-012, PRD-014: PUT sets quantity, is_active, custom_fields and cost, sent as a
    numeric string and then as a number; it is accepted (any 2xx: the products page states
    no PUT status, gap 5) and GET shows each value; the PUT answer (when it carries the
    product), GET and the product's list entry show cost as a decimal string."""
    sku = records.product()["sku"]
    path = path_of("products", sku)
    for body in (
        {"quantity": 42, "is_active": False, "cost": "12.50", "custom_fields": {"x": "y"}},
        {"quantity": 7, "is_active": True, "cost": 7.25},
    ):
        put = api.put(path, json=body)
        got = must(api.read("products", sku), 200, "reading the product")
        shown = got.record
        wrong = [name for name, sent in body.items() if not same_value(name, sent, shown)]
        expect(
            "PRD-012",
            put.status in SUCCESS and not wrong,
            f"PUT {body} {put.said}; GET shows other values for {wrong}: "
            f"{ {name: shown.get(name) for name in wrong} }",
            put,
            got,
        )
        shown_by = [("the PUT answer", put.record)] if put.record else []
        for where, record in [*shown_by, ("GET", shown)]:
            expect_decimal_cost(expect, body["cost"], where, record, put, got)
    walked = search(api, "products", [(sku,)])
    entries = {e.get("sku"): e for e in walked.entries if isinstance(e, dict)}
    if (entry := entries.get(sku)) is not None:  # PRD-011 judges a product not listed
        expect_decimal_cost(expect, body["cost"], "its list entry", entry, *walked.evidence())


def expect_decimal_cost(
    expect: Expect, sent: Any, where: str, record: dict[str, Any], *evidence: Reply
) -> None:
    """PRD-014: a cost that was set is shown as a decimal string."""
    expect(
        "PRD-014",
        isinstance(record.get("cost"), str) and amount(record["cost"]) is not None,
        f"cost sent as {sent!r} is shown by {where} as {record.get('cost')!r}",
        *evidence,
    )


@pytest.mark.requirement("PRD-013")
@pytest.mark.writes
def test_put_custom_fields_replaces_the_whole_object(api, records, expect):
    """PRD-013: PUT {"custom_fields": {"size": "8x10"}} on a product with color and size
    is accepted (any 2xx) and GET then shows exactly {"size": "8x10"}."""
    sku = records.product(custom_fields={"color": "blue", "size": "5x7"})["sku"]
    replacement = {"size": "8x10"}
    put = api.put(path_of("products", sku), json={"custom_fields": replacement})
    after = api.read("products", sku)
    shown = after.record.get("custom_fields")
    expect(
        "PRD-013",
        put.status in SUCCESS and shown == replacement,
        f"PUT custom_fields {replacement} {put.said}; GET shows {shown!r}",
        put,
        after,
    )


@pytest.mark.requirement("PRD-015")
@pytest.mark.writes
def test_sku_in_a_put_body_is_ignored(api, records, expect):
    """PRD-015: PUT {"sku": <new>, "quantity": 3} keeps the sku: the product is still read
    by its old sku and the new one names no product."""
    sku = records.product()["sku"]
    other = records.name("sku")
    put = api.put(path_of("products", sku), json={"sku": other, "quantity": 3})
    old, new = api.read("products", sku), api.read("products", other)
    if new.status == 200:
        records.track("products", other)
    expect(
        "PRD-015",
        put.status in SUCCESS and old.record.get("sku") == sku and new.status == 404,
        f"PUT with another sku {put.said}; GET old sku {old.said}, new sku {new.said}",
        put,
        old,
        new,
    )


@pytest.mark.requirement("PRD-016")
@pytest.mark.writes
def test_put_or_delete_of_an_unknown_sku_is_404_not_found(run, api, expect):
    """PRD-016: PUT and DELETE of a sku no product has are 404 NOT_FOUND."""
    path = path_of("products", unknown_identifier(run.prefix))
    for reply in (
        api.put(path, json={"quantity": 1}),
        api.delete(path),
    ):
        expect(
            "PRD-016",
            reply.status == 404 and reply.code == "NOT_FOUND",
            f"{reply.exchange.method} of an unknown sku {reply.said}",
            reply,
        )


@pytest.mark.requirement("PRD-017", "PRD-018", "IDEM-008")
@pytest.mark.writes
def test_delete_deactivates_and_the_product_stays_readable(api, records, expect):
    """PRD-017, PRD-018, IDEM-008: DELETE answers the product with is_active false (the
    products page shows that body, but no status: any 2xx carrying it will do, 200 is
    ENV-008's reading), GET still reads it so, the list no longer shows it, and a second
    DELETE is 200 and changes nothing."""
    witness = records.product()["sku"]
    sku = records.product(quantity=5)["sku"]
    path = path_of("products", sku)
    deleted = api.delete(path)
    after = api.read("products", sku)
    expect(
        "PRD-017",
        deleted.status in SUCCESS
        and deleted.record.get("is_active") is False
        and after.status == 200
        and after.record.get("is_active") is False,
        f"DELETE {deleted.said} with is_active {deleted.record.get('is_active')!r}; "
        f"GET then {after.said} with is_active {after.record.get('is_active')!r}",
        deleted,
        after,
    )
    found, pages = listed(api, witness, sku)
    expect(
        "PRD-018",
        found == {witness},
        "the deactivated product is still listed"
        if sku in found
        else f"listed after DELETE: {sorted(found)}",
        *pages,
    )
    again = api.delete(path)
    final = api.read("products", sku)
    expect(
        "IDEM-008",
        again.status == 200 and stable(final.record) == stable(after.record),
        f"a second DELETE {again.said}; the product went from {after.record!r} to {final.record!r}",
        again,
        final,
    )


@pytest.mark.requirement("PRD-019")
@pytest.mark.writes
def test_put_is_active_true_reactivates_a_product(api, records, expect):
    """PRD-019: after DELETE, PUT {"is_active": true} is accepted (any 2xx) and the product
    is then active (GET) and listed."""
    witness = records.product()["sku"]
    sku = records.product()["sku"]
    must(api.delete(path_of("products", sku)), SUCCESS, "deactivating the product")
    put = api.put(path_of("products", sku), json={"is_active": True})
    after = api.read("products", sku)
    found, pages = listed(api, witness, sku)
    expect(
        "PRD-019",
        put.status in SUCCESS and after.record.get("is_active") is True and sku in found,
        f"PUT is_active true {put.said}; GET {after.said} with is_active "
        f"{after.record.get('is_active')!r}; listed afterwards: {sku in found}",
        put,
        after,
        *pages,
    )


@pytest.mark.requirement("PRD-021")
@pytest.mark.writes
def test_cost_null_clears_and_a_non_decimal_cost_is_400(api, records, expect):
    """PRD-021: PUT {"cost": null} clears a cost (GET then shows null); PUT {"cost": "abc"}
    is 400 VALIDATION_ERROR and leaves the product as it was."""
    sku = records.product()["sku"]
    path = path_of("products", sku)
    must(api.put(path, json={"cost": "3.10"}), SUCCESS, "setting a cost")
    cleared = api.put(path, json={"cost": None})
    shown = api.read("products", sku)
    expect(
        "PRD-021",
        cleared.status in SUCCESS and "cost" in shown.record and shown.record["cost"] is None,
        f"PUT cost null {cleared.said}; GET {shown.said} with cost "
        f"{shown.record.get('cost', 'absent')!r}",
        cleared,
        shown,
    )
    refused = api.put(path, json={"cost": "abc"})
    after = api.read("products", sku)
    expect(
        "PRD-021",
        refused.status == 400
        and refused.code == "VALIDATION_ERROR"
        and after.record.get("cost") is None,
        f"PUT cost 'abc' {refused.said}; cost is then {after.record.get('cost')!r}",
        refused,
        after,
    )

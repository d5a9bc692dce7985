"""Area IDEM: idempotency by natural keys. No Idempotency-Key header; re-sent creates are
refused by order_number, sku or code and change nothing; repeated PUTs and DELETEs reach
the same state; a re-sent bulk inventory batch is a safe re-upsert."""

from __future__ import annotations

from typing import Any

import pytest

from dmcert.testkit import (
    SUCCESS,
    ApiClient,
    Records,
    Reply,
    documented,
    must,
    path_of,
    stable,
)

ALREADY_EXISTS = "order_number already exists"
CANCEL_FIELDS = ("cancel_reason",)
"""Where decisions.md keeps a DELETE's `reason` (ORD-031): a repeated cancel must not move it."""


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields that differ between two reads of one record (GET and GET: a create answer
    may show fewer fields, or timestamps to more digits, than the record read back)."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


@pytest.fixture(scope="module")
def sku(records: Records) -> str:
    return records.product()["sku"]


def order_path(records: Records, order: dict[str, Any]) -> str:
    return path_of("orders", records.order_id(order))


def resend_order(api: ApiClient, records: Records, body: dict[str, Any]) -> Reply:
    """POST an order body; a target that wrongly creates it gets it registered for cleanup."""
    reply = api.post(path_of("orders"), json=body)
    if 200 <= reply.status < 300:
        records.track("orders", records.order_id(body))
    return reply


@pytest.mark.requirement("IDEM-001")
@pytest.mark.writes
def test_idempotency_key_header_has_no_effect(api, records, expect):
    """IDEM-001: two product creates with the same Idempotency-Key header and different
    skus both succeed (201) and both products exist."""
    headers = {"Idempotency-Key": records.name("idem")}
    for _ in range(2):
        sku = records.name("sku")
        reply = api.post(path_of("products"), json={"sku": sku}, headers=headers)
        if reply.status == 201:
            records.track("products", sku)
        after = api.get(path_of("products", sku))
        expect(
            "IDEM-001",
            reply.status == 201 and after.status == 200,
            f"a create with a reused Idempotency-Key {reply.said}; GET {after.said}",
            reply,
            after,
        )


@pytest.mark.requirement("IDEM-002")
@pytest.mark.writes
def test_resent_identical_order_create_is_refused_and_changes_nothing(api, records, sku, expect):
    """IDEM-002: re-sending an identical order create is 400 VALIDATION_ERROR "order_number
    already exists" and the original order reads back as it did before the re-send."""
    body = records.order_body(sku, customer_name="Original")
    must(resend_order(api, records, body), 201, "creating an order")
    before = must(api.read("orders", records.order_id(body)), 200, "reading the order")
    again = resend_order(api, records, body)
    after = must(api.read("orders", records.order_id(body)), 200, "reading the order back")
    expect(
        "IDEM-002",
        again.status == 400
        and again.code == "VALIDATION_ERROR"
        and ALREADY_EXISTS in again.error_message,
        f"an identical re-send {again.said}: {again.error_message[:160]!r}",
        again,
    )
    difference = changed(stable(before.record), stable(after.record))
    expect("IDEM-002", not difference, f"the original order changed in {difference}", before, after)


@pytest.mark.requirement("IDEM-003")
@pytest.mark.writes
def test_order_create_retry_with_a_different_body_is_still_refused(api, records, sku, expect):
    """IDEM-003: a create with an existing order_number but a different body (other
    external_order_id, customer and quantity) is 400 VALIDATION_ERROR "order_number already
    exists", and the original order reads back as it did before the re-send."""
    body = records.order_body(sku, customer_name="Original")
    must(resend_order(api, records, body), 201, "creating an order")
    before = must(api.read("orders", records.order_id(body)), 200, "reading the order")
    other = records.order_body(
        sku,
        order_number=body["order_number"],
        customer_name="Someone else",
        items=[{"sku_code": sku, "quantity": 7}],
    )
    again = resend_order(api, records, other)
    after = must(api.read("orders", records.order_id(body)), 200, "reading the order back")
    expect(
        "IDEM-003",
        again.status == 400
        and again.code == "VALIDATION_ERROR"
        and ALREADY_EXISTS in again.error_message,
        f"a re-send with another body {again.said}: {again.error_message[:160]!r}",
        again,
    )
    if records.order_identifier == "external_order_id":
        second = api.get(order_path(records, other))
        expect(
            "IDEM-003",
            second.status == 404,
            f"GET by the re-send's external_order_id {second.said}: a second order exists",
            second,
        )
    difference = changed(stable(before.record), stable(after.record))
    expect("IDEM-003", not difference, f"the original order changed in {difference}", before, after)


@pytest.mark.requirement("IDEM-004")
@pytest.mark.writes
def test_resent_product_or_location_create_is_409_and_changes_nothing(api, records, expect):
    """IDEM-004: re-sending a product create, or a location create, is 409 DUPLICATE and
    the original record reads back as it did before the re-send."""
    creates = [
        ("products", "sku", {"quantity": 5, "custom_fields": {"color": "blue"}}),
        ("locations", "code", {"name": "Aisle A", "zone": "A", "aisle": "1"}),
    ]
    for collection, field, fields in creates:
        body = {field: records.name(field), **fields}
        must(api.post(path_of(collection), json=body), 201, f"creating {collection}")
        records.track(collection, body[field])
        before = must(api.read(collection, body[field]), 200, f"reading {collection}")
        again = api.post(path_of(collection), json=body)
        after = must(api.read(collection, body[field]), 200, f"reading {collection} back")
        difference = changed(stable(before.record), stable(after.record))
        expect(
            "IDEM-004",
            again.status == 409 and again.code == "DUPLICATE" and not difference,
            f"re-sending a {collection} create {again.said}; the record changed in {difference}",
            again,
            after,
        )


def put_twice(api: ApiClient, path: str, body: dict[str, Any]) -> tuple[Reply, Reply, Reply, Reply]:
    """PUT `body` twice, reading the record after each: (put, read, put again, read again).
    Any 2xx will do: the products and locations pages state no PUT status (gap 5), and the
    status is ORD-020's and ENV-008's to judge, not these state rules'."""
    first = must(api.put(path, json=body), SUCCESS, "a PUT")
    shown = must(api.get(path), 200, "reading the record back")
    again = api.put(path, json=body)
    shown_again = must(api.get(path), 200, "reading the record back")
    return first, shown, again, shown_again


def same_state(collection: str, body: dict[str, Any], shown: Reply, again: Reply) -> list[str]:
    """The documented fields and the fields sent that differ between two reads."""
    return changed(
        documented(collection, shown.record, body), documented(collection, again.record, body)
    )


@pytest.mark.requirement("IDEM-005")
@pytest.mark.writes
def test_repeated_order_put_gives_the_same_state(api, records, sku, expect):
    """IDEM-005: the same order PUT sent twice is accepted (2xx) both times and leaves the
    same state: GET after each shows the same documented fields (a field the docs do not
    name, such as a version a server bumps on every write, is not compared). The body sets
    header fields but not status: the order state machine is not published (gap 23)."""
    order = records.order(sku)
    body = {"customer_name": "Twice", "notes": "same", "metadata": {"k": 1}}
    _first, shown, again, shown_again = put_twice(api, order_path(records, order), body)
    difference = same_state("orders", body, shown, shown_again)
    expect(
        "IDEM-005",
        again.status in SUCCESS and not difference,
        f"the repeated PUT {again.said}; state differs in {difference}",
        shown,
        shown_again,
    )


@pytest.mark.requirement("IDEM-006")
@pytest.mark.writes
def test_repeated_product_or_location_put_gives_the_same_state(api, records, expect):
    """IDEM-006: the same product PUT, and the same location PUT, sent twice are accepted
    (2xx) both times and leave the same state in the documented fields."""
    puts = [
        ("products", records.product()["sku"], {"quantity": 9, "custom_fields": {"a": "b"}}),
        ("locations", records.location()["code"], {"name": "Twice", "metadata": {"k": [1]}}),
    ]
    for collection, identifier, body in puts:
        _first, shown, again, shown_again = put_twice(api, path_of(collection, identifier), body)
        difference = same_state(collection, body, shown, shown_again)
        expect(
            "IDEM-006",
            again.status in SUCCESS and not difference,
            f"the repeated {collection} PUT {again.said}; state differs in {difference}",
            shown,
            shown_again,
        )


@pytest.mark.requirement("IDEM-007")
@pytest.mark.writes
def test_repeated_cancel_leaves_the_order_as_it_was(api, records, sku, expect):
    """IDEM-007: a second and third DELETE of a cancelled order leave it cancelled and
    otherwise as the first DELETE left it (whatever they answer, short of a 5xx), in its
    documented fields and the stored reason (a field the docs do not name may move)."""
    order = records.order(sku)
    path = order_path(records, order)
    must(api.delete(path, json={"reason": "once"}), SUCCESS, "cancelling an order")
    shown = must(api.read("orders", records.order_id(order)), 200, "reading the order back")
    for attempt in ("second", "third"):
        again = api.delete(path, json={"reason": attempt})
        shown_again = must(
            api.read("orders", records.order_id(order)), 200, "reading the order back"
        )
        kept = [documented("orders", read.record, CANCEL_FIELDS) for read in (shown, shown_again)]
        difference = changed(*kept)
        expect(
            "IDEM-007",
            again.status < 500 and kept[1].get("status") == "cancelled" and not difference,
            f"a {attempt} DELETE {again.said}; the order differs in {difference}",
            again,
            shown_again,
        )


@pytest.mark.requirement("IDEM-008")
@pytest.mark.writes
def test_repeated_delete_of_product_or_location_is_200_and_changes_nothing(api, records, expect):
    """IDEM-008: a second DELETE of a product, and of a location, answers 200 and leaves it
    inactive and otherwise as the first DELETE left it."""
    subjects = [("products", records.product()["sku"]), ("locations", records.location()["code"])]
    for collection, identifier in subjects:
        path = path_of(collection, identifier)
        must(api.delete(path), SUCCESS, f"deactivating {collection}")
        shown = must(api.read(collection, identifier), 200, f"reading {collection} back")
        again = api.delete(path)
        shown_again = must(api.read(collection, identifier), 200, f"reading {collection} back")
        difference = changed(stable(shown.record), stable(shown_again.record))
        expect(
            "IDEM-008",
            again.status == 200
            and stable(shown_again.record).get("is_active") is False
            and not difference,
            f"a second {collection} DELETE {again.said}; is_active "
            f"{stable(shown_again.record).get('is_active')!r}; differs in {difference}",
            again,
            shown_again,
        )


@pytest.mark.requirement("IDEM-009")
@pytest.mark.writes
def test_resent_bulk_batch_is_a_safe_re_upsert(api, records, expect):
    """IDEM-009: re-sending a whole bulk batch answers 200 with every row updated, and the
    location holds the same rows with the same quantities, none duplicated."""
    location = records.location()["code"]
    rows = [
        {"location_code": location, "sku_code": records.product()["sku"], "quantity": quantity}
        for quantity in (4, 0, 11)
    ]
    batch = {"inventory": rows, "source": "erp_sync"}
    must(api.post(path_of("inventory"), json=batch), 200, "a bulk upsert")
    shown = must(api.read("inventory", location), 200, "reading the inventory back")
    again = api.post(path_of("inventory"), json=batch)
    shown_again = must(api.read("inventory", location), 200, "reading the inventory back")
    data = again.record
    counted = tuple(data.get(name) for name in ("total", "created", "updated", "failed"))
    expect(
        "IDEM-009",
        again.status == 200 and counted == (3, 0, 3, 0),
        f"the re-sent batch {again.said} with (total, created, updated, failed) {counted}",
        again,
    )

    def quantities(reply: Reply) -> list[tuple[Any, Any]]:
        entries = reply.data if isinstance(reply.data, list) else []
        return sorted(
            (e.get("sku_code"), e.get("quantity")) for e in entries if isinstance(e, dict)
        )

    wanted = sorted((entry["sku_code"], entry["quantity"]) for entry in rows)
    expect(
        "IDEM-009",
        quantities(shown) == wanted and quantities(shown_again) == wanted,
        f"rows after the batch {quantities(shown)}, after the re-send {quantities(shown_again)}",
        shown,
        shown_again,
    )

"""Area IDN: identifiers in paths. Products are addressed by sku, locations by code, orders
by the profile's order identifier, inventory reads by location code or sku; GET, PUT and
DELETE resolve an identifier the same way, and identifiers holding `/` or spaces (documented),
reserved characters or non-ASCII text (SHOULD, gap 13) round-trip when percent-encoded
(`WH/SHELF-01` as `WH%2FSHELF-01`). Every identifier is made under the run prefix.
"""

from __future__ import annotations

from typing import Any

import pytest

from dmcert.testkit import (
    RESERVED_IN_PATHS,
    SUCCESS,
    ApiClient,
    Expect,
    Records,
    Reply,
    must,
    path_of,
)

KINDS: dict[str, tuple[str, str]] = {
    "plain": ("", "A-101"),
    "slash": ("IDN-006", "WH/SHELF-01"),
    "space": ("IDN-007", "Bay 7 Shelf 2"),
    "reserved": ("IDN-011", f"Bay{RESERVED_IN_PATHS}"),
    "unicode": ("IDN-008", "Läger-東京"),
}
"""Identifier kinds: the requirement a special kind tests, and the label it is made from."""
RESOURCES: dict[str, str] = {"products": "IDN-002", "locations": "IDN-003", "orders": "IDN-001"}
"""What addresses each resource: sku, code, the profile's order identifier."""
CHANGES: dict[str, dict[str, Any]] = {
    "products": {"quantity": 9},
    "locations": {"name": "Moved"},
    "orders": {"notes": "changed by identifier"},
}
MAX_IDENTIFIER = 255


def identifier(records: Records, kind: str) -> str:
    """A fresh identifier of `kind`, e.g. `DMC...-WH/SHELF-01-7`."""
    return records.name(KINDS[kind][1])


@pytest.fixture(scope="module")
def sku(records: Records) -> str:
    return records.product()["sku"]


def field_of(collection: str, records: Records) -> str:
    return {"products": "sku", "locations": "code", "orders": records.order_identifier}[collection]


def create(
    api: ApiClient, records: Records, collection: str, value: str, sku: str
) -> tuple[Reply, str]:
    """Create a record of `collection` addressed by `value`; (reply, identifying field)."""
    field = field_of(collection, records)
    body = records.order_body(sku, **{field: value}) if collection == "orders" else {field: value}
    reply = api.post(path_of(collection), json=body)
    if reply.status == 201:
        records.track(collection, value)
    return reply, field


def verified(kind: str, *plain: str) -> pytest.MarkDecorator:
    """The requirement marks of a case: the kind's requirement for a special identifier,
    `plain` for a plain one."""
    return pytest.mark.requirement(*((KINDS[kind][0],) if KINDS[kind][0] else plain))


@pytest.mark.writes
@pytest.mark.parametrize(
    ("collection", "kind"),
    [
        pytest.param(collection, kind, marks=verified(kind, requirement, "IDN-005"))
        for collection, requirement in RESOURCES.items()
        for kind in KINDS
    ],
)
def test_identifier_resolves_in_get_put_and_delete(collection, kind, api, records, sku, expect):
    """IDN-001, IDN-002, IDN-003, IDN-005 (plain identifiers) and IDN-006, IDN-007, IDN-011,
    IDN-008 (with `/`, spaces, `# ? & + % ; =`, non-ASCII text): a record created with the
    identifier is returned with it unchanged, and GET, PUT and DELETE of its percent-encoded
    form each reach that record (IDN-005: the three agree, all reaching the created record or
    none of them, so one method that cannot resolve what the others resolve fails it; three
    that miss alike fail only the rule of the identifier). A PUT or DELETE answered 2xx
    without the record (where the docs show no success body, gap 5) reaches it when GET
    then shows the PUT's change, or as it is for a DELETE."""
    requirement = KINDS[kind][0] or RESOURCES[collection]
    value = identifier(records, kind)
    created, field = create(api, records, collection, value, sku)
    if not created_as_sent(expect, requirement, created, field, value):
        return
    path = path_of(collection, value)
    got = api.get(path)
    put = api.put(path, json=CHANGES[collection])
    after = api.get(path)
    changed = all(after.record.get(name) == sent for name, sent in CHANGES[collection].items())
    deleted = api.delete(path)
    gone = api.get(path)
    replies = [("GET", got), ("PUT", put), ("DELETE", deleted)]
    shown = {"PUT": after.record if changed else {}, "DELETE": removed(collection, got, gone)}
    reads = {"PUT": after, "DELETE": gone}
    for method, reply in replies:
        read = reads.get(method)
        then = f"; GET then {read.said}" if read is not None else ""
        expect(
            requirement,
            reached(reply, field, value, shown.get(method, {})),
            f"{method} {path} {reply.said} with {field} {reply.record.get(field)!r}{then}",
            reply,
            *([read] if read is not None else []),
        )
    if not KINDS[kind][0]:
        record_id = created.record.get("id")
        found = [reached(reply, "id", record_id, shown.get(m, {})) for m, reply in replies]
        outcomes = [
            f"{method} {reply.said} with id {reply.record.get('id')!r}" for method, reply in replies
        ]
        expect(
            "IDN-005",
            all(found) or not any(found),
            f"{'; '.join(outcomes)}: the methods resolve {field} {value!r} differently (the "
            f"created record is {record_id})",
            *[reply for _, reply in replies],
        )


def reached(reply: Reply, field: str, value: Any, after: dict[str, Any]) -> bool:
    """Whether a GET, PUT or DELETE answered 2xx and reached the record whose `field` is
    `value`: the record it answered, else (where the docs show no success body, gap 5) the
    record a GET then showed changed by the call (`after`)."""
    if reply.status not in SUCCESS:
        return False
    if field in reply.record:
        return reply.record[field] == value
    return after.get(field) == value


def removed(collection: str, before: Reply, after: Reply) -> dict[str, Any]:
    """The record a DELETE between two GETs of it acted on: as the GET after shows it
    cancelled or inactive, or as the GET before showed it when it is no longer found."""
    if after.status == 200:
        record = after.record
        if collection == "orders":
            done = record.get("status") == "cancelled"
        else:
            done = record.get("is_active") is False
        return record if done else {}
    return before.record if after.status == 404 and before.status == 200 else {}


@pytest.mark.writes
@pytest.mark.parametrize(
    "kind",
    [pytest.param(kind, marks=verified(kind, "IDN-004")) for kind in ("plain", "slash", "unicode")],
)
def test_inventory_reads_resolve_location_code_and_sku(kind, api, records, expect):
    """IDN-004 (plain), IDN-006 (`/`), IDN-008 (non-ASCII): GET /inventory/{code}/ and
    GET /inventory/{sku}/?by=sku, percent-encoded, both return the row of that pair. A
    location or product create refusing the special identifier is that kind's finding."""
    requirement = KINDS[kind][0] or "IDN-004"
    code, sku = identifier(records, kind), identifier(records, kind)
    for collection, value in (("locations", code), ("products", sku)):
        made, field = create(api, records, collection, value, sku)
        if not KINDS[kind][0]:
            must(made, 201, f"creating a {collection} record")
        elif not created_as_sent(expect, requirement, made, field, value):
            return
    row = {"location_code": code, "sku_code": sku, "quantity": 3}
    must(api.post(path_of("inventory"), json={"inventory": [row]}), 200, "an inventory upsert")
    for by, value in (("location", code), ("sku", sku)):
        reply = api.get(path_of("inventory", value), params={"by": by})
        rows = reply.data if isinstance(reply.data, list) else []
        pairs = [
            (found.get("location_code"), found.get("sku_code"))
            for found in rows
            if isinstance(found, dict)
        ]
        expect(
            requirement,
            reply.status == 200 and pairs == [(code, sku)],
            f"GET by={by} of {value!r} {reply.said} with rows {pairs}",
            reply,
        )


@pytest.mark.requirement("IDN-009")
@pytest.mark.writes
def test_identifiers_must_hold_1_to_255_characters(api, records, sku, expect):
    """IDN-009: an empty or 256-character sku, code, order_number, external_order_id or line
    sku_code is 400 VALIDATION_ERROR; a 255-character sku is accepted."""
    for length in (0, MAX_IDENTIFIER + 1):
        value = records.name("long").ljust(length, "x")[:length]
        bodies = [
            ("products", "sku", {"sku": value}),
            ("locations", "code", {"code": value}),
            ("orders", "order_number", records.order_body(sku, order_number=value)),
            ("orders", "external_order_id", records.order_body(sku, external_order_id=value)),
            (
                "orders",
                "items[].sku_code",
                records.order_body(sku, items=[{"sku_code": value, "quantity": 1}]),
            ),
        ]
        for collection, field, body in bodies:
            reply = api.post(path_of(collection), json=body)
            if reply.status == 201:
                created = reply.record.get(field_of(collection, records))
                records.track(collection, str(created))
            expect(
                "IDN-009",
                reply.status == 400 and reply.code == "VALIDATION_ERROR",
                f"a {collection} create with a {length}-character {field} {reply.said}",
                reply,
            )
    longest = records.name("long").ljust(MAX_IDENTIFIER, "x")
    reply = api.post(path_of("products"), json={"sku": longest})
    if reply.status == 201:
        records.track("products", longest)
    expect(
        "IDN-009",
        reply.status == 201,
        f"a product create with a {MAX_IDENTIFIER}-character sku {reply.said}",
        reply,
    )


def created_as_sent(expect: Expect, requirement: str, reply: Reply, field: str, value: str) -> bool:
    """Whether a create with the identifier `value` was 201 and kept it as sent: a target
    refusing an identifier of this kind is that kind's finding, not a failed precondition."""
    return expect(
        requirement,
        reply.status == 201 and reply.record.get(field) == value,
        f"creating with {field} {value!r} {reply.said}, {field} returned as "
        f"{reply.record.get(field)!r}",
        reply,
    )

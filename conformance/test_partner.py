"""Partner keys: a key linked to a partner talks in its partner's field names (api-facts.md
§3, §11, §16; the customization pages). For every usable partner key of the profile the
suite builds partner-shaped payloads from the key's declared mapping (every transformation
the mapping uses), and checks that the target maps them in and reverse-maps its answers,
names a mapped field as the partner does in a validation error, injects static values,
passes payloads through an inactive mapping, addresses records by the resolved identifier
and answers 422 MAPPING_ERROR for a payload the mapping cannot apply. A profile without a
partner key leaves these rules not exercised.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dmcert.testkit import (
    ABSENT,
    REQUIRED,
    RESPONSE_ITEM_FIELDS,
    UNCHECKED,
    ApiClient,
    ApiKey,
    Expect,
    PartnerPayload,
    Records,
    Reply,
    ResourceMapping,
    TargetProfile,
    build_payload,
    get_path,
    kind_of,
    matches,
    path_of,
    remove_path,
    resolve_identifier,
    set_path,
)

RECORDS = ("orders", "products", "locations")
"""Resources with per-record CRUD (inventory is bulk-only)."""
KIND_RULE = {"rename": "ENV-014", "dot_path": "ENV-016", "array_index": "ENV-017"}
UPDATES = {
    "orders": {"notes": "Changed by the partner", "customer_name": "Acme Updated"},
    "products": {"quantity": 11},
    "locations": {"name": "Moved by the partner", "zone": "B"},
}
"""Header fields a PUT may change, with their new values."""
NATURAL_KEY = {"orders": "order_number", "products": "sku", "locations": "code"}
INTERNAL_BODY = {
    "orders": ("order_number", "external_order_id", "notes"),
    "products": ("sku", "quantity"),
    "locations": ("code", "name"),
}
"""Fields an internal-named create sends through an inactive mapping."""


def partner_keys(profile: TargetProfile) -> list[ApiKey]:
    keys = profile.mapped_keys()
    if not keys:
        pytest.skip("the target profile declares no partner key")
    return keys


def active(key: ApiKey, resource: str) -> ResourceMapping | None:
    return key.partner.active_mapping(resource) if key.partner else None


def cases(profile: TargetProfile, resources=RECORDS) -> Iterator[tuple[ApiKey, ResourceMapping]]:
    """(partner key, active mapping) for every resource a partner key maps."""
    found = False
    for key in partner_keys(profile):
        for resource in resources:
            mapping = active(key, resource)
            if mapping is not None:
                found = True
                yield key, mapping
    if not found:
        pytest.skip("no partner key of the profile has an active mapping for these resources")


@pytest.fixture(scope="module")
def sku(records: Records) -> str:
    return records.product()["sku"]


@pytest.fixture(scope="module")
def location(records: Records) -> str:
    return records.location()["code"]


def internal_values(resource: str, records: Records) -> dict[str, Any]:
    """Documented sample values of a resource's fields, identifiers under the run prefix."""
    return {
        "orders": {
            "order_number": records.name("pord"),
            "external_order_id": records.name("pext"),
            "customer_name": "Acme Corporation",
            "customer_info": {"phone": "555-0100"},
            "notes": "Priority shipping",
            "order_date": "2026-04-16T10:00:00Z",
            "due_date": "2026-04-20T10:00:00Z",
            "metadata": {"channel": "edi"},
        },
        "products": {
            "sku": records.name("psku"),
            "quantity": 7,
            "is_active": True,
            "custom_fields": {"color": "blue"},
            "cost": "12.50",
        },
        "locations": {
            "code": records.name("ploc"),
            "name": "Aisle A, Shelf 103",
            "zone": "A",
            "aisle": "1",
            "metadata": {"rack": "3"},
        },
        "inventory": {"notes": "cycle count", "source": "erp_sync"},
    }[resource]


def payload_for(
    mapping: ResourceMapping, records: Records, sku: str, location: str
) -> PartnerPayload:
    items = {
        "items": {"sku_code": sku, "quantity": 2, "notes": "gift wrap"},
        "inventory": {"location_code": location, "sku_code": sku, "quantity": 5},
    }
    return build_payload(mapping, internal_values(mapping.resource, records), items)


def platform_value(payload: PartnerPayload, records: Records) -> str:
    """The value a pass-through key addresses the record by (for cleanup and reads)."""
    resource = payload.mapping.resource
    name = records.order_identifier if resource == "orders" else NATURAL_KEY[resource]
    return str(payload.values[name])


def create(api: ApiClient, key: ApiKey, payload: PartnerPayload, records: Records) -> Reply:
    reply = api.post(path_of(payload.mapping.resource), key=key, json=payload.body)
    if reply.status == 201:
        records.track(payload.mapping.resource, platform_value(payload, records))
    return reply


def addressed_by(key: ApiKey, payload: PartnerPayload, profile: TargetProfile) -> str:
    field = resolve_identifier(key.partner, payload.mapping.resource, profile.order_identifier)
    return str(payload.values[field])


def check_names(
    expect: Expect, what: str, payload: PartnerPayload, record: Any, reply: Reply, sent=None
) -> None:
    """Each mapped field sent is answered at its partner path (the rule of its path kind),
    and each partner array item shows the response's item fields under partner names."""
    for partner, internal, value in sent or payload.sent():
        if internal.split(".")[0] in UNCHECKED:
            continue
        found = get_path(record, partner)
        expect(
            KIND_RULE[kind_of(partner)],
            matches(value, found),
            f"{what}: {partner} (mapped to {internal}) should be {value!r}, "
            f"got {'nothing' if found is ABSENT else repr(found)}",
            reply,
        )
    for array in payload.mapping.arrays:
        shown = RESPONSE_ITEM_FIELDS.get(array.target, ())
        answered = get_path(record, array.source)
        items = answered if isinstance(answered, list) else []
        expect(
            "ENV-018",
            len(items) == 1,
            f"{what}: {array.source} should hold the 1 item sent, got {answered!r}"[:400],
            reply,
        )
        for partner, internal in array.fields:
            if internal in shown and items:
                sent_value = payload.items[array.target][internal]
                found = get_path(items[0], partner)
                expect(
                    "ENV-018",
                    found == sent_value,
                    f"{what}: {array.source}[0].{partner} (mapped to {internal}) should be "
                    f"{sent_value!r}, got {'nothing' if found is ABSENT else repr(found)}",
                    reply,
                )


@pytest.mark.writes
@pytest.mark.requirement("ENV-014", "ENV-016", "ENV-017", "ENV-018")
def test_partner_payloads_and_answers_use_the_partner_names(
    api, profile, records, sku, location, expect
):
    """ENV-014, ENV-016..018: a partner key creates, reads, updates and lists records in its
    partner's names: every mapped field it sent (renamed, at a dot path, at an array index,
    inside a mapped array) comes back where the partner put it."""
    for key, mapping in cases(profile):
        resource = mapping.resource
        payload = payload_for(mapping, records, sku, location)
        created = create(api, key, payload, records)
        what = f"key {key.name}: POST /{resource}/"
        if not expect("ENV-014", created.status == 201, f"{what} {created.said}", created):
            continue
        check_names(expect, what, payload, created.record, created)
        identifier = addressed_by(key, payload, profile)
        read = api.read(resource, identifier, key=key)
        check_names(expect, f"key {key.name}: GET", payload, read.record, read)
        listed = api.get(path_of(resource), key=key, params={"limit": 200})
        natural = (
            next(p for p, i in mapping.fields if i == NATURAL_KEY[resource])
            if any(i == NATURAL_KEY[resource] for _, i in mapping.fields)
            else NATURAL_KEY[resource]
        )
        rows = listed.data if isinstance(listed.data, list) else []
        mine = [
            row for row in rows if get_path(row, natural) == payload.values[NATURAL_KEY[resource]]
        ]
        if expect(
            "ENV-014",
            len(mine) == 1,
            f"key {key.name}: GET /{resource}/ should list the new record under {natural}",
            listed,
        ):
            check_names(expect, f"key {key.name}: list", payload, mine[0], listed)
        changes = [
            (p, i, v) for p, i in mapping.fields for n, v in UPDATES[resource].items() if i == n
        ]
        if changes:
            body: dict[str, Any] = {}
            for partner, _, value in changes:
                set_path(body, partner, value)
            updated = api.put(path_of(resource, identifier), key=key, json=body)
            expect("ENV-014", updated.status == 200, f"key {key.name}: PUT {updated.said}", updated)
            check_names(expect, f"key {key.name}: PUT", payload, updated.record, updated, changes)


@pytest.mark.writes
@pytest.mark.requirement("ENV-014")
def test_a_validation_error_names_the_field_as_the_partner_does(
    api, profile, records, sku, location, expect
):
    """ENV-014: a create that omits a mapped required field is 400 VALIDATION_ERROR whose
    message names the partner's field (`po_number`, not `order_number`)."""
    for key, mapping in cases(profile, (*RECORDS, "inventory")):
        required = REQUIRED[mapping.resource]
        omitted = [(p, i) for p, i in mapping.fields if i in required]
        omitted += [(a.source, a.target) for a in mapping.arrays if a.target in required]
        if not omitted:
            continue
        partner, internal = omitted[0]
        payload = payload_for(mapping, records, sku, location)
        remove_path(payload.body, partner)
        reply = api.post(path_of(mapping.resource), key=key, json=payload.body)
        if reply.status == 201:
            records.track(mapping.resource, platform_value(payload, records))
        message = reply.error_message
        expect(
            "ENV-014",
            reply.status == 400
            and reply.code == "VALIDATION_ERROR"
            and partner in message
            and internal not in message.replace(partner, ""),
            f"key {key.name}: POST /{mapping.resource}/ without {partner} (mapped to {internal}) "
            f"{reply.said} {message!r}: the error should name {partner}, not {internal}",
            reply,
        )


@pytest.mark.writes
@pytest.mark.requirement("ENV-019")
def test_static_values_reach_the_stored_record(api, profile, records, sku, location, expect):
    """ENV-019: the static values of a mapping are injected into every mapped payload: a
    record a partner key creates holds them (read back with a pass-through key when the
    profile has one, which names them internally)."""
    reader = profile.full_key()
    for key, mapping in cases(profile):
        if not mapping.static:
            continue
        payload = payload_for(mapping, records, sku, location)
        created = create(api, key, payload, records)
        if created.status != 201:
            expect("ENV-019", False, f"key {key.name}: creating failed: {created.said}", created)
            continue
        if reader is not None:
            read = api.read(mapping.resource, platform_value(payload, records), key=reader)
        else:
            read = api.read(mapping.resource, addressed_by(key, payload, profile), key=key)
        for internal, value in mapping.static:
            found = get_path(read.record, internal)
            expect(
                "ENV-019",
                found == value,
                f"key {key.name}: static {internal} = {value!r} should be stored, "
                f"got {'nothing' if found is ABSENT else repr(found)}",
                read,
            )


@pytest.mark.writes
@pytest.mark.requirement("IDN-010")
def test_a_partner_key_addresses_records_by_the_resolved_identifier(
    api, profile, records, sku, location, expect
):
    """IDN-010: `{identifier}` names the mapping's identifier_field, else the partner default
    if the resource has that field, else the platform default: GET and PUT by that value
    reach the record the partner key created."""
    for key, mapping in cases(profile):
        payload = payload_for(mapping, records, sku, location)
        created = create(api, key, payload, records)
        if created.status != 201:
            expect("IDN-010", False, f"key {key.name}: creating failed: {created.said}", created)
            continue
        field = resolve_identifier(key.partner, mapping.resource, profile.order_identifier)
        identifier = str(payload.values[field])
        for method in ("GET", "PUT"):
            reply = api.request(
                method,
                path_of(mapping.resource, identifier),
                key=key,
                json={} if method == "PUT" else ...,
            )
            expect(
                "IDN-010",
                reply.status == 200 and reply.record.get("id") == created.record.get("id"),
                f"key {key.name}: {method} /{mapping.resource}/<{field}>/ should reach the record "
                f"({field} is the resolved identifier): {reply.said}",
                reply,
            )


@pytest.mark.writes
@pytest.mark.requirement("ENV-020")
def test_an_inactive_mapping_passes_payloads_through(api, profile, records, expect):
    """ENV-020: for a resource whose mapping is inactive, a partner key's payload passes
    through unchanged: internal names are accepted and answered."""
    found = False
    for key in partner_keys(profile):
        for resource in RECORDS:
            mapping = key.partner.mapping(resource)
            if mapping is None or mapping.is_active:
                continue
            found = True
            values = internal_values(resource, records)
            fields = INTERNAL_BODY[resource]
            body = {name: values[name] for name in fields}
            if resource == "orders":
                body["items"] = [{"sku_code": records.product()["sku"], "quantity": 1}]
            reply = api.post(path_of(resource), key=key, json=body)
            if reply.status == 201:
                name = records.order_identifier if resource == "orders" else NATURAL_KEY[resource]
                records.track(resource, str(values[name]))
            shown = all(
                reply.record.get(name) == value for name, value in body.items() if name != "items"
            )
            expect(
                "ENV-020",
                reply.status == 201 and shown,
                f"key {key.name}: POST /{resource}/ with internal names through an inactive "
                f"mapping {reply.said}; the answer should show {sorted(body)} unchanged",
                reply,
            )
    if not found:
        pytest.skip("no partner key of the profile has an inactive mapping")


def unappliable(payload: PartnerPayload) -> tuple[dict[str, Any], str] | None:
    """The payload broken where the mapping must traverse it: a string where a dot path or
    array index needs an object or array, or where a mapped array is expected."""
    body = dict(payload.body)
    for partner, _ in payload.mapping.fields:
        if kind_of(partner) != "rename":
            root = partner.split(".")[0].split("[")[0]
            body[root] = "not-an-object"
            return body, f"{root} is a string where {partner} needs structure"
    for array in payload.mapping.arrays:
        root = array.source.split(".")[0]
        body[root] = "not-an-array" if root == array.source else "not-an-object"
        return body, f"{array.source} is a string where the mapping needs an array"
    return None


@pytest.mark.writes
@pytest.mark.requirement("ERR-003", "ERR-019")
def test_a_payload_the_mapping_cannot_apply_is_422_mapping_error(
    api, profile, records, sku, location, expect
):
    """ERR-019 (decisions): a payload the mapping cannot traverse is MAPPING_ERROR; ERR-003:
    MAPPING_ERROR always comes with HTTP 422."""
    for key, mapping in cases(profile, (*RECORDS, "inventory")):
        payload = payload_for(mapping, records, sku, location)
        broken = unappliable(payload)
        if broken is None:
            continue
        body, why = broken
        reply = api.post(path_of(mapping.resource), key=key, json=body)
        if reply.status == 201:
            records.track(mapping.resource, platform_value(payload, records))
        what = f"key {key.name}: POST /{mapping.resource}/ where {why}"
        expect(
            "ERR-019",
            reply.code == "MAPPING_ERROR",
            f"{what} {reply.said}, expected MAPPING_ERROR",
            reply,
        )
        if reply.code == "MAPPING_ERROR" or reply.status == 422:
            expect(
                "ERR-003",
                reply.code == "MAPPING_ERROR" and reply.status == 422,
                f"{what} {reply.said}: MAPPING_ERROR comes with 422",
                reply,
            )


@pytest.mark.writes
@pytest.mark.requirement("ENV-014", "ENV-021")
def test_bulk_inventory_with_a_partner_key_is_mapped_both_ways(
    api, profile, records, sku, location, expect
):
    """ENV-014: a partner key's bulk upsert in its own names is applied row by row; ENV-021
    (decisions): its row errors and the inventory rows name the item fields as the
    partner's inventory[] mapping does."""
    for key, mapping in cases(profile, ("inventory",)):
        array = next((a for a in mapping.arrays if a.target == "inventory"), None)
        if array is None:
            continue
        payload = payload_for(mapping, records, sku, location)
        good = get_path(payload.body, array.source)[0]
        bad = dict(good)
        location_name = next(p for p, i in array.fields if i == "location_code")
        set_path(bad, location_name, records.name("nowhere"))
        set_path(payload.body, array.source, [good, bad])
        reply = api.post(path_of("inventory"), key=key, json=payload.body)
        summary = reply.record
        expect(
            "ENV-014",
            reply.status == 200
            and summary.get("created", 0) + summary.get("updated", 0) == 1
            and summary.get("failed") == 1,
            f"key {key.name}: bulk of one good and one bad row in partner names {reply.said} "
            f"{summary!r}"[:500],
            reply,
        )
        errors = summary.get("errors") if isinstance(summary.get("errors"), list) else []
        keys = set(errors[0].get("errors", {})) if errors and isinstance(errors[0], dict) else set()
        expect(
            "ENV-021",
            location_name in keys and "location_id" not in keys,
            f"key {key.name}: the row error for an unknown location should be keyed "
            f"{location_name}, got {sorted(keys)}",
            reply,
        )
        rows = api.get(path_of("inventory", location), key=key)
        data = rows.data if isinstance(rows.data, list) else []
        named = [row for row in data if get_path(row, location_name) == location]
        expect(
            "ENV-021",
            bool(named),
            f"key {key.name}: GET /inventory/<location>/ rows should carry {location_name}",
            rows,
        )

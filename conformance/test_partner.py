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

import re
from collections.abc import Collection, Iterator
from typing import Any

import pytest

from dmcert.testkit import (
    ABSENT,
    LIST_FIELDS,
    REQUIRED,
    RESPONSE_ITEM_FIELDS,
    SUCCESS,
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


def root_of(path: str) -> str:
    """The top-level key a partner path starts at (`header.vendor.name` -> `header`)."""
    return path.split(".")[0].split("[")[0]


def check_names(
    expect: Expect,
    what: str,
    payload: PartnerPayload,
    record: Any,
    reply: Reply,
    sent: list[tuple[str, str, Any]] | None = None,
    list_shape: Collection[str] | None = None,
) -> None:
    """Each mapped field sent is answered at its partner path (the rule of its path kind),
    each partner array item shows the response's item fields under partner names, and no
    mapped field or array is answered under its internal name. A list entry (`list_shape`: the
    fields the docs show in one) may be a summary: only the fields it documents are looked
    for."""

    def shown(internal: str) -> bool:
        return list_shape is None or internal.split(".")[0] in list_shape

    for partner, internal, value in sent or payload.sent():
        if internal.split(".")[0] in UNCHECKED or not shown(internal):
            continue
        found = get_path(record, partner)
        expect(
            KIND_RULE[kind_of(partner)],
            matches(value, found),
            f"{what}: {partner} (mapped to {internal}) should be {value!r}, "
            f"got {'nothing' if found is ABSENT else repr(found)}",
            reply,
        )
    mapping = payload.mapping
    for array in mapping.arrays:
        if not shown(array.target):
            continue
        item_fields = RESPONSE_ITEM_FIELDS.get(array.target, ())
        answered = get_path(record, array.source)
        items = answered if isinstance(answered, list) else []
        expect(
            "ENV-018",
            len(items) == 1,
            f"{what}: {array.source} should hold the 1 item sent, got {answered!r}"[:400],
            reply,
        )
        for partner, internal in array.fields:
            if internal in item_fields and items:
                sent_value = payload.items[array.target][internal]
                found = get_path(items[0], partner)
                expect(
                    "ENV-018",
                    found == sent_value,
                    f"{what}: {array.source}[0].{partner} (mapped to {internal}) should be "
                    f"{sent_value!r}, got {'nothing' if found is ABSENT else repr(found)}",
                    reply,
                )
    roots = {root_of(p) for p, _ in mapping.fields} | {root_of(a.source) for a in mapping.arrays}
    pairs = [(p, i, KIND_RULE[kind_of(p)]) for p, i in mapping.fields]
    pairs += [(a.source, a.target, "ENV-018") for a in mapping.arrays]
    for partner, internal, rule in pairs:
        if "." in internal or internal in roots or not isinstance(record, dict):
            continue
        expect(
            rule,
            internal not in record,
            f"{what}: {internal} is mapped to {partner}, but the answer shows {internal}",
            reply,
        )


def changes_of(mapping: ResourceMapping) -> list[tuple[str, str, Any]]:
    """(partner path, internal name, new value) of each header field a PUT may change that
    the mapping maps."""
    updates = UPDATES[mapping.resource]
    return [(p, i, updates[i]) for p, i in mapping.fields if i in updates]


def put_body(changes: list[tuple[str, str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for partner, _, value in changes:
        set_path(body, partner, value)
    return body


@pytest.mark.writes
@pytest.mark.requirement("ENV-014", "ENV-016", "ENV-017", "ENV-018")
def test_partner_payloads_and_answers_use_the_partner_names(
    api, profile, records, sku, location, expect
):
    """ENV-014, ENV-016..018: a partner key creates, reads, updates and lists records in its
    partner's names: every mapped field it sent (renamed, at a dot path, at an array index,
    inside a mapped array) comes back where the partner put it, never under its internal
    name. A list entry is looked at for the fields the docs show in one (ORD-018, PRD-020,
    LOC-016); a PUT may answer any 2xx (gap 5), its effect is read back by GET."""
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
            shape = LIST_FIELDS[resource]
            check_names(expect, f"key {key.name}: list", payload, mine[0], listed, list_shape=shape)
        changes = changes_of(mapping)
        if not changes:
            continue
        updated = api.put(path_of(resource, identifier), key=key, json=put_body(changes))
        if not expect(
            "ENV-014", updated.status in SUCCESS, f"key {key.name}: PUT {updated.said}", updated
        ):
            continue
        if updated.record:
            check_names(expect, f"key {key.name}: PUT", payload, updated.record, updated, changes)
        after = api.read(resource, identifier, key=key)
        check_names(expect, f"key {key.name}: GET after PUT", payload, after.record, after, changes)


def error_texts(reply: Reply) -> list[str]:
    """The error message, then every key path and string value of the error object's other
    entries (a `details` object or list, in whatever structure): where an error may name a
    field. Nested keys read as paths, `{"lines": [{"order_ref": [...]}]}` as
    `lines[0].order_ref`."""
    error = reply.body.get("error") if isinstance(reply.body, dict) else None
    if not isinstance(error, dict):
        return [reply.error_message]
    texts = [reply.error_message]

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                inner = f"{path}.{name}" if path else str(name)
                texts.append(inner)
                walk(value, inner)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        elif isinstance(node, str):
            texts.append(node)

    walk({k: v for k, v in error.items() if k not in ("code", "message")}, "")
    return texts


def names(text: str, field: str) -> bool:
    """Whether `text` holds `field` as a name (not inside a longer one)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(field)}(?![A-Za-z0-9_])", text) is not None


@pytest.mark.writes
@pytest.mark.requirement("ENV-014", "ERR-008")
def test_a_validation_error_names_the_field_as_the_partner_does(
    api, profile, records, sku, location, expect
):
    """ENV-014: a create that omits a mapped required field is 400 VALIDATION_ERROR naming
    the partner's field (`po_number`), in its message or a structured detail (the carrier is
    not documented, gap 4), and nowhere the internal one (`order_number`); ERR-008 (gap 4):
    the message itself names it."""
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
        texts = error_texts(reply)
        invalid = reply.status == 400 and reply.code == "VALIDATION_ERROR"
        what = f"key {key.name}: POST /{mapping.resource}/ without {partner} (mapped to {internal})"
        expect(
            "ENV-014",
            invalid
            and any(partner in text for text in texts)
            and not any(names(text.replace(partner, ""), internal) for text in texts),
            f"{what} {reply.said} {texts!r}: the error should name {partner}, not {internal}"[:500],
            reply,
        )
        if invalid:
            expect(
                "ERR-008",
                partner in reply.error_message,
                f"{what}: the message {reply.error_message!r} should name {partner}",
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
    if the resource has that field, else the platform default: GET by that value reaches
    the record the partner key created, and so does a PUT (any 2xx, gap 5; its change is
    read back by GET)."""
    for key, mapping in cases(profile):
        payload = payload_for(mapping, records, sku, location)
        created = create(api, key, payload, records)
        if created.status != 201:
            expect("IDN-010", False, f"key {key.name}: creating failed: {created.said}", created)
            continue
        field = resolve_identifier(key.partner, mapping.resource, profile.order_identifier)
        path = path_of(mapping.resource, str(payload.values[field]))
        what = f"/{mapping.resource}/<{field}>/ should reach the record ({field} resolved)"
        record_id = created.record.get("id")
        read = api.get(path, key=key)
        expect(
            "IDN-010",
            read.status == 200 and read.record.get("id") == record_id,
            f"key {key.name}: GET {what}: {read.said}",
            read,
        )
        changes = changes_of(mapping)
        updated = api.put(path, key=key, json=put_body(changes))
        expect(
            "IDN-010",
            updated.status in SUCCESS and updated.record.get("id", record_id) == record_id,
            f"key {key.name}: PUT {what}: {updated.said}",
            updated,
        )
        if updated.status in SUCCESS and changes:
            after = api.get(path, key=key)
            unchanged = [p for p, _, v in changes if get_path(after.record, p) != v]
            expect(
                "IDN-010",
                not unchanged,
                f"key {key.name}: after the PUT {what}, GET should show the new {unchanged}",
                updated,
                after,
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

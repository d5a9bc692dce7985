"""Area LOC: locations. Create (201, shape), validation and duplicates, reads by code (404
for an unknown one), PUT of name, zone, aisle, metadata and is_active (deactivate and
reactivate), and soft delete: a deactivated location stays readable with is_active false and
leaves the list of active locations.

List checks look for the run's own locations (dmcert.testkit.search); to show a location is
*not* listed they also look for a witness, an active location created just before it.
"""

from __future__ import annotations

from typing import Any

import pytest

from dmcert.testkit import (
    LIST_FIELDS,
    SUCCESS,
    ApiClient,
    Reply,
    must,
    path_of,
    search,
    stable,
    unknown_identifier,
    unlike,
)

SHAPE = ("id", "code", "name", "zone", "aisle", "is_active")
DETAILS = {
    "name": "Aisle A, Shelf 103",
    "zone": "A",
    "aisle": "1",
    "metadata": {"temperature": "ambient", "bins": [1, 2], "capacity": {"pallets": 4}},
}


def listed(api: ApiClient, *codes: str) -> tuple[dict[str, Any], list[Reply]]:
    """The list entries, by code, of those among `codes` the location list shows."""
    walked = search(api, "locations", [(code,) for code in codes])
    entries = {
        entry["code"]: entry
        for entry in walked.entries
        if isinstance(entry, dict) and entry.get("code") in codes
    }
    return entries, walked.evidence()


def differences(sent: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The fields of `sent` that `record` shows otherwise, with what it shows."""
    return {name: record.get(name) for name, value in sent.items() if record.get(name) != value}


@pytest.mark.requirement("LOC-001", "LOC-002")
@pytest.mark.writes
def test_create_is_201_with_the_location_shape(api, records, expect):
    """LOC-001, LOC-002: POST /locations/ with code, name, zone, aisle and metadata is 201
    with id, those values, is_active true, and created_at."""
    code = records.name("loc")
    reply = api.post(path_of("locations"), json={"code": code, **DETAILS})
    if reply.status in (200, 201):
        records.track("locations", code)
    data = reply.record
    missing = [name for name in SHAPE if name not in data]
    wrong = differences({"code": code, "is_active": True, **DETAILS}, data)
    wrong.pop("metadata", None)
    expect(
        "LOC-001",
        reply.status == 201 and not missing and not wrong,
        f"create {reply.said}; data lacks {missing} and shows {wrong}",
        reply,
    )
    expect(
        "LOC-002",
        data.get("metadata") == DETAILS["metadata"] and isinstance(data.get("created_at"), str),
        f"metadata {data.get('metadata')!r}, created_at {data.get('created_at')!r}",
        reply,
    )


@pytest.mark.requirement("LOC-003")
@pytest.mark.writes
def test_create_without_code_is_400_validation_error(api, expect):
    """LOC-003: a location create without code is 400 VALIDATION_ERROR."""
    reply = api.post(path_of("locations"), json={"name": "No code"})
    expect(
        "LOC-003",
        reply.status == 400 and reply.code == "VALIDATION_ERROR",
        f"a create without code {reply.said}",
        reply,
    )


@pytest.mark.requirement("LOC-004")
@pytest.mark.writes
def test_duplicate_code_is_409_duplicate(api, records, expect):
    """LOC-004: creating a location whose code already exists is 409 DUPLICATE."""
    code = records.location()["code"]
    reply = api.post(path_of("locations"), json={"code": code, "name": "Again"})
    expect(
        "LOC-004",
        reply.status == 409 and reply.code == "DUPLICATE",
        f"a create with an existing code {reply.said}",
        reply,
    )


@pytest.mark.requirement("LOC-005")
@pytest.mark.writes
def test_code_of_an_inactive_location_is_409_duplicate(api, records, expect):
    """LOC-005: creating a location with the code of a deactivated one is 409 DUPLICATE
    (no reactivation)."""
    code = records.location()["code"]
    must(api.delete(path_of("locations", code)), SUCCESS, "deactivating the location")
    reply = api.post(path_of("locations"), json={"code": code})
    after = api.read("locations", code)
    expect(
        "LOC-005",
        reply.status == 409
        and reply.code == "DUPLICATE"
        and after.record.get("is_active") is False,
        f"a create with an inactive location's code {reply.said}; the location then has "
        f"is_active {after.record.get('is_active')!r}",
        reply,
        after,
    )


@pytest.mark.requirement("LOC-006")
@pytest.mark.writes
def test_get_returns_the_location_as_created(api, records, expect):
    """LOC-006: GET /locations/{code}/ returns the location as the create returned it (its
    documented and sent fields; timestamps as the same instant, to the second)."""
    location = records.location(**DETAILS)
    reply = api.read("locations", location["code"])
    differing = unlike("locations", location, reply.record, ("code", *DETAILS))
    expect(
        "LOC-006",
        reply.status == 200 and not differing,
        f"GET {reply.said}; fields differing from the create answer: {differing}",
        reply,
    )


@pytest.mark.requirement("LOC-007")
def test_get_of_an_unknown_code_is_404_not_found(run, api, expect):
    """LOC-007: GET of a code no location has is 404 NOT_FOUND."""
    reply = api.read("locations", unknown_identifier(run.prefix))
    expect(
        "LOC-007",
        reply.status == 404 and reply.code == "NOT_FOUND",
        f"GET of an unknown code {reply.said}",
        reply,
    )


@pytest.mark.requirement("LOC-008", "LOC-016")
@pytest.mark.writes
def test_list_shows_active_locations_only(api, records, expect):
    """LOC-008, LOC-016: a deactivated location is not listed, an active one is, with its
    code, name, zone, aisle and is_active."""
    witness = records.location()["code"]
    inactive = records.location()["code"]
    must(api.delete(path_of("locations", inactive)), SUCCESS, "deactivating a location")
    active = records.location(**DETAILS)["code"]
    entries, pages = listed(api, witness, inactive, active)
    expect(
        "LOC-008",
        witness in entries and active in entries and inactive not in entries,
        f"active location listed: {active in entries}, inactive location listed: "
        f"{inactive in entries}",
        *pages,
    )
    entry = entries.get(active, {})
    missing = [name for name in LIST_FIELDS["locations"] if name not in entry]
    wrong = differences({"code": active, "is_active": True, **DETAILS}, entry)
    wrong.pop("metadata", None)
    expect(
        "LOC-016",
        bool(entry) and not missing and not wrong,
        f"the list entry lacks {missing} and shows {wrong}" if entry else "not listed",
        *pages,
    )


@pytest.mark.requirement("LOC-009", "LOC-017")
@pytest.mark.writes
def test_put_updates_name_zone_aisle_and_metadata(api, records, expect):
    """LOC-009: PUT with new name, zone, aisle and metadata is accepted (any 2xx: the docs
    state no PUT status, gap 5) and GET shows the new name, zone and aisle, and the metadata
    keys sent with their values (when it shows metadata at all: LOC-002). LOC-017: the keys
    not sent are gone. The locations page says only "metadata | object"; "replaces the full
    object" is stated for products' custom_fields alone, so replacing is our reading."""
    code = records.location(**DETAILS)["code"]
    sent_metadata = {"dock": True}
    body = {"name": "Dock 4", "zone": "D", "aisle": "12", "metadata": sent_metadata}
    put = api.put(path_of("locations", code), json=body)
    after = api.read("locations", code)
    wrong = differences({"name": "Dock 4", "zone": "D", "aisle": "12"}, after.record)
    metadata = after.record.get("metadata", sent_metadata)
    if not isinstance(metadata, dict) or differences(sent_metadata, metadata):
        wrong["metadata"] = metadata
    expect(
        "LOC-009",
        put.status in SUCCESS and after.status == 200 and not wrong,
        f"PUT {put.said}; GET {after.said} shows {wrong}",
        put,
        after,
    )
    if isinstance(metadata, dict) and "metadata" in after.record:
        kept = sorted(metadata.keys() - sent_metadata.keys())
        expect("LOC-017", not kept, f"metadata keys not sent were kept: {kept}", put, after)


@pytest.mark.requirement("LOC-010", "LOC-011")
@pytest.mark.writes
def test_put_is_active_deactivates_and_reactivates(api, records, expect):
    """LOC-010, LOC-011: PUT {"is_active": false} takes the location off the list, PUT
    {"is_active": true} brings it back (each accepted with any 2xx)."""
    witness = records.location()["code"]
    code = records.location()["code"]
    path = path_of("locations", code)
    off = api.put(path, json={"is_active": False})
    entries, pages = listed(api, witness, code)
    expect(
        "LOC-010",
        off.status in SUCCESS and witness in entries and code not in entries,
        f"PUT is_active false {off.said}; listed afterwards: {code in entries}",
        off,
        *pages,
    )
    on = api.put(path, json={"is_active": True})
    entries, pages = listed(api, witness, code)
    expect(
        "LOC-011",
        on.status in SUCCESS and code in entries,
        f"PUT is_active true {on.said}; listed afterwards: {code in entries}",
        on,
        *pages,
    )


@pytest.mark.requirement("LOC-012")
@pytest.mark.writes
def test_code_in_a_put_body_is_ignored(api, records, expect):
    """LOC-012: PUT {"code": <new>, "name": ...} keeps the code: the location is still read
    by its old code and the new one names no location."""
    code = records.location()["code"]
    other = records.name("loc")
    put = api.put(path_of("locations", code), json={"code": other, "name": "Renamed"})
    old, new = api.read("locations", code), api.read("locations", other)
    if new.status == 200:
        records.track("locations", other)
    expect(
        "LOC-012",
        put.status in SUCCESS and old.record.get("code") == code and new.status == 404,
        f"PUT with another code {put.said}; GET old code {old.said}, new code {new.said}",
        put,
        old,
        new,
    )


@pytest.mark.requirement("LOC-013", "LOC-014", "IDEM-008")
@pytest.mark.writes
def test_delete_deactivates_and_the_location_stays_readable(api, records, expect):
    """LOC-013, LOC-014, IDEM-008: after DELETE the list no longer shows the location, the
    DELETE answer and GET show it with is_active false, and a second DELETE is 200 and
    changes nothing."""
    witness = records.location()["code"]
    code = records.location(**DETAILS)["code"]
    path = path_of("locations", code)
    deleted = api.delete(path)
    entries, pages = listed(api, witness, code)
    expect(
        "LOC-013",
        deleted.status in SUCCESS and witness in entries and code not in entries,
        f"DELETE {deleted.said}; listed afterwards: {code in entries}",
        deleted,
        *pages,
    )
    after = api.read("locations", code)
    expect(
        "LOC-014",
        deleted.record.get("is_active") is False
        and after.status == 200
        and after.record.get("is_active") is False,
        f"DELETE answered is_active {deleted.record.get('is_active')!r}; GET then "
        f"{after.said} with is_active {after.record.get('is_active')!r}",
        deleted,
        after,
    )
    again = api.delete(path)
    final = api.read("locations", code)
    expect(
        "IDEM-008",
        again.status == 200 and stable(final.record) == stable(after.record),
        f"a second DELETE {again.said}; the location went from {after.record!r} "
        f"to {final.record!r}",
        again,
        final,
    )


@pytest.mark.requirement("LOC-015")
@pytest.mark.writes
def test_put_or_delete_of_an_unknown_code_is_404_not_found(run, api, expect):
    """LOC-015: PUT and DELETE of a code no location has are 404 NOT_FOUND."""
    path = path_of("locations", unknown_identifier(run.prefix))
    for reply in (
        api.put(path, json={"name": "Nowhere"}),
        api.delete(path),
    ):
        expect(
            "LOC-015",
            reply.status == 404 and reply.code == "NOT_FOUND",
            f"{reply.exchange.method} of an unknown code {reply.said}",
            reply,
        )

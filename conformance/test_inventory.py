"""Area INV: inventory. The bulk upsert (200, true counters, independent rows, row errors
with 0-based indexes, quantity minimum 0, source values, top-level validation) and the reads
(the list, and GET /inventory/{identifier}/ by location and by SKU).

Each test writes to locations (and, where a read by SKU must see only its rows, products)
of its own, so what it reads back is exactly what it wrote.
"""

from __future__ import annotations

from typing import Any

import pytest

from dmcert.testkit import (
    SUCCESS,
    ApiClient,
    Records,
    Reply,
    listed_identifier,
    must,
    pages,
    path_of,
    unknown_identifier,
)

SUMMARY = ("total", "created", "updated", "failed")
ROW_FIELDS = ("location_code", "sku_code", "quantity")
ROW_ERROR_FIELDS = {"row", "location_id", "product_id", "errors"}
SOURCES = ("bulk_import", "manual_adjustment", "erp_sync", "initial_load")
LIST_PAGES = 5
"""How many pages of 200 a list walk reads, at most, looking for the run's own rows."""
UNPAGINATED_ROWS = 55
"""More rows at one location than the default page size (50)."""
LARGE_BATCH = 1000

Row = tuple[Any, Any, Any]


def is_error(reply: Reply, code: str) -> bool:
    """400 with `code`; the code's casing is ERR-001's concern, not this area's."""
    return reply.status == 400 and reply.code == code


def row(location: Any, sku: Any, quantity: Any) -> dict[str, Any]:
    return {"location_code": location, "sku_code": sku, "quantity": quantity}


def upsert(api: ApiClient, rows: list[dict[str, Any]], **top: Any) -> Reply:
    return api.post(path_of("inventory"), json={"inventory": rows, **top})


def counters(reply: Reply) -> tuple[Any, ...]:
    """(total, created, updated, failed) as answered."""
    data = reply.record
    return tuple(data.get(name) for name in SUMMARY)


def row_errors(reply: Reply) -> list[Any]:
    errors = reply.record.get("errors")
    return errors if isinstance(errors, list) else []


def as_rows(entries: Any) -> list[Row]:
    """(location_code, sku_code, quantity) of every entry, sorted."""
    if not isinstance(entries, list):
        return []
    found = [
        tuple(entry.get(name) for name in ROW_FIELDS)
        for entry in entries
        if isinstance(entry, dict)
    ]
    return sorted(found, key=repr)


def stock(api: ApiClient, identifier: str, by: str | None = None) -> tuple[list[Row], Reply]:
    """The rows GET /inventory/{identifier}/ answers (a precondition: it must answer 200)."""
    params = {"by": by} if by else None
    reply = api.get(path_of("inventory", identifier), params=params)
    must(reply, 200, f"reading the inventory of {identifier}")
    return as_rows(reply.data), reply


def ok_200(reply: Reply) -> bool:
    return (
        reply.status == 200 and isinstance(reply.body, dict) and reply.body.get("success") is True
    )


@pytest.fixture(scope="module")
def skus(records: Records) -> list[str]:
    """Three products of the run; tests pair them with fresh locations."""
    return [records.product()["sku"] for _ in range(3)]


def fresh_location(records: Records) -> str:
    return records.location()["code"]


# --- bulk upsert: status, counters, persistence ---------------------------------------------


@pytest.mark.requirement("INV-001")
@pytest.mark.writes
def test_bulk_upsert_is_200_with_a_summary(api, records, skus, expect):
    """INV-001: a valid bulk upsert answers 200 (not 201) with data {total, created, updated,
    failed, errors}."""
    reply = upsert(api, [row(fresh_location(records), skus[0], 1)])
    data = reply.record
    shaped = all(isinstance(data.get(name), int) for name in SUMMARY) and isinstance(
        data.get("errors"), list
    )
    expect(
        "INV-001",
        reply.status == 200 and shaped,
        f"bulk upsert {reply.said} with data keys {sorted(data)}",
        reply,
    )


@pytest.mark.requirement("INV-002", "INV-004")
@pytest.mark.writes
def test_new_pairs_are_created_and_readable(api, records, skus, expect):
    """INV-002, INV-004: a batch of pairs not yet present counts every row as created
    (total = rows sent, created + updated + failed = total) and GET shows the quantities."""
    location = fresh_location(records)
    rows = [row(location, skus[0], 5), row(location, skus[1], 7)]
    reply = must(upsert(api, rows), 200, "a bulk upsert of new pairs")
    expect("INV-002", counters(reply) == (2, 2, 0, 0), f"counters {counters(reply)}", reply)
    total, created, updated, failed = counters(reply)
    expect(
        "INV-004",
        total == 2 and created + updated + failed == total,
        f"2 rows sent, counters (total, created, updated, failed) {counters(reply)}",
        reply,
    )
    shown, read = stock(api, location)
    expect(
        "INV-002", shown == as_rows(rows), f"sent {as_rows(rows)}, GET shows {shown}", reply, read
    )


@pytest.mark.requirement("INV-003", "INV-004")
@pytest.mark.writes
def test_present_pairs_are_updated_in_place(api, records, skus, expect):
    """INV-003, INV-004: re-sending present pairs counts them as updated and changes their
    quantities in place (one row per pair); a mixed batch counts each row right."""
    location = fresh_location(records)
    must(upsert(api, [row(location, skus[0], 1), row(location, skus[1], 2)]), 200, "a first batch")
    batches = [
        (
            "a batch of present pairs",
            [row(location, skus[0], 3), row(location, skus[1], 4)],
            (2, 0, 2, 0),
        ),
        ("a mixed batch", [row(location, skus[1], 5), row(location, skus[2], 6)], (2, 1, 1, 0)),
    ]
    for name, rows, wanted in batches:
        reply = upsert(api, rows)
        expect(
            "INV-003",
            reply.status == 200 and counters(reply) == wanted,
            f"{name} {reply.said} with counters {counters(reply)}, expected {wanted}",
            reply,
        )
        total, created, updated, failed = counters(reply)
        expect(
            "INV-004",
            total == len(rows) and created + updated + failed == total,
            f"{len(rows)} rows sent, counters {counters(reply)}",
            reply,
        )
    shown, read = stock(api, location)
    wanted_rows = as_rows(
        [row(location, skus[0], 3), row(location, skus[1], 5), row(location, skus[2], 6)]
    )
    expect("INV-003", shown == wanted_rows, f"GET shows {shown}, expected {wanted_rows}", read)


# --- bulk upsert: a bad row among good ones -------------------------------------------------

NEGATIVE = "negative quantity"
BAD_ROWS = {
    "unknown location": ("INV-009", {"location_id": ["Location not found"]}),
    "unknown SKU": ("INV-010", {"product_id": ["Product not found"]}),
    NEGATIVE: ("INV-011", None),
}
"""The bad row of each [good, bad, good] batch: its rule, and its documented row errors."""


def _bad_row_cases() -> list[Any]:
    cases = []
    for kind, (rule, _errors) in BAD_ROWS.items():
        if kind == NEGATIVE:  # row error or whole-request 400 is open (gap 24): INV-012
            ids = ("INV-004", "INV-007", "INV-008", "INV-011", "INV-012")
        else:
            ids = ("INV-004", "INV-005", "INV-006", "INV-007", "INV-008", rule)
        marks = pytest.mark.requirement(*ids)
        cases.append(pytest.param(kind, id=kind.replace(" ", "-"), marks=marks))
    return cases


def _bad_row(kind: str, run, location: str, skus: list[str]) -> dict[str, Any]:
    if kind == "unknown location":
        return row(unknown_identifier(run.prefix), skus[2], 1)
    if kind == "unknown SKU":
        return row(location, unknown_identifier(run.prefix), 1)
    return row(location, skus[2], -1)


@pytest.mark.writes
@pytest.mark.parametrize("kind", _bad_row_cases())
def test_a_bad_row_fails_alone_and_the_good_rows_are_applied(kind, run, api, records, skus, expect):
    """INV-004, INV-005, INV-006, INV-007, INV-008, and INV-009 or INV-010 by kind: in a
    batch [good (quantity 0), bad, good] with the bad row an unknown location or an unknown
    SKU, the answer is 200 with success true, counters (3, 2, 0, 1), exactly one row error
    {row: 1, location_id, product_id, errors: {field: [message]}} with the documented field
    and message, and GET shows exactly the good rows. With a negative quantity the docs say
    only that it is below the minimum (INV-011: never applied; quantity 0 is applied when
    the batch is), so a whole-request 400 conforms and the batch being accepted with the row
    error under errors.quantity is INV-012."""
    location = fresh_location(records)
    bad = _bad_row(kind, run, location, skus)
    rows = [row(location, skus[0], 0), bad, row(location, skus[1], 4)]
    reply = upsert(api, rows)
    independent = "INV-012" if kind == NEGATIVE else None
    expect(
        independent or "INV-006", ok_200(reply), f"a batch with one {kind} row {reply.said}", reply
    )
    shown, read = stock(api, location)
    if kind == NEGATIVE:
        applied = [entry for entry in shown if entry[1] == bad["sku_code"]]
        zero = (location, skus[0], 0) in shown
        expect(
            "INV-011",
            not applied and (zero or not ok_200(reply)),
            f"a batch with quantity -1 {reply.said}; quantity -1 applied as {applied}; "
            f"quantity 0 {'applied' if zero else 'not applied'}",
            reply,
            read,
        )
    good = as_rows([rows[0], rows[2]])
    expect(
        independent or "INV-005",
        shown == good,
        f"after a batch with one {kind} row GET shows {shown}, expected the good rows {good}",
        reply,
        read,
    )
    if reply.status != 200:
        return
    total, created, updated, failed = counters(reply)
    expect(
        "INV-004",
        total == 3 and created + updated + failed == total,
        f"3 rows sent, counters (total, created, updated, failed) {counters(reply)}",
        reply,
    )
    errors = row_errors(reply)
    expect(
        independent or "INV-005",
        (created, failed) == (2, 1) and len(errors) == 1,
        f"2 good rows and 1 bad: counters {counters(reply)}, {len(errors)} row error(s)",
        reply,
    )
    if len(errors) == 1:
        check_row_error(expect, errors[0], bad, kind, reply)


def check_row_error(expect, error: Any, bad: dict[str, Any], kind: str, reply: Reply) -> None:
    """The one row error of a [good, bad, good] batch: its shape (INV-007), its 0-based
    index (INV-008) and the documented field and message for its kind."""
    error = error if isinstance(error, dict) else {}
    fields = error.get("errors")
    shaped = (
        set(error) >= ROW_ERROR_FIELDS
        and isinstance(error.get("row"), int)
        and error.get("location_id") == bad["location_code"]
        and error.get("product_id") == bad["sku_code"]
        and isinstance(fields, dict)
        and bool(fields)
        and all(
            isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
            for messages in fields.values()
        )
    )
    expect("INV-007", shaped, f"row error {error!r:.300}", reply)
    expect("INV-008", error.get("row") == 1, f"row 1 reported as row {error.get('row')!r}", reply)
    rule, documented = BAD_ROWS[kind]
    if documented is not None:
        expect(rule, fields == documented, f"row errors {fields!r}, documented {documented}", reply)
    else:
        expect(
            "INV-012",
            isinstance(fields, dict) and set(fields) == {"quantity"},
            f"a negative quantity reported under {fields!r}",
            reply,
        )


ROW_PROBLEMS = [
    ("INV-012", "quantity", "quantity missing", {"quantity": ...}),
    ("INV-012", "quantity", "quantity '1'", {"quantity": "1"}),
    ("INV-012", "quantity", "quantity 1.5", {"quantity": 1.5}),
    ("INV-012", "quantity", "quantity 2**31", {"quantity": 2**31}),
    ("INV-013", "location_code", "location_code missing", {"location_code": ...}),
    ("INV-013", "location_code", "location_code 5", {"location_code": 5}),
    ("INV-013", "sku_code", "sku_code missing", {"sku_code": ...}),
    ("INV-013", "sku_code", "sku_code null", {"sku_code": None}),
]


@pytest.mark.requirement("INV-012", "INV-013")
@pytest.mark.writes
def test_malformed_row_fields_are_row_errors_under_their_field(api, records, skus, expect):
    """INV-012, INV-013: a missing, non-integer or too large quantity, and a missing or
    non-string location_code or sku_code, fail that row only, reported under that field,
    while the batch is 200 and its good row is applied."""
    location = fresh_location(records)
    rows = []
    for _rule, _field, _name, change in ROW_PROBLEMS:
        base = row(location, skus[0], 1)
        for name, value in change.items():
            if value is ...:
                del base[name]
            else:
                base[name] = value
        rows.append(base)
    rows.append(row(location, skus[1], 2))
    reply = upsert(api, rows)
    reported = {
        error.get("row"): error.get("errors")
        for error in row_errors(reply)
        if isinstance(error, dict)
    }
    for index, (rule, field, name, _change) in enumerate(ROW_PROBLEMS):
        fields = reported.get(index)
        expect(
            rule,
            reply.status == 200 and isinstance(fields, dict) and field in fields,
            f"row {index} ({name}) {reply.said}, reported with errors {fields!r}",
            reply,
        )
    shown, read = stock(api, location)
    expect(
        "INV-012",
        shown == [(location, skus[1], 2)],
        f"GET shows {shown}: only the good row should be applied",
        reply,
        read,
    )


@pytest.mark.requirement("INV-014")
@pytest.mark.writes
def test_a_batch_where_every_row_fails_is_still_200(run, api, records, skus, expect):
    """INV-014: a batch whose rows all fail (unknown SKUs) is 200, success true, with
    failed equal to total."""
    location = fresh_location(records)
    rows = [row(location, unknown_identifier(run.prefix), 1) for _ in range(2)]
    reply = upsert(api, rows)
    expect(
        "INV-014",
        ok_200(reply) and counters(reply) == (2, 0, 0, 2),
        f"an all-failing batch {reply.said} with counters {counters(reply)}",
        reply,
    )


@pytest.mark.requirement("INV-015")
@pytest.mark.writes
def test_a_pair_repeated_in_one_batch_applies_in_order(api, records, skus, expect):
    """INV-015: a new pair sent twice in one batch is created by the first row, updated by
    the second (counters (2, 1, 1, 0)) and ends with the last quantity."""
    location = fresh_location(records)
    reply = upsert(api, [row(location, skus[0], 1), row(location, skus[0], 2)])
    shown, read = stock(api, location)
    expect(
        "INV-015",
        counters(reply) == (2, 1, 1, 0) and shown == [(location, skus[0], 2)],
        f"counters {counters(reply)}; GET shows {shown}",
        reply,
        read,
    )


@pytest.mark.requirement("INV-016")
@pytest.mark.writes
def test_documented_sources_are_accepted_and_source_may_be_omitted(api, records, skus, expect):
    """INV-016: each documented source, and no source at all, is accepted with a free-text
    notes, and the row is applied."""
    location = fresh_location(records)
    for quantity, source in enumerate((*SOURCES, None), start=1):
        top = {"notes": f"import {quantity}: free text"}
        if source is not None:
            top["source"] = source
        reply = upsert(api, [row(location, skus[0], quantity)], **top)
        shown, read = stock(api, location)
        expect(
            "INV-016",
            ok_200(reply) and shown == [(location, skus[0], quantity)],
            f"source {source or '(omitted)'} {reply.said}; GET shows {shown}",
            reply,
            read,
        )


@pytest.mark.requirement("INV-017")
@pytest.mark.writes
def test_unknown_source_is_400_and_applies_nothing(api, records, skus, expect):
    """INV-017: a source outside the documented four is 400 VALIDATION_ERROR for the whole
    request, and its valid row is not applied."""
    location = fresh_location(records)
    reply = upsert(api, [row(location, skus[0], 3)], source="spreadsheet")
    shown, read = stock(api, location)
    expect(
        "INV-017",
        is_error(reply, "VALIDATION_ERROR") and shown == [],
        f"source 'spreadsheet' {reply.said}; GET shows {shown}",
        reply,
        read,
    )


@pytest.mark.requirement("INV-018", "INV-019", "INV-020")
@pytest.mark.writes
def test_inventory_missing_empty_or_not_a_list_is_400(run, api, expect):
    """INV-018, INV-019, INV-020: a body without inventory, with an empty inventory list, or
    with inventory an object, a string or null is 400 VALIDATION_ERROR (rows name no record,
    so a conformant target writes nothing)."""
    stray = row(unknown_identifier(run.prefix), unknown_identifier(run.prefix), 1)
    bodies = [
        ("INV-018", "no inventory", {}),
        ("INV-018", "only a source", {"source": "bulk_import"}),
        ("INV-019", "inventory []", {"inventory": []}),
        ("INV-020", "inventory an object", {"inventory": stray}),
        ("INV-020", "inventory a string", {"inventory": "rows"}),
        ("INV-020", "inventory null", {"inventory": None}),
    ]
    for rule, name, body in bodies:
        reply = api.post(path_of("inventory"), json=body)
        expect(rule, is_error(reply, "VALIDATION_ERROR"), f"{name} {reply.said}", reply)


@pytest.mark.requirement("INV-021")
@pytest.mark.writes
def test_inactive_location_and_product_take_upserts(api, records, skus, expect):
    """INV-021: rows for an inactive location, and for an inactive product, are applied."""
    inactive_location = fresh_location(records)
    must(api.delete(path_of("locations", inactive_location)), SUCCESS, "deactivating a location")
    inactive_sku = records.product(is_active=False)["sku"]
    rows = [row(inactive_location, skus[0], 1), row(fresh_location(records), inactive_sku, 2)]
    reply = upsert(api, rows)
    expect(
        "INV-021",
        reply.status == 200 and counters(reply) == (2, 2, 0, 0),
        f"rows for an inactive location and an inactive product {reply.said} with counters "
        f"{counters(reply)} and errors {row_errors(reply)!r:.200}",
        reply,
    )


@pytest.mark.requirement("INV-022")
@pytest.mark.writes
def test_a_batch_of_1000_rows_is_accepted(api, records, skus, expect):
    """INV-022: a batch of 1,000 rows (three pairs, repeated) is accepted: 200 with total
    1,000 and no failed row (one request: --quick runs it too)."""
    location = fresh_location(records)
    rows = [row(location, skus[index % 3], index) for index in range(LARGE_BATCH)]
    reply = upsert(api, rows)
    total, _created, _updated, failed = counters(reply)
    expect(
        "INV-022",
        reply.status == 200 and (total, failed) == (LARGE_BATCH, 0),
        f"a {LARGE_BATCH}-row batch {reply.said} with counters {counters(reply)}",
        reply,
    )


# --- reads ---------------------------------------------------------------------------------


def listed_rows(api: ApiClient, location: str) -> tuple[list[dict[str, Any]], list[Reply]]:
    """Entries of GET /inventory/ at `location` and the pages read (at most LIST_PAGES
    pages of 200; the run's rows are among the newest)."""
    found: list[dict[str, Any]] = []
    read: list[Reply] = []
    for page in pages(api, "inventory", limit=200, max_pages=LIST_PAGES):
        read.append(must(page.reply, 200, "listing inventory"))
        found += [
            e for e in page.entries if isinstance(e, dict) and e.get("location_code") == location
        ]
        if len(found) >= 2:
            break
    return found, read


@pytest.mark.requirement("INV-023")
@pytest.mark.writes
def test_inventory_list_shows_the_written_rows(api, records, skus, expect):
    """INV-023: GET /inventory/ lists the rows just written, shaped {location_code,
    sku_code, quantity}, like every other entry it shows."""
    location = fresh_location(records)
    rows = [row(location, skus[0], 7), row(location, skus[1], 8)]
    must(upsert(api, rows), 200, "a bulk upsert")
    found, read = listed_rows(api, location)
    expect(
        "INV-023",
        as_rows(found) == as_rows(rows),
        f"the list shows {as_rows(found)} at {location}, expected {as_rows(rows)}",
        read[0],
    )
    for page in read:
        entries = page.data if isinstance(page.data, list) else []
        odd = [e for e in entries if not (isinstance(e, dict) and set(ROW_FIELDS) <= set(e))]
        expect("INV-023", not odd, f"{len(odd)} list entries lack {ROW_FIELDS}: {odd!r:.200}", page)


@pytest.mark.requirement("INV-024", "INV-025", "INV-026")
@pytest.mark.writes
def test_reads_by_location_and_by_sku_show_the_same_rows(api, records, expect):
    """INV-024, INV-025, INV-026: rows written at two locations for two products read back
    exactly by location (with and without ?by=location) and by SKU (?by=sku), the same
    rows from both sides, each {"success": true, "data": [{location_code, sku_code,
    quantity}]}."""
    first, second = fresh_location(records), fresh_location(records)
    one, two = records.product()["sku"], records.product()["sku"]
    rows = [row(first, one, 1), row(first, two, 2), row(second, one, 3)]
    must(upsert(api, rows), 200, "a bulk upsert")
    wanted = as_rows(rows)
    by_location: list[Row] = []
    for code in (first, second):
        expected = [entry for entry in wanted if entry[0] == code]
        for by in (None, "location"):
            reply = api.get(path_of("inventory", code), params={"by": by} if by else None)
            shown = as_rows(reply.data)
            expect(
                "INV-024",
                reply.status == 200 and shown == expected,
                f"{code} by={by or '(default)'} {reply.said} with {shown}, expected {expected}",
                reply,
            )
            check_read_shape(expect, reply)
        by_location += shown
    by_sku: list[Row] = []
    for sku in (one, two):
        reply = api.get(path_of("inventory", sku), params={"by": "sku"})
        shown, expected = as_rows(reply.data), [entry for entry in wanted if entry[1] == sku]
        expect(
            "INV-025",
            reply.status == 200 and shown == expected,
            f"{sku} by=sku {reply.said} with {shown}, expected {expected}",
            reply,
        )
        check_read_shape(expect, reply)
        by_sku += shown
    expect(
        "INV-025",
        sorted(by_location, key=repr) == sorted(by_sku, key=repr),
        f"by location {sorted(by_location, key=repr)}, by SKU {sorted(by_sku, key=repr)}",
    )


def check_read_shape(expect, reply: Reply) -> None:
    """INV-026 on a 200 read by identifier: the success envelope around a list of rows
    that each carry location_code, sku_code and quantity."""
    if reply.status != 200:
        return
    entries = reply.data
    shaped = (
        ok_200(reply)
        and isinstance(entries, list)
        and all(isinstance(e, dict) and set(ROW_FIELDS) <= set(e) for e in entries)
    )
    expect("INV-026", shaped, f"read body {reply.text[:200]!r}", reply)


@pytest.mark.requirement("INV-027")
@pytest.mark.parametrize("by", ["warehouse", "product"])
def test_a_by_other_than_location_or_sku_is_400(by, run, api, records, expect):
    """INV-027: GET /inventory/{code}/?by=<other> on a known location is 400
    VALIDATION_ERROR (read-only runs use a listed location)."""
    if run.read_only:
        code = listed_identifier(api, "locations", "")
        if code is None:
            pytest.skip("the target lists no location to read")
    else:
        code = fresh_location(records)
    reply = api.get(path_of("inventory", code), params={"by": by})
    expect("INV-027", is_error(reply, "VALIDATION_ERROR"), f"by={by} {reply.said}", reply)


@pytest.mark.requirement("INV-028")
@pytest.mark.writes
def test_known_location_or_sku_without_rows_reads_empty(api, records, expect):
    """INV-028: a location, and a product, that hold no inventory read as 200 with data []
    (by location and by SKU)."""
    reads = [
        ("a location without rows", fresh_location(records), None),
        ("a SKU without rows", records.product()["sku"], "sku"),
    ]
    for name, identifier, by in reads:
        reply = api.get(path_of("inventory", identifier), params={"by": by} if by else None)
        expect(
            "INV-028",
            ok_200(reply) and reply.data == [],
            f"{name} {reply.said} with data {reply.data!r:.100}",
            reply,
        )


@pytest.mark.requirement("INV-029")
def test_unknown_location_or_sku_reads_empty(run, api, expect):
    """INV-029: GET /inventory/{sku}/?by=sku of a SKU that does not exist, and ?by=location
    of a location that does not exist, are 200 with data [] ("An empty array means no
    matching records exist"; a 404 NOT_FOUND is a conformant choice, so SHOULD)."""
    for by in ("sku", "location"):
        reply = api.get(path_of("inventory", unknown_identifier(run.prefix)), params={"by": by})
        expect(
            "INV-029",
            ok_200(reply) and reply.data == [],
            f"an unknown identifier by={by} {reply.said} with data {reply.data!r:.100}",
            reply,
        )


@pytest.mark.requirement("INV-030")
@pytest.mark.writes
def test_reads_by_identifier_are_not_paginated(api, records, expect):
    """INV-030: a location holding more rows than a default page (55) reads back whole
    (--quick runs it too: without it nothing shows the read is not capped)."""
    location = fresh_location(records)
    rows = [row(location, records.product()["sku"], 1) for _ in range(UNPAGINATED_ROWS)]
    must(upsert(api, rows), 200, "a bulk upsert")
    shown, read = stock(api, location)
    expect(
        "INV-030",
        len(shown) == UNPAGINATED_ROWS,
        f"{UNPAGINATED_ROWS} rows written, the read shows {len(shown)}",
        read,
    )

"""Area ORD: orders. Create (201, pending, lines), line and order-number validation, unknown
SKUs, reads by the profile's order identifier, header-only PUT, and soft delete (cancel,
repeated cancel, shipped orders).

Every order is addressed by the profile's `order_identifier` (records.order_id).
"""

from __future__ import annotations

from typing import Any

import pytest

from dmcert.testkit import (
    LIST_FIELDS,
    SUCCESS,
    ApiClient,
    Records,
    ReferenceAdmin,
    Reply,
    aware_instant,
    lines_of,
    must,
    pages,
    path_of,
    stable,
    unknown_identifier,
    unlike,
)

LIST_PAGES = 5
"""How many pages of 200 a list walk reads, at most, looking for the run's own orders."""


def is_error(reply: Reply, code: str) -> bool:
    """400 with `code`; the code's casing is ERR-001's concern, not this area's."""
    return reply.status == 400 and reply.code == code


def lines_by_sku(order: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    """The order's lines keyed by their SKU code (the response's `sku.sku`)."""
    lines = order.get("items")
    if not isinstance(lines, list):
        return {}
    keyed = {}
    for line in lines:
        if isinstance(line, dict) and isinstance(line.get("sku"), dict):
            keyed[line["sku"].get("sku")] = line
    return keyed


def same_instant(sent: str, shown: Any) -> bool:
    """Whether `shown` is an ISO 8601 datetime denoting the instant `sent` denotes."""
    moment = aware_instant(shown)
    return moment is not None and moment == aware_instant(sent)


def another_instant(sent: str, shown: Any) -> bool:
    """Whether `shown` is a datetime with an offset denoting another instant than `sent`.
    How a response writes an order date is not documented (the spec infers it), so a date
    shown without an offset, or not shown, is ORD-035's (SHOULD) to judge, not a MUST's."""
    moment = aware_instant(shown)
    return moment is not None and moment != aware_instant(sent)


def create(api: ApiClient, records: Records, body: dict[str, Any]) -> Reply:
    """POST an order; whatever the target created is registered for cleanup."""
    reply = api.post(path_of("orders"), json=body)
    identifier = reply.record.get(records.order_identifier)
    if 200 <= reply.status < 300 and identifier:
        records.track("orders", str(identifier))
    return reply


def cancel(api: ApiClient, records: Records, order: dict[str, Any], **kwargs: Any) -> Reply:
    return api.delete(path_of("orders", records.order_id(order)), **kwargs)


def listed_orders(api: ApiClient, wanted: set[str]) -> tuple[dict[str, dict[str, Any]], Reply]:
    """List entries whose order_number is in `wanted`, walking at most LIST_PAGES pages;
    and the first page, as evidence."""
    found: dict[str, dict[str, Any]] = {}
    first = None
    for page in pages(api, "orders", limit=200, max_pages=LIST_PAGES):
        first = first or must(page.reply, 200, "listing orders")
        for entry in page.entries:
            if isinstance(entry, dict) and entry.get("order_number") in wanted:
                found[entry["order_number"]] = entry
        if wanted <= found.keys():
            break
    return found, first


@pytest.fixture(scope="module")
def sku(records: Records) -> str:
    return records.product()["sku"]


@pytest.fixture(scope="module")
def other_sku(records: Records) -> str:
    return records.product()["sku"]


# --- create --------------------------------------------------------------------------------


@pytest.mark.requirement("ORD-001", "ORD-002", "ORD-003", "ORD-004", "ORD-015")
@pytest.mark.writes
def test_create_is_201_with_the_full_pending_order(api, records, sku, other_sku, expect):
    """ORD-001, ORD-002, ORD-003, ORD-004, ORD-015: a valid create answers 201 with the whole
    order: status pending, order_number, external_order_id and customer_name as sent, id,
    created_at, and one line per item {id, sku: {sku}, quantity, verified_quantity 0,
    verification_status pending} carrying its notes."""
    items = [
        {"sku_code": sku, "quantity": 10, "notes": "fragile"},
        {"sku_code": other_sku, "quantity": 1},
    ]
    body = records.order_body(sku, customer_name="Acme Corporation", items=items)
    reply = create(api, records, body)
    order = reply.record
    expect(
        "ORD-001",
        reply.status == 201 and bool(order),
        f"create {reply.said} with data of type {type(reply.data).__name__}",
        reply,
    )
    if not order:
        return
    expect("ORD-002", order.get("status") == "pending", f"status {order.get('status')!r}", reply)
    echoed = [
        name
        for name in ("order_number", "external_order_id", "customer_name")
        if order.get(name) != body[name]
    ]
    missing = [name for name in ("id", "created_at") if not isinstance(order.get(name), str)]
    expect(
        "ORD-003",
        not echoed and not missing and isinstance(order.get("items"), list),
        f"fields not echoed: {echoed}; missing or not strings: {missing}; "
        f"items of type {type(order.get('items')).__name__}",
        reply,
    )
    lines = lines_by_sku(order)
    for item in items:
        line = lines.get(item["sku_code"], {})
        wanted = {
            "quantity": item["quantity"],
            "verified_quantity": 0,
            "verification_status": "pending",
        }
        wrong = {name: line.get(name) for name, value in wanted.items() if line.get(name) != value}
        well_formed = bool(line) and isinstance(line.get("id"), str) and not wrong
        expect(
            "ORD-004",
            well_formed and len(order.get("items") or []) == len(items),
            f"line for {item['sku_code']}: {'absent' if not line else wrong or 'no id'}"
            f" ({len(order.get('items') or [])} lines for {len(items)} items)",
            reply,
        )
    notes = lines.get(sku, {}).get("notes")
    expect("ORD-015", notes == "fragile", f"line notes sent 'fragile', returned {notes!r}", reply)


@pytest.mark.requirement("ORD-016")
@pytest.mark.writes
def test_get_by_the_order_identifier_returns_the_order_as_created(api, records, sku, expect):
    """ORD-016: GET /orders/{identifier}/, with the identifier field the profile names,
    returns the order in the shape and with the values the create returned (its documented
    and sent fields; created_at as the same instant, to the second: a create answer may
    carry more digits than the value stored)."""
    order = records.order(sku, customer_name="Reader", notes="read me")
    reply = api.read("orders", records.order_id(order))
    differing = unlike("orders", order, reply.record, ("customer_name", "notes"))
    expect(
        "ORD-016",
        reply.status == 200 and not differing,
        f"GET by {records.order_identifier} {reply.said}; fields unlike the create: {differing}",
        reply,
    )


@pytest.mark.requirement("ORD-005")
@pytest.mark.writes
def test_create_without_order_number_is_400_validation_error(api, records, sku, expect):
    """ORD-005: a create body without order_number is 400 VALIDATION_ERROR."""
    body = records.order_body(sku)
    del body["order_number"]
    reply = create(api, records, body)
    expect("ORD-005", is_error(reply, "VALIDATION_ERROR"), f"no order_number {reply.said}", reply)


@pytest.mark.requirement("ORD-006")
@pytest.mark.writes
def test_create_without_items_or_with_no_items_is_400_validation_error(api, records, sku, expect):
    """ORD-006: a create without items, or with an empty items list, is 400
    VALIDATION_ERROR."""
    without = records.order_body(sku)
    del without["items"]
    for name, body in (
        ("no items field", without),
        ("items []", records.order_body(sku, items=[])),
    ):
        reply = create(api, records, body)
        expect("ORD-006", is_error(reply, "VALIDATION_ERROR"), f"{name} {reply.said}", reply)


@pytest.mark.requirement("ORD-007")
@pytest.mark.writes
def test_line_without_sku_code_or_quantity_is_400_validation_error(api, records, sku, expect):
    """ORD-007: a line lacking sku_code, or lacking quantity, is 400 VALIDATION_ERROR."""
    for name, line in (("no sku_code", {"quantity": 1}), ("no quantity", {"sku_code": sku})):
        reply = create(api, records, records.order_body(sku, items=[line]))
        expect("ORD-007", is_error(reply, "VALIDATION_ERROR"), f"line {name} {reply.said}", reply)


@pytest.mark.requirement("ORD-008")
@pytest.mark.writes
@pytest.mark.parametrize("quantity", [0, -1])
def test_line_quantity_below_one_is_400_validation_error(quantity, api, records, sku, expect):
    """ORD-008: order line quantities have minimum 1: 0 and -1 are 400 VALIDATION_ERROR."""
    body = records.order_body(sku, items=[{"sku_code": sku, "quantity": quantity}])
    reply = create(api, records, body)
    expect(
        "ORD-008",
        is_error(reply, "VALIDATION_ERROR"),
        f"line quantity {quantity} {reply.said}",
        reply,
    )


@pytest.mark.requirement("ORD-009", "ORD-010")
@pytest.mark.writes
def test_unknown_sku_is_400_service_error_and_creates_nothing(run, api, records, sku, expect):
    """ORD-009, ORD-010: an order naming an unknown sku_code (alone, or beside a known one)
    is 400 SERVICE_ERROR naming the SKU, and no order exists afterwards."""
    for name, known in (("alone", []), ("beside a known SKU", [sku])):
        unknown = unknown_identifier(run.prefix)
        items = [{"sku_code": code, "quantity": 1} for code in (*known, unknown)]
        body = records.order_body(sku, items=items)
        reply = create(api, records, body)
        after = api.read("orders", records.order_id(body))
        expect(
            "ORD-009",
            is_error(reply, "SERVICE_ERROR") and after.status == 404,
            f"an unknown SKU {name} {reply.said}; GET of the order afterwards {after.said}",
            reply,
            after,
        )
        if is_error(reply, "SERVICE_ERROR"):
            expect(
                "ORD-010",
                unknown in reply.error_message,
                f"message {reply.error_message[:160]!r} does not name {unknown!r}",
                reply,
            )


@pytest.mark.requirement("ORD-011")
@pytest.mark.writes
def test_duplicate_order_number_is_400_validation_error(api, records, sku, expect):
    """ORD-011: a create reusing an existing order_number (with a new external_order_id) is
    400 VALIDATION_ERROR whose message contains "order_number already exists"."""
    first = records.order(sku)
    again = records.order_body(sku, order_number=first["order_number"])
    reply = create(api, records, again)
    expect(
        "ORD-011",
        is_error(reply, "VALIDATION_ERROR")
        and "order_number already exists" in reply.error_message,
        f"a duplicate order_number {reply.said}: {reply.error_message[:160]!r}",
        reply,
    )


@pytest.mark.requirement("ORD-012")
@pytest.mark.writes
def test_reused_external_order_id_is_400_when_it_addresses_orders(api, records, sku, expect):
    """ORD-012: when orders are addressed by external_order_id, a create reusing one, and a
    PUT moving another order onto it, are 400 VALIDATION_ERROR "external_order_id already
    exists"."""
    if records.order_identifier != "external_order_id":
        pytest.skip("the profile addresses orders by order_number")
    first, second = records.order(sku), records.order(sku)
    taken = {"external_order_id": first["external_order_id"]}
    created = api.post(path_of("orders"), json=records.order_body(sku, **taken))
    if 200 <= created.status < 300:
        records.track("orders", first["external_order_id"])
    moved = api.put(path_of("orders", records.order_id(second)), json=taken)
    if 200 <= moved.status < 300:
        records.track("orders", first["external_order_id"])
    for name, reply in (("a create", created), ("a PUT", moved)):
        expect(
            "ORD-012",
            is_error(reply, "VALIDATION_ERROR")
            and "external_order_id already exists" in reply.error_message,
            f"{name} reusing an external_order_id {reply.said}: {reply.error_message[:160]!r}",
            reply,
        )


@pytest.mark.requirement("ORD-013")
@pytest.mark.writes
def test_inactive_product_can_still_be_ordered(api, records, expect):
    """ORD-013: an order for an inactive product is created (201)."""
    inactive = records.product(is_active=False)["sku"]
    reply = create(api, records, records.order_body(inactive))
    expect("ORD-013", reply.status == 201, f"ordering an inactive SKU {reply.said}", reply)


@pytest.mark.requirement("ORD-014", "ORD-035")
@pytest.mark.writes
def test_order_and_due_dates_take_iso_8601_datetimes_only(api, records, sku, expect):
    """ORD-014: order_date and due_date accept ISO 8601 datetimes (Z or an offset: 201); a
    value that is not a datetime is 400 VALIDATION_ERROR. ORD-035: the created order returns
    both dates, denoting the instants sent (the 201 example shows neither field)."""
    dates = {"order_date": "2026-04-16T10:00:00Z", "due_date": "2026-04-20T17:30:00+02:00"}
    reply = create(api, records, records.order_body(sku, **dates))
    expect("ORD-014", reply.status == 201, f"ISO 8601 dates {reply.said}", reply)
    if reply.status == 201:
        shown = reply.record
        kept = all(same_instant(value, shown.get(name)) for name, value in dates.items())
        expect(
            "ORD-035",
            kept,
            f"sent {dates}; returned order_date {shown.get('order_date')!r}, "
            f"due_date {shown.get('due_date')!r}",
            reply,
        )
    for name, value in (("order_date", "next tuesday"), ("due_date", "2026-13-45T99:00:00Z")):
        reply = create(api, records, records.order_body(sku, **{name: value}))
        expect(
            "ORD-014", is_error(reply, "VALIDATION_ERROR"), f"{name}={value!r} {reply.said}", reply
        )


# --- list ----------------------------------------------------------------------------------


@pytest.mark.requirement("ORD-018", "ORD-019")
@pytest.mark.writes
def test_order_list_shows_entries_with_their_fields_including_cancelled(api, records, sku, expect):
    """ORD-018, ORD-019: the order list shows the run's orders with id, order_number,
    status, customer_name and created_at, a cancelled one included (as cancelled)."""
    open_order = records.order(sku, customer_name="Listed")
    cancelled = records.order(sku, customer_name="Listed and cancelled")
    must(cancel(api, records, cancelled), SUCCESS, "cancelling an order")
    wanted = {open_order["order_number"], cancelled["order_number"]}
    found, page = listed_orders(api, wanted)
    for order in (open_order, cancelled):
        entry = found.get(order["order_number"])
        if entry is None:
            continue
        absent = [name for name in LIST_FIELDS["orders"] if name not in entry]
        expect("ORD-018", not absent, f"list entry lacks {absent}", page)
    expect(
        "ORD-018",
        open_order["order_number"] in found,
        f"order {open_order['order_number']} not in the first {LIST_PAGES} pages of the list",
        page,
    )
    entry = found.get(cancelled["order_number"], {})
    expect(
        "ORD-019",
        entry.get("status") == "cancelled",
        f"cancelled order {cancelled['order_number']} "
        + ("not listed" if not entry else f"listed with status {entry.get('status')!r}"),
        page,
    )


# --- update --------------------------------------------------------------------------------


@pytest.mark.requirement("ORD-020", "ORD-021", "ORD-035")
@pytest.mark.writes
def test_put_is_200_with_the_updated_header_and_get_shows_it(api, records, sku, expect):
    """ORD-020, ORD-021: PUT of customer_name, customer_info, notes, due_date and metadata
    answers 200 with the updated order (the orders page states it), and GET shows the new
    values; due_date is judged only where it is shown with an offset (the docs give it as a
    request field only). ORD-035: the PUT answer and GET show due_date with an offset, the
    instant sent. No status is sent: the order state machine is not published (gap 23), so
    a status change is ORD-026's to judge."""
    order = records.order(
        sku, customer_name="Before", notes="before", due_date="2026-04-20T17:30:00Z"
    )
    changes = {
        "customer_name": "After",
        "customer_info": {"email": "buyer@example.com"},
        "notes": "after",
        "due_date": "2026-05-01T08:00:00Z",
        "metadata": {"channel": "edi"},
    }
    reply = api.put(path_of("orders", records.order_id(order)), json=changes)
    updated = reply.record
    expect(
        "ORD-020",
        reply.status == 200 and updated.get("order_number") == order["order_number"],
        f"PUT {reply.said} with order_number {updated.get('order_number')!r}",
        reply,
    )
    after = must(api.read("orders", records.order_id(order)), 200, "reading the order back")
    for source, shown in (("PUT response", updated), ("GET", after.record)):
        wrong = sorted(
            name
            for name, value in changes.items()
            if (
                another_instant(value, shown.get(name))
                if name == "due_date"
                else shown.get(name) != value
            )
        )
        expect("ORD-021", not wrong, f"{source} does not show the new {wrong}", reply, after)
        due = shown.get("due_date")
        expect(
            "ORD-035",
            same_instant(changes["due_date"], due),
            f"{source} shows due_date {due!r} for {changes['due_date']!r} sent",
            reply,
            after,
        )


@pytest.mark.requirement("ORD-022")
@pytest.mark.writes
def test_partial_put_keeps_the_fields_it_does_not_name(api, records, sku, expect):
    """ORD-022: a PUT naming only notes leaves customer_name, customer_info, metadata and
    status as they were."""
    order = records.order(
        sku, customer_name="Kept", customer_info={"tier": "gold"}, metadata={"k": "v"}
    )
    reply = must(
        api.put(path_of("orders", records.order_id(order)), json={"notes": "only this"}),
        200,
        "a PUT of notes",
    )
    after = must(api.read("orders", records.order_id(order)), 200, "reading the order back")
    kept = ("customer_name", "customer_info", "metadata", "status", "external_order_id")
    lost = sorted(name for name in kept if after.record.get(name) != order.get(name))
    expect("ORD-022", not lost, f"a PUT of notes changed {lost}", reply, after)


@pytest.mark.requirement("ORD-023", "ORD-024")
@pytest.mark.writes
def test_put_never_changes_lines_or_order_number(api, records, sku, other_sku, expect):
    """ORD-023: a PUT carrying items (beside notes) leaves the lines unchanged. ORD-024:
    that PUT, and one carrying order_number (in a request of its own, so that a target
    renaming the order, gap 21, cannot keep ORD-023 from being read back), are accepted
    (200), not rejected, and the order_number stays. The lines are compared GET with GET (a
    create answer may leave out a null line field that GET shows)."""
    order = records.order(sku)
    path = path_of("orders", records.order_id(order))
    before = must(api.read("orders", records.order_id(order)), 200, "reading the order")
    with_items = {"notes": "lines stay", "items": [{"sku_code": other_sku, "quantity": 9}]}
    reply = api.put(path, json=with_items)
    after = must(api.read("orders", records.order_id(order)), 200, "reading the order back")
    expect(
        "ORD-023",
        lines_of(after.record) == lines_of(before.record),
        f"lines before {before.record.get('items')!r}, after a PUT with items "
        f"{after.record.get('items')!r}",
        before,
        reply,
        after,
    )
    number = records.name("ord")
    renaming = api.put(path, json={"notes": "number stays", "order_number": number})
    final = api.read("orders", records.order_id(order))
    if records.order_identifier == "order_number" and final.status == 404:
        records.track("orders", number)  # renamed: cancel it under its new number
    expect(
        "ORD-024",
        reply.status == 200
        and renaming.status == 200
        and final.status == 200
        and final.record.get("order_number") == order["order_number"],
        f"PUT with items {reply.said}; PUT with order_number {renaming.said}; GET then "
        f"{final.said} with order_number {final.record.get('order_number')!r}",
        reply,
        renaming,
        final,
    )


@pytest.mark.requirement("ORD-025")
@pytest.mark.writes
def test_put_accepts_external_order_id_and_order_date(api, records, sku, expect):
    """ORD-025: PUT changes external_order_id and order_date (the order is then addressed
    by the new value when external_order_id is its identifier; it is changed back after);
    order_date is judged where GET shows it with an offset (ORD-035 judges its form)."""
    order = records.order(sku, order_date="2026-03-01T09:00:00Z")
    changes = {"external_order_id": records.name("ext"), "order_date": "2026-04-01T09:00:00Z"}
    reply = api.put(path_of("orders", records.order_id(order)), json=changes)
    moved = {**order, **changes}
    after = api.read("orders", records.order_id(moved))
    shown = after.record
    expect(
        "ORD-025",
        reply.status == 200
        and shown.get("external_order_id") == changes["external_order_id"]
        and not another_instant(changes["order_date"], shown.get("order_date")),
        f"PUT {reply.said}; GET shows external_order_id {shown.get('external_order_id')!r}, "
        f"order_date {shown.get('order_date')!r}",
        reply,
        after,
    )
    if after.status == 200 and shown.get("external_order_id") != order["external_order_id"]:
        restore = {"external_order_id": order["external_order_id"]}
        must(
            api.put(path_of("orders", records.order_id(moved)), json=restore),
            200,
            "changing external_order_id back",
        )


@pytest.mark.requirement("ORD-026")
@pytest.mark.writes
def test_put_takes_any_non_empty_status(api, records, sku, expect):
    """ORD-026: PUT accepts a status the docs do not list (v1 may add statuses) and GET
    shows it; an empty status is 400 VALIDATION_ERROR."""
    order = records.order(sku)
    path = path_of("orders", records.order_id(order))
    reply = api.put(path, json={"status": "awaiting_pickup"})
    after = api.read("orders", records.order_id(order))
    expect(
        "ORD-026",
        reply.status == 200 and after.record.get("status") == "awaiting_pickup",
        f"status 'awaiting_pickup' {reply.said}; GET shows {after.record.get('status')!r}",
        reply,
        after,
    )
    reply = api.put(path, json={"status": ""})
    expect("ORD-026", is_error(reply, "VALIDATION_ERROR"), f"empty status {reply.said}", reply)


@pytest.mark.requirement("ORD-027")
@pytest.mark.writes
def test_put_on_a_cancelled_or_shipped_order_is_allowed(run, profile, api, records, sku, expect):
    """ORD-027: PUT on a cancelled order is 200; so is PUT on a shipped one (an order of
    the run shipped through the reference target's admin route, when the profile allows)."""
    cancelled = records.order(sku)
    must(cancel(api, records, cancelled), SUCCESS, "cancelling an order")
    subjects = [("cancelled", cancelled)]
    shipped = records.order(sku)
    admin = ReferenceAdmin.of(run.target, profile, run.redactor)
    if admin is not None and admin.ship(records.order_id(shipped)):
        subjects.append(("shipped", shipped))
    for state, order in subjects:
        reply = api.put(path_of("orders", records.order_id(order)), json={"notes": "late note"})
        kept = reply.record.get("status") == state
        expect(
            "ORD-027",
            reply.status == 200 and kept,
            f"PUT on a {state} order {reply.said} with status {reply.record.get('status')!r}",
            reply,
        )
    if len(subjects) == 2:  # un-ship the run's order, so the cleanup can cancel it
        api.put(path_of("orders", records.order_id(shipped)), json={"status": "pending"})


# --- cancel (soft delete) ------------------------------------------------------------------


@pytest.mark.requirement("ORD-029", "ENV-008")
@pytest.mark.writes
def test_delete_cancels_and_the_order_stays_readable(api, records, sku, expect):
    """ORD-029, ENV-008: DELETE succeeds and GET still returns the order with status
    cancelled; the DELETE answer is 200 with the cancelled order (the docs give no status
    or body for DELETE, so that part is ENV-008's reading)."""
    order = records.order(sku)
    reply = cancel(api, records, order)
    after = api.read("orders", records.order_id(order))
    expect(
        "ORD-029",
        reply.status in SUCCESS
        and after.status == 200
        and after.record.get("status") == "cancelled",
        f"DELETE {reply.said}; GET {after.said} with status {after.record.get('status')!r}",
        reply,
        after,
    )
    expect(
        "ENV-008",
        reply.status == 200 and reply.record.get("status") == "cancelled",
        f"DELETE {reply.said} with status {reply.record.get('status')!r}",
        reply,
    )


@pytest.mark.requirement("ORD-030", "ORD-031")
@pytest.mark.writes
def test_delete_cancels_with_or_without_a_reason(api, records, sku, expect):
    """ORD-030, ORD-031: DELETE without a body and DELETE with {"reason": ...} both cancel;
    the reason is returned, and read back, as cancel_reason."""
    reason = "customer changed their mind"
    for body in (..., {"reason": reason}):
        order = records.order(sku)
        reply = cancel(api, records, order, json=body)
        after = api.read("orders", records.order_id(order))
        form = "without a body" if body is ... else "with a reason"
        expect(
            "ORD-030",
            reply.status in SUCCESS and after.record.get("status") == "cancelled",
            f"DELETE {form} {reply.said}; GET shows status {after.record.get('status')!r}",
            reply,
            after,
        )
        if body is not ...:
            stored = [reply.record.get("cancel_reason"), after.record.get("cancel_reason")]
            expect(
                "ORD-031",
                stored == [reason, reason],
                f"cancel_reason in the DELETE response and GET: {stored}",
                reply,
                after,
            )


@pytest.mark.requirement("ORD-033")
@pytest.mark.writes
def test_cancelling_a_shipped_order_is_400_service_error(profile, api, expect):
    """ORD-033: DELETE of the profile's shipped order is 400 SERVICE_ERROR (not a 5xx, not a
    cancel) and the order stays shipped."""
    if not profile.shipped_order:
        pytest.skip("the target profile names no shipped_order")
    path = path_of("orders", profile.shipped_order)
    reply = api.delete(path, json={"reason": "must be refused"})
    after = api.get(path)
    expect(
        "ORD-033",
        is_error(reply, "SERVICE_ERROR") and after.record.get("status") == "shipped",
        f"cancelling the shipped order {reply.said}; GET {after.said} with status "
        f"{after.record.get('status')!r}",
        reply,
        after,
    )


@pytest.mark.requirement("ORD-034")
@pytest.mark.writes
def test_cancelling_a_cancelled_order_is_200_with_the_unchanged_order(api, records, sku, expect):
    """ORD-034: a second DELETE of a cancelled order (with another reason) is 200 with the
    order as the first DELETE left it."""
    order = records.order(sku)
    first = must(cancel(api, records, order, json={"reason": "first"}), SUCCESS, "cancelling")
    again = cancel(api, records, order, json={"reason": "second"})
    changed = sorted(
        name
        for name, value in stable(first.record).items()
        if stable(again.record).get(name) != value
    )
    expect(
        "ORD-034",
        again.status == 200 and not changed,
        f"a second DELETE {again.said}; fields unlike after the first: {changed}",
        first,
        again,
    )

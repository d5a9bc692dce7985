"""Area CONC: the documented rules hold when clients race.

Each test releases a burst of concurrent requests (each over its own connection, all
released together; at most 16, 8 with --quick) at one key or record, then checks the
outcome against one rule: a natural key stays unique, a bulk upsert keeps one row per pair
and counts truthfully, a PUT applies whole, a cancel neither undoes an update nor cancels a
shipped order, a retry overlapping its original leaves one record. Every failure carries
the whole burst, each request with its answer and its start and end time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from dmcert.testkit import (
    MAX_BURST,
    SUCCESS,
    ApiClient,
    Burst,
    Records,
    Reply,
    Send,
    fire,
    must,
    path_of,
    search,
)

QUICK_BURST = 8
"""The top of the rate-limits page's recommended 4-8 concurrent workers per key."""
RETRY_GAP = 0.003
"""Seconds between the original create and each retry: the retries leave while the
original is still in flight."""
ALREADY_EXISTS = ("order_number already exists", "external_order_id already exists")
"""A racing or retried order create repeats both its order_number and its external_order_id;
the documented duplicate answer may name either (decisions: Orders)."""


@pytest.fixture
def size(run) -> int:
    return QUICK_BURST if run.quick else MAX_BURST


@pytest.fixture(scope="module")
def sku(records: Records) -> str:
    return records.product()["sku"]


def record_of(reply: Reply) -> dict[str, Any]:
    return reply.data if isinstance(reply.data, dict) else {}


def code_of(reply: Reply) -> str:
    """The error code; its casing is ERR-001's concern, not this area's."""
    return (reply.error_code or "").upper()


def tally(burst: Burst) -> str:
    """`1x 201, 15x 409 DUPLICATE`: what the burst was answered, most frequent first."""
    answers = Counter(
        shot.reply.said.removeprefix("answered ") if shot.reply else f"no answer ({shot.error})"
        for shot in burst.shots
    )
    return ", ".join(f"{count}x {answer}" for answer, count in answers.most_common())


# --- racing creates of one natural key -----------------------------------------------------


@dataclass(frozen=True)
class Create:
    """A create of one natural key: its body, how the record is addressed, and the
    documented answer to a duplicate."""

    collection: str
    body: dict[str, Any]
    identifier: str
    key: str

    def is_duplicate_answer(self, reply: Reply) -> bool:
        if self.collection == "orders":
            return (
                reply.status == 400
                and code_of(reply) == "VALIDATION_ERROR"
                and any(message in reply.error_message for message in ALREADY_EXISTS)
            )
        return reply.status == 409 and code_of(reply) == "DUPLICATE"


def create_of(collection: str, records: Records, sku: str) -> Create:
    if collection == "orders":
        body = records.order_body(sku, customer_name="Racing")
        return Create(collection, body, records.order_id(body), body["order_number"])
    if collection == "products":
        body = {"sku": records.name("sku"), "quantity": 3, "custom_fields": {"color": "blue"}}
        return Create(collection, body, body["sku"], body["sku"])
    body = {"code": records.name("loc"), "name": "Aisle A", "zone": "A", "aisle": "1"}
    return Create(collection, body, body["code"], body["code"])


def race_creates(
    api: ApiClient, records: Records, create: Create, sends: list[Send]
) -> tuple[Burst, list[Reply]]:
    """Fire the creates; the record is registered for cleanup if any was answered 201."""
    burst = fire(api, sends)
    created = [reply for reply in burst.replies if reply.status == 201]
    if created:
        records.track(create.collection, create.identifier)
    return burst, created


def expect_one_created(
    api: ApiClient,
    records: Records,
    expect,
    requirement: str,
    create: Create,
    size: int,
    what: str,
) -> None:
    """`size` identical creates released together: one 201, every other answer the
    documented duplicate answer, and afterwards exactly one record, the one the 201 returned."""
    sends = [Send("POST", path_of(create.collection), create.body)] * size
    burst, created = race_creates(api, records, create, sends)
    others = [reply for reply in burst.replies if reply.status != 201]
    expect(
        requirement,
        len(created) == 1 and not burst.lost and all(map(create.is_duplicate_answer, others)),
        f"{size} racing creates of {what} {create.key!r} answered {tally(burst)}",
        burst,
    )
    check_one_record(api, expect, requirement, create, burst, created)


def check_one_record(
    api: ApiClient, expect, requirement: str, create: Create, burst: Burst, created: list[Reply]
) -> None:
    """Exactly one record holds the key (the list shows it once) and it is the record every
    201 returned."""
    after = api.get(path_of(create.collection, create.identifier))
    listed = search(api, create.collection, {(create.key,)})
    count = sum(1 for key in listed.keys if key == (create.key,))
    ids = {record_of(reply).get("id") for reply in created}
    kept = record_of(after).get("id")
    expect(
        requirement,
        after.status == 200 and count == 1 and ids == {kept},
        f"afterwards GET {after.said} with id {kept!r}; the list shows {count} "
        f"{create.collection} with key {create.key!r}; the 201 answers returned ids "
        f"{sorted(map(str, ids))}",
        burst,
        after,
        *listed.evidence()[-1:],
    )


@pytest.mark.requirement("CONC-001")
@pytest.mark.writes
@pytest.mark.parametrize("collection", ["products", "locations"])
def test_racing_creates_of_one_sku_or_code_give_one_201_and_409_for_the_rest(
    collection, api, records, sku, size, expect
):
    """CONC-001: identical creates of one sku (one code) released together: exactly one
    201, every other answer 409 DUPLICATE, and afterwards exactly one record with that key,
    the one the 201 returned."""
    create = create_of(collection, records, sku)
    expect_one_created(api, records, expect, "CONC-001", create, size, f"{collection}")


@pytest.mark.requirement("CONC-002")
@pytest.mark.writes
def test_racing_creates_of_one_order_number_give_one_201_and_already_exists_for_the_rest(
    api, records, sku, size, expect
):
    """CONC-002: identical order creates released together: exactly one 201, every other
    answer 400 VALIDATION_ERROR "order_number already exists", and afterwards exactly one
    order with that order_number, the one the 201 returned."""
    create = create_of("orders", records, sku)
    expect_one_created(api, records, expect, "CONC-002", create, size, "order_number")


@pytest.mark.requirement("CONC-008")
@pytest.mark.writes
@pytest.mark.parametrize("collection", ["orders", "products", "locations"])
def test_a_create_retried_while_in_flight_leaves_one_record_and_reads_as_created(
    collection, api, records, sku, size, expect
):
    """CONC-008: a create followed, every few milliseconds while it is in flight, by
    identical retries (the idempotency page's advice on a timeout): every answer is 201 or
    the documented duplicate answer (which tells the client its create landed), and
    afterwards exactly one record exists, the one every 201 returned."""
    create = create_of(collection, records, sku)
    sends = [
        Send("POST", path_of(collection), create.body, delay=attempt * RETRY_GAP)
        for attempt in range(size)
    ]
    burst, created = race_creates(api, records, create, sends)
    concluded = [
        reply for reply in burst.replies if reply.status == 201 or create.is_duplicate_answer(reply)
    ]
    expect(
        "CONC-008",
        created and len(concluded) == size,
        f"a {collection} create and {size - 1} overlapping retries answered {tally(burst)}",
        burst,
    )
    check_one_record(api, expect, "CONC-008", create, burst, created)


# --- racing bulk upserts of the same pairs -------------------------------------------------


@dataclass(frozen=True)
class BulkRace:
    """Concurrent bulk upserts over the same pairs, some of which existed before."""

    pairs: list[tuple[str, str]]
    new_pairs: list[tuple[str, str]]
    sent: dict[tuple[str, str], set[int]]
    burst: Burst
    rows: dict[tuple[str, str], list[Any]]
    reads: list[Reply]


@pytest.fixture(scope="module")
def bulk_race(run, api: ApiClient, records: Records) -> BulkRace:
    """Two locations x three SKUs; the first three pairs upserted beforehand. Batch i sends
    every pair, in its own order, with quantities of its own (100 i + the pair's position),
    then each location's rows are read."""
    size = QUICK_BURST if run.quick else MAX_BURST
    codes = [records.location()["code"] for _ in range(2)]
    skus = [records.product()["sku"] for _ in range(3)]
    pairs = [(code, sku) for code in codes for sku in skus]
    before = [{"location_code": c, "sku_code": s, "quantity": 0} for c, s in pairs[:3]]
    must(api.post(path_of("inventory"), json={"inventory": before}), 200, "a bulk upsert")

    def batch(racer: int) -> dict[str, Any]:
        order = pairs if racer % 2 else pairs[::-1]
        rows = [
            {"location_code": c, "sku_code": s, "quantity": 100 * racer + pairs.index((c, s))}
            for c, s in order
        ]
        return {"inventory": rows, "source": "erp_sync"}

    sends = [Send("POST", path_of("inventory"), batch(racer)) for racer in range(size)]
    sent: dict[tuple[str, str], set[int]] = {pair: set() for pair in pairs}
    for send in sends:
        for row in send.json["inventory"]:
            sent[(row["location_code"], row["sku_code"])].add(row["quantity"])
    burst = fire(api, sends)
    reads = [must(api.get(path_of("inventory", code)), 200, "reading rows") for code in codes]
    rows: dict[tuple[str, str], list[Any]] = {pair: [] for pair in pairs}
    for read in reads:
        for row in read.data if isinstance(read.data, list) else []:
            pair = (row.get("location_code"), row.get("sku_code"))
            if pair in rows:
                rows[pair].append(row.get("quantity"))
    return BulkRace(pairs, pairs[3:], sent, burst, rows, reads)


@pytest.mark.requirement("CONC-003")
@pytest.mark.writes
def test_racing_bulk_upserts_leave_one_row_per_pair_with_a_quantity_sent(bulk_race, expect):
    """CONC-003: after concurrent bulk upserts over the same six pairs (three new), each
    pair holds exactly one row and its quantity is one an upsert sent for that pair."""
    wrong = {
        f"{code}/{sku}": quantities
        for (code, sku), quantities in bulk_race.rows.items()
        if len(quantities) != 1 or quantities[0] not in bulk_race.sent[(code, sku)]
    }
    expect(
        "CONC-003",
        not wrong,
        f"{len(bulk_race.burst.shots)} racing upserts ({tally(bulk_race.burst)}) left pairs "
        f"without exactly one row of a quantity sent (pair: quantities of its rows): {wrong}",
        bulk_race.burst,
        *bulk_race.reads,
    )


@pytest.mark.requirement("CONC-004")
@pytest.mark.writes
def test_racing_bulk_upserts_count_each_new_pair_created_once(bulk_race, expect):
    """CONC-004: in each answer of the race created + updated + failed = total (= the six
    rows sent), and the created counters of all answers add up to the three new pairs."""
    counters = [
        tuple(record_of(reply).get(name) for name in ("total", "created", "updated", "failed"))
        for reply in bulk_race.burst.replies
    ]
    total = len(bulk_race.pairs)
    consistent = all(
        all(isinstance(n, int) for n in counted)
        and counted[0] == total
        and sum(counted[1:]) == total
        for counted in counters
    )
    created = sum(c[1] for c in counters if isinstance(c[1], int))
    expect(
        "CONC-004",
        not bulk_race.burst.lost
        and all(reply.status == 200 for reply in bulk_race.burst.replies)
        and consistent
        and created == len(bulk_race.new_pairs),
        f"(total, created, updated, failed) per answer: {counters}; created sums to {created} "
        f"for {len(bulk_race.new_pairs)} new pairs",
        bulk_race.burst,
    )


# --- racing updates of one record ----------------------------------------------------------


def put_bodies(collection: str, size: int) -> list[dict[str, Any]]:
    """One body per racer; every body sets the same documented fields, to values of its own."""
    if collection == "products":
        return [{"quantity": n, "custom_fields": {"racer": f"r{n}"}} for n in range(size)]
    if collection == "locations":
        return [
            {"name": f"Racer {n}", "zone": f"Z{n}", "aisle": str(n), "metadata": {"racer": n}}
            for n in range(size)
        ]
    return [
        {
            "customer_name": f"Racer {n}",
            "notes": f"note {n}",
            "customer_info": {"phone": f"555-01{n:02d}"},
            "metadata": {"racer": n},
        }
        for n in range(size)
    ]


def subject_of(collection: str, records: Records, sku: str) -> str:
    if collection == "products":
        return records.product()["sku"]
    if collection == "locations":
        return records.location()["code"]
    return records.order_id(records.order(sku))


@pytest.mark.requirement("CONC-005")
@pytest.mark.writes
@pytest.mark.parametrize("collection", ["products", "locations", "orders"])
def test_racing_puts_leave_the_record_equal_to_one_body_sent(
    collection, api, records, sku, size, expect
):
    """CONC-005: PUTs of one record released together, each body setting the same fields
    to values of its own: afterwards the record equals one of the bodies, field for field."""
    path = path_of(collection, subject_of(collection, records, sku))
    bodies = put_bodies(collection, size)
    burst = fire(api, [Send("PUT", path, body) for body in bodies])
    after = must(api.get(path), 200, "reading the record back")
    shown = {field: record_of(after).get(field) for field in bodies[0]}
    matching = [n for n, body in enumerate(bodies) if shown == body]
    expect(
        "CONC-005",
        len(matching) == 1,
        f"{size} racing PUTs ({tally(burst)}) left {shown}, which is none of the bodies sent",
        burst,
        after,
    )


# --- racing cancels and updates of one order -----------------------------------------------


UPDATE_FIELDS = ("customer_name", "notes", "customer_info", "metadata")
"""Documented order header fields an update racing a cancel sets, one per update in turn."""
UPDATE_LAG = 0.01
"""Seconds the updates leave after the cancels: sent while the cancels are in flight."""


def racing_update(n: int) -> dict[str, Any]:
    field = UPDATE_FIELDS[n % len(UPDATE_FIELDS)]
    values = {
        "customer_name": f"Racer {n}",
        "notes": f"update {n}",
        "customer_info": {"phone": f"555-01{n:02d}"},
        "metadata": {"racer": n},
    }
    return {field: values[field]}


@pytest.mark.requirement("CONC-006")
@pytest.mark.writes
def test_racing_cancels_and_updates_keep_both_the_cancel_and_every_update(
    api, records, sku, size, expect
):
    """CONC-006: DELETEs of one order, and a few ms later (while they are in flight) PUTs
    each setting one header field (not status) to a value of its own. In any one-after-
    another order of them the order ends cancelled with every field as an update answered
    200 set it; so it must end that way here, and the list must show it as GET does."""
    order = records.order(sku)
    path = path_of("orders", records.order_id(order))
    cancels = [Send("DELETE", path, {"reason": f"cancel {n}"}) for n in range(size // 2)]
    updates = [
        Send("PUT", path, racing_update(n), delay=UPDATE_LAG) for n in range(size - len(cancels))
    ]
    burst = fire(api, cancels + updates)
    after = must(api.get(path), 200, "reading the order back")
    shown = record_of(after)
    sent: dict[str, list[Any]] = {}
    for shot in burst.answered("PUT"):
        if shot.status == 200:
            for field, value in shot.send.json.items():
                sent.setdefault(field, []).append(value)
    lost = {
        field: shown.get(field) for field, values in sent.items() if shown.get(field) not in values
    }
    cancelled = any(shot.status in SUCCESS for shot in burst.answered("DELETE"))
    expect(
        "CONC-006",
        not burst.lost
        and all(reply.status < 500 for reply in burst.replies)
        and cancelled
        and shown.get("status") == "cancelled"
        and not lost,
        f"{size} racing cancels and updates ({tally(burst)}) left status "
        f"{shown.get('status')!r}; fields not as an update answered 200 set them: {lost}",
        burst,
        after,
    )
    listed = search(api, "orders", {(order["order_number"],)})
    entries = [e for e in listed.entries if e.get("order_number") == order["order_number"]]
    fields = ("status", "cancel_reason", *UPDATE_FIELDS)
    # a list entry may be a summary (ORD-018 documents status, not the other fields)
    seen = [{field: entry[field] for field in fields if field in entry} for entry in entries]
    expect(
        "CONC-006",
        len(seen) == 1
        and "status" in seen[0]
        and seen[0] == {field: shown.get(field) for field in seen[0]},
        f"GET shows { ({field: shown.get(field) for field in fields}) }, the list {seen}",
        after,
        *listed.evidence()[-1:],
    )


@pytest.mark.requirement("CONC-007")
@pytest.mark.writes
def test_racing_cancels_of_a_shipped_order_are_all_refused(profile, api, size, expect):
    """CONC-007: DELETEs of the profile's shipped order released together: every one is
    400 SERVICE_ERROR and the order stays shipped."""
    if not profile.shipped_order:
        pytest.skip("the target profile names no shipped_order")
    path = path_of("orders", profile.shipped_order)
    sends = [Send("DELETE", path, {"reason": f"must be refused {n}"}) for n in range(size)]
    burst = fire(api, sends)
    after = api.get(path)
    refused = [r for r in burst.replies if r.status == 400 and code_of(r) == "SERVICE_ERROR"]
    expect(
        "CONC-007",
        len(refused) == size and record_of(after).get("status") == "shipped",
        f"{size} racing cancels of the shipped order answered {tally(burst)}; GET {after.said} "
        f"with status {record_of(after).get('status')!r}",
        burst,
        after,
    )

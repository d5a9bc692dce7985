"""Area PAG: cursor pagination of the four lists (orders, products, locations, inventory).

Walks, `limit` defaults and clamps, invalid cursors, end of list, inserts between pages.
The target may hold any amount of other data and other runs may write at the same time, so
the walks create the run's own records (inventory: rows upserted by POST /inventory/) and
check that *those* appear exactly once and in order, that no entry shows up twice, and stop
one page after the last of them was seen (dmcert.testkit's walk explains why that suffices). Only
the end-of-list check walks a whole list, with limit=200 and a page cap; a list longer than
the cap leaves that check not exercised.
"""

from __future__ import annotations

import base64
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest

from dmcert.testkit import (
    ApiClient,
    Expect,
    NaturalKey,
    Page,
    PreconditionFailed,
    Records,
    Reply,
    Walk,
    aware_instant,
    must,
    natural_key,
    pages,
    path_of,
    walk,
)

COLLECTIONS = ("orders", "products", "locations", "inventory")
RECORDS, QUICK_RECORDS = 6, 4
"""How many records of its own a walk looks for."""
WALK_LIMIT = 2
WALK_PAGES = 60
"""Page cap of a walk looking for the run's records (they sit in the first few pages)."""
END_LIMIT, END_PAGES = 200, 10
"""The end-of-list walk reads at most 2,000 entries."""
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
SHOWN = 4
"""How many offending keys a message lists."""


def judge_refused_cursor(
    expect: Expect, rule: str, reply: Reply, said: str, *evidence: Reply
) -> None:
    """`rule`: the cursor is refused with 400 VALIDATION_ERROR (documented status and code);
    PAG-019: the message of such a refusal begins "Invalid cursor" (the page's example
    message: messages are not part of the stable contract, so SHOULD)."""
    refused = reply.status == 400 and reply.code == "VALIDATION_ERROR"
    said = f"{said} {reply.said} {reply.error_message!r}"
    expect(rule, refused, said, *evidence, reply)
    if refused:
        expect("PAG-019", reply.error_message.startswith("Invalid cursor"), said, reply)


def shown(keys: list[Any]) -> str:
    more = f" and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
    return ", ".join("/".join(map(str, key)) for key in keys[:SHOWN]) + more


class Mine:
    """The run's own records of each list, created on first use, as natural keys in
    creation order."""

    def __init__(self, api: ApiClient, records: Records, count: int) -> None:
        self.api = api
        self.records = records
        self.count = count
        self._made: dict[str, list[NaturalKey]] = {}
        self._sku: str | None = None

    def __call__(self, collection: str) -> list[NaturalKey]:
        if collection not in self._made:
            self._made[collection] = self.make(collection, self.count)
        return self._made[collection]

    def make(self, collection: str, count: int) -> list[NaturalKey]:
        """`count` new records of `collection`, oldest first."""
        if collection == "products":
            return [(self.records.product()["sku"],) for _ in range(count)]
        if collection == "locations":
            return [(self.records.location()["code"],) for _ in range(count)]
        if collection == "orders":
            if self._sku is None:
                self._sku = self.records.product()["sku"]
            bodies = [self.records.order_body(self._sku) for _ in range(count)]
            for body in bodies:
                self.records.order(self._sku, **body)
            return [(body["order_number"],) for body in bodies]
        return self._rows(count)

    def _rows(self, count: int) -> list[NaturalKey]:
        """`count` inventory rows: one new location holding `count` new products."""
        code = self.records.location()["code"]
        keys = [(code, self.records.product()["sku"]) for _ in range(count)]
        rows = [{"location_code": loc, "sku_code": sku, "quantity": 1} for loc, sku in keys]
        reply = must(self.api.post(path_of("inventory"), json={"inventory": rows}), 200, "upsert")
        if not isinstance(reply.data, dict) or reply.data.get("failed") != 0:
            raise PreconditionFailed(f"an inventory upsert failed rows: {reply.exchange.summary()}")
        return keys


@pytest.fixture(scope="module")
def mine(run, api: ApiClient, records: Records) -> Mine:
    return Mine(api, records, QUICK_RECORDS if run.quick else RECORDS)


@pytest.fixture
def real_cursor(run, api: ApiClient, mine: Mine) -> Callable[[str], tuple[str, Reply]]:
    """real_cursor(collection): a next_cursor the target issued (first page, limit=1).
    Creates records first unless the run is read-only; skips if the list has < 2 records."""

    def fetch(collection: str) -> tuple[str, Reply]:
        if not run.read_only:
            mine(collection)
        reply = must(api.get(path_of(collection), params={"limit": "1"}), 200, "a first page")
        cursor = Page(reply, None).next_cursor
        if cursor is None:
            pytest.skip(f"the {collection} list offers no next_cursor (fewer than 2 records)")
        return cursor, reply

    return fetch


def instant(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (naive taken as UTC), else None."""
    return aware_instant(value, naive_in=UTC)


def shows_microseconds(value: Any) -> bool:
    """Whether an ISO 8601 timestamp string shows at least six fractional digits
    (10:00:00.123456Z): nothing finer is then left unseen for a target to sort on."""
    return isinstance(value, str) and re.search(r"T\d{2}:?\d{2}:?\d{2}[.,]\d{6}", value) is not None


def out_of_order(collection: str, entries: list[Any]) -> list[str]:
    """Neighbours (among entries with a created_at) not newest first by (created_at, id).
    Two created_at that read the same are ordered by id only when both show microseconds:
    the docs' own timestamps show whole seconds, so a target may sort on a finer value than
    it shows (whole seconds, or Node's milliseconds of a microsecond column), and records
    made within the unshown part then tie in no visible order."""
    ranked = [
        (instant(entry.get("created_at")), ident.lower() if isinstance(ident, str) else "", entry)
        for entry in entries
        if isinstance(entry, dict) and instant(entry.get("created_at")) is not None
        for ident in (entry.get("id"),)
    ]
    wrong = []
    for (created, ident, entry), (next_created, next_ident, follower) in pairwise(ranked):
        visible = shows_microseconds(entry.get("created_at")) and shows_microseconds(
            follower.get("created_at")
        )
        tie_wrong = (
            created == next_created and visible and ident and next_ident and ident < next_ident
        )
        if created < next_created or tie_wrong:
            first, second = natural_key(collection, entry), natural_key(collection, follower)
            wrong.append(
                f"{shown([second])} ({follower.get('created_at')}) listed after "
                f"{shown([first])} ({entry.get('created_at')})"
            )
    return wrong


def once_each(walked: Walk, wanted: list[NaturalKey]) -> tuple[bool, str]:
    """Whether each wanted key appears exactly once and no key twice, and what was seen."""
    counts = Counter(walked.keys)
    missing = [key for key in wanted if counts[key] == 0]
    repeated = [key for key, seen in counts.items() if seen > 1 and key is not None]
    problems = []
    if missing:
        problems.append(f"never listed: {shown(missing)}")
    if repeated:
        problems.append(f"listed more than once: {shown(repeated)}")
    why = walk_end(walked)
    summary = "; ".join(problems) or f"each of the {len(wanted)} records listed once"
    return not problems, f"{summary} ({len(walked.pages)} pages read, {why})"


def walk_end(walked: Walk) -> str:
    if walked.refused is not None:
        return f"a page {walked.refused.reply.said}"
    if walked.capped:
        return f"stopped at the {walked.max_pages}-page cap"
    return "walk ended with next_cursor null" if walked.at_end else "all found, one more page read"


def check_pages(expect, walked: Walk, limit: int) -> None:
    """PAG-001, PAG-002 and PAG-005 on every page of a walk."""
    for page in walked.pages:
        if page.cursor is not None:
            expect(
                "PAG-001",
                page.ok,
                f"following next_cursor with limit={limit} {page.reply.said}",
                page.reply,
            )
        if not page.ok:
            continue
        pagination = page.pagination
        well_formed = (
            isinstance(pagination, dict)
            and type(pagination.get("limit")) is int
            and "next_cursor" in pagination
            and (pagination["next_cursor"] is None or isinstance(pagination["next_cursor"], str))
        )
        expect("PAG-002", well_formed, f"pagination is {pagination!r}", page.reply)
        if well_formed:
            expect(
                "PAG-005",
                pagination["limit"] == limit and len(page.entries) <= limit,
                f"limit={limit}: {len(page.entries)} entries, pagination.limit "
                f"{pagination['limit']}",
                page.reply,
            )


# --- walks -----------------------------------------------------------------------------------


@pytest.mark.requirement("PAG-001", "PAG-002", "PAG-005", "PAG-010", "PAG-011")
@pytest.mark.writes
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_walk_lists_each_record_once_newest_first(collection, api, mine, expect):
    """PAG-001, PAG-002, PAG-005, PAG-010, PAG-011: following next_cursor with limit=2 from
    the first page lists each of the run's records exactly once and no entry twice, newest
    first by (created_at, id), every page with a well-formed pagination object."""
    wanted = mine(collection)
    walked = walk(api, collection, limit=WALK_LIMIT, max_pages=WALK_PAGES, wanted=wanted)
    check_pages(expect, walked, WALK_LIMIT)
    held, message = once_each(walked, wanted)
    expect("PAG-010", held, message, *walked.evidence())
    wrong = out_of_order(collection, walked.entries)
    expect(
        "PAG-011",
        not wrong,
        "; ".join(wrong[:SHOWN]) or "entries newest first by (created_at, id)",
        *walked.evidence(),
    )


@pytest.mark.requirement("PAG-012")
@pytest.mark.writes
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_inserts_between_pages_cause_no_skips_or_repeats(collection, api, mine, expect):
    """PAG-012: records created after the first page was read neither push the run's
    earlier records out of the walk nor make any entry appear twice."""
    wanted = mine(collection)
    walked = walk(
        api,
        collection,
        limit=WALK_LIMIT,
        max_pages=WALK_PAGES,
        wanted=wanted,
        after_first=lambda: mine.make(collection, 2),
    )
    held, message = once_each(walked, wanted)
    expect("PAG-012", held, f"with 2 records inserted after page 1: {message}", *walked.evidence())


@pytest.mark.requirement("PAG-001", "PAG-002", "PAG-003", "PAG-005", "PAG-009", "PAG-017")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_last_page_has_next_cursor_null(collection, api, expect):
    """PAG-001, PAG-002, PAG-003, PAG-005, PAG-009, PAG-017: a whole list walked with
    limit=200 (reads only, so --read-only runs check pages too) has well-formed pages; only
    the last page of data ends the walk (a cursor to an empty page means the last page still
    had one), it carries pagination with next_cursor null, and the same last page asked for
    with a limit it fills exactly also says null. Lists over 2,000 entries leave this not
    exercised."""
    walked = Walk(
        collection, list(pages(api, collection, limit=END_LIMIT, max_pages=END_PAGES)), END_PAGES
    )
    if walked.refused is not None:
        raise PreconditionFailed(f"walking the list: {walked.refused.reply.exchange.summary()}")
    if walked.capped:
        pytest.skip(f"the {collection} list holds over {END_LIMIT * END_PAGES} entries")
    check_pages(expect, walked, END_LIMIT)
    last = walked.pages[-1]
    pagination = last.pagination
    expect(
        "PAG-003",
        isinstance(pagination, dict) and "next_cursor" in pagination,
        f"the last page carries pagination {pagination!r}",
        last.reply,
    )
    filled = [index for index, page in enumerate(walked.pages) if page.entries]
    final_at = filled[-1] if filled else 0
    final, trailing = walked.pages[final_at], walked.pages[final_at + 1 :]
    level = "PAG-017" if len(final.entries) == END_LIMIT else "PAG-009"
    expect(
        level,
        not trailing,
        f"the last page of data ({len(final.entries)} entries, limit {END_LIMIT}) carried a "
        f"next_cursor leading to {len(trailing)} empty page(s)"
        if trailing
        else f"the walk ended after {len(walked.pages)} page(s) with next_cursor null",
        final.reply,
        *[page.reply for page in trailing],
    )
    if final.entries:
        check_exactly_full_last_page(expect, api, collection, final)


def check_exactly_full_last_page(expect, api: ApiClient, collection: str, final: Page) -> None:
    """PAG-017: the last page asked for again with the limit it fills exactly. If the page
    came back different (another run wrote meanwhile), there is nothing to judge."""
    params = {"limit": str(len(final.entries))}
    if final.cursor is not None:
        params["cursor"] = final.cursor
    again = Page(api.get(path_of(collection), params=params), final.cursor)
    same = [natural_key(collection, e) for e in again.entries] == [
        natural_key(collection, e) for e in final.entries
    ]
    if again.ok and not same:
        return
    expect(
        "PAG-017",
        again.ok and again.next_cursor is None,
        f"the last page asked for with limit={len(final.entries)} (exactly full) "
        f"{again.reply.said} with pagination {again.pagination!r}",
        again.reply,
    )


@pytest.mark.requirement("PAG-018")
@pytest.mark.writes
def test_updated_inventory_row_keeps_its_place(api, mine, expect):
    """PAG-018: re-upserting one of the run's inventory rows with a new quantity leaves the
    order of the run's rows in the list (and the row's created_at) as it was."""
    wanted = mine("inventory")
    before = walk(api, "inventory", limit=MAX_LIMIT, max_pages=WALK_PAGES, wanted=wanted)
    order = [key for key in before.keys if key in wanted]
    if sorted(order) != sorted(wanted):
        raise PreconditionFailed(f"the run's inventory rows are not all listed ({len(order)})")
    oldest = order[-1]
    created = {natural_key("inventory", e): e.get("created_at") for e in before.entries}
    row = {"location_code": oldest[0], "sku_code": oldest[1], "quantity": 7}
    must(api.post(path_of("inventory"), json={"inventory": [row]}), 200, "re-upserting a row")
    after = walk(api, "inventory", limit=MAX_LIMIT, max_pages=WALK_PAGES, wanted=wanted)
    moved = [key for key in after.keys if key in wanted]
    restamped = {natural_key("inventory", e): e.get("created_at") for e in after.entries}
    expect(
        "PAG-018",
        moved == order and restamped.get(oldest) == created.get(oldest),
        f"after updating {shown([oldest])} the run's rows are listed as {shown(moved)} "
        f"(were {shown(order)}); its created_at {created.get(oldest)} -> "
        f"{restamped.get(oldest)}",
        *before.evidence()[-1:],
        *after.evidence(),
    )


# --- limit -----------------------------------------------------------------------------------


def limited(api: ApiClient, collection: str, limit: str | None) -> tuple[Reply, Any, int]:
    """A first page with `limit` (None: no limit parameter): reply, pagination, entries."""
    params = None if limit is None else {"limit": limit}
    page = Page(api.get(path_of(collection), params=params), None)
    pagination = page.pagination if isinstance(page.pagination, dict) else {}
    return page.reply, pagination.get("limit"), len(page.entries)


def check_limit(expect, requirement: str, api, collection: str, sent: str | None, want: int):
    reply, effective, count = limited(api, collection, sent)
    expect(
        requirement,
        reply.status == 200 and effective == want and count <= want,
        f"limit={sent!r} {reply.said} with pagination.limit {effective!r} and {count} entries "
        f"(expected {want})",
        reply,
    )


@pytest.mark.requirement("PAG-004")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_no_limit_means_pages_of_50(collection, api, expect):
    """PAG-004: without limit a page holds at most 50 entries and pagination.limit is 50."""
    check_limit(expect, "PAG-004", api, collection, None, DEFAULT_LIMIT)


@pytest.mark.requirement("PAG-005")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_limit_in_range_is_honoured(collection, api, expect):
    """PAG-005: limit=1 and limit=3 give pages of at most that many, pagination.limit equal."""
    for value in (1, 3):
        check_limit(expect, "PAG-005", api, collection, str(value), value)


@pytest.mark.requirement("PAG-006")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_limit_below_1_is_clamped_to_1(collection, api, expect):
    """PAG-006: limit=0 and limit=-1 are answered 200 with pagination.limit 1."""
    for value in ("0", "-1"):
        check_limit(expect, "PAG-006", api, collection, value, 1)


@pytest.mark.requirement("PAG-007")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_limit_above_200_is_clamped_to_200(collection, api, expect):
    """PAG-007: limit=201 and limit=10**9 are answered 200 with at most 200 entries and
    pagination.limit 200."""
    for value in (str(MAX_LIMIT + 1), str(10**9)):
        check_limit(expect, "PAG-007", api, collection, value, MAX_LIMIT)


@pytest.mark.requirement("PAG-008")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_non_integer_limit_counts_as_absent(collection, api, expect):
    """PAG-008: limit=abc, limit=1.5 and an empty limit are answered like no limit (50)."""
    for value in ("abc", "1.5", ""):
        check_limit(expect, "PAG-008", api, collection, value, DEFAULT_LIMIT)


# --- cursors ---------------------------------------------------------------------------------


def unpadded_b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


MALFORMED_CURSORS = ("not-a-cursor", "!!!~~~", unpadded_b64('{"not": "a cursor"}'))


def tampered(cursor: str, at: int) -> str:
    """`cursor` with the character at index `at` replaced by another base64url character
    (well inside the string: a final base64 character may carry ignored padding bits)."""
    current = cursor[at]
    replacement = "A" if current != "A" else "B"
    return cursor[:at] + replacement + cursor[at + 1 :]


@pytest.mark.requirement("PAG-013", "PAG-019")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_malformed_cursor_is_400_invalid_cursor(collection, api, expect):
    """PAG-013: a cursor the target never issued (garbage text, base64 of an unrelated
    object) is 400 VALIDATION_ERROR; PAG-019: its message begins "Invalid cursor"."""
    for cursor in MALFORMED_CURSORS:
        reply = api.get(path_of(collection), params={"cursor": cursor, "limit": "2"})
        judge_refused_cursor(expect, "PAG-013", reply, f"cursor {cursor!r}")


@pytest.mark.requirement("PAG-014", "PAG-019")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_tampered_cursor_is_400_invalid_cursor(collection, api, real_cursor, expect):
    """PAG-014: a real next_cursor with one character altered (at a quarter and at half of
    its length) is 400 VALIDATION_ERROR; PAG-019: its message begins "Invalid cursor"."""
    cursor, first = real_cursor(collection)
    if len(cursor) < 8:
        pytest.skip(f"the {collection} cursor is too short to alter inside ({len(cursor)})")
    for at in (len(cursor) // 4, len(cursor) // 2):
        reply = api.get(path_of(collection), params={"cursor": tampered(cursor, at), "limit": "1"})
        said = f"the next_cursor altered at character {at}"
        judge_refused_cursor(expect, "PAG-014", reply, said, first)


@pytest.mark.requirement("PAG-015", "PAG-019")
def test_cursor_from_another_list_is_400_invalid_cursor(api, real_cursor, expect):
    """PAG-015: a next_cursor of one list sent to another list is 400 VALIDATION_ERROR, for
    each list paired with the next one; PAG-019: its message begins "Invalid cursor"."""
    for origin, other in zip(COLLECTIONS, COLLECTIONS[1:] + COLLECTIONS[:1], strict=True):
        cursor, first = real_cursor(origin)
        reply = api.get(path_of(other), params={"cursor": cursor, "limit": "1"})
        said = f"a /{origin}/ cursor sent to /{other}/"
        judge_refused_cursor(expect, "PAG-015", reply, said, first)


@pytest.mark.requirement("PAG-016")
@pytest.mark.writes
def test_cursor_can_be_reused_with_another_limit(api, mine, expect):
    """PAG-016: the orders list (whose entries never leave it) asked twice with the same
    cursor, and once more with a larger limit, starts after the same order each time."""
    mine("orders")
    first = must(api.get(path_of("orders"), params={"limit": "2"}), 200, "a first page")
    cursor = Page(first, None).next_cursor
    if cursor is None:
        raise PreconditionFailed("the orders list gave no next_cursor with limit=2")
    answers = [
        Page(api.get(path_of("orders"), params={"cursor": cursor, "limit": limit}), cursor)
        for limit in ("2", "2", "3")
    ]
    keys = [[natural_key("orders", entry) for entry in page.entries] for page in answers]
    expect(
        "PAG-016",
        all(page.ok for page in answers) and bool(keys[0]) and keys[0] == keys[1] == keys[2][:2],
        f"the same cursor gave {[page.reply.said for page in answers]} with "
        f"{[shown(found) for found in keys]}",
        *[page.reply for page in answers],
    )

"""What the load users do: walk lists with cursors, write bulk inventory batches, look rows
up. Each is a small object an `ApiUser` holds, apart from the user class, so one locustfile
can combine several (mixed) while each keeps its own walk or write state. Each knows which
answer to expect and hands its body check (`checks`) to `ApiUser.call`.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any
from urllib.parse import quote

from dmcert.contract.partner_shape import PartnerShaper
from dmcert.load.locust import checks
from dmcert.load.locust.runtime import STATE
from dmcert.load.locust.user import ApiUser
from dmcert.load.workloads import LIST_PAGE_LIMIT

WALK_LISTS = ("locations", "products", "orders", "inventory")
BULK_SOURCE = "erp_sync"
SENT_PAIRS_KEPT = 20_000  # window of upserted pairs a bulk user picks its updates from


def encoded(identifier: str) -> str:
    return quote(identifier, safe="")


def shaper(resource: str) -> PartnerShaper:
    """How this process's key sends `resource` payloads: in its partner's shape when the key
    is mapped (the target maps them back), as they are for a pass-through key."""
    partner = STATE.partner
    return PartnerShaper(partner.active_mapping(resource) if partner else None)


class ListWalker:
    """Full cursor walks of each list in turn, one page per step; a record seen twice in one
    walk fails the page that repeated it."""

    def __init__(self, user: ApiUser) -> None:
        self.user = user
        self.list_index = user.user_id % len(WALK_LISTS)  # users start on different lists
        self._reset()

    def _reset(self) -> None:
        self.cursor: str | None = None
        self.seen: set[Any] = set()

    def step(self) -> None:
        collection = WALK_LISTS[self.list_index]
        path = f"/{collection}/?limit={LIST_PAGE_LIMIT}"
        if self.cursor:
            path += f"&cursor={encoded(self.cursor)}"
        new_ids: list[Any] = []

        def check(page: checks.ListPage) -> str | None:
            ids = [checks.record_identity(collection, entry) for entry in page.data]
            if len(set(ids)) != len(ids) or self.seen.intersection(ids):
                STATE.recording.count("walk duplicates")
                return "list walk: a record appeared twice in one walk"
            new_ids.extend(ids)
            return None

        page = self.user.call("GET", path, f"GET /{collection}/", check=check, page=LIST_PAGE_LIMIT)
        if page is None:  # failed page: abandon this walk, start the next list afresh
            self._next_list()
            return
        self.seen.update(new_ids)
        self.cursor = page.pagination.next_cursor
        if self.cursor is None:
            STATE.recording.count(f"walks {collection}")
            self._next_list()

    def _next_list(self) -> None:
        self.list_index = (self.list_index + 1) % len(WALK_LISTS)
        self._reset()


class BulkWriter:
    """POST /inventory/ batches of `batch_size` rows: half updates of pairs this user already
    wrote (when it has written that many), the rest creates of new pairs. Each user owns the
    locations it creates, so it knows exactly how many rows must be created and updated."""

    def __init__(self, user: ApiUser, batch_size: int) -> None:
        self.user = user
        self.batch_size = batch_size
        self.shaped = {resource: shaper(resource) for resource in ("inventory", "locations")}
        self.sent: deque[tuple[str, str]] = deque(maxlen=SENT_PAIRS_KEPT)
        self.fresh: deque[tuple[str, str]] = deque()
        self.locations_made = 0

    def step(self) -> None:
        updates = random.sample(list(self.sent), min(len(self.sent), self.batch_size // 2))
        creating = self.batch_size - len(updates)
        while len(self.fresh) < creating:
            if not self._new_location():
                return
        creates = [self.fresh.popleft() for _ in range(creating)]
        pairs = updates + creates
        random.shuffle(pairs)
        rows = [
            {"location_code": location, "sku_code": sku, "quantity": random.randrange(1000)}
            for location, sku in pairs
        ]
        body = self.user.call(
            "POST",
            "/inventory/",
            "POST /inventory/",
            json=self.shaped["inventory"]({"inventory": rows, "source": BULK_SOURCE}),
            check=lambda body: checks.bulk_summary_problem(
                body, total=len(rows), created=len(creates), updated=len(updates)
            ),
            rows=len(rows),
        )
        if body is not None:
            self.sent.extend(creates)
        # On failure the new pairs are in an unknown state: they are never reused.

    def _new_location(self) -> bool:
        plan = self.user.plan
        code = plan.fresh_location(self.user.worker_id, self.user.user_id, self.locations_made)
        self.locations_made += 1
        created = self.user.call(
            "POST",
            "/locations/",
            "POST /locations/",
            json=self.shaped["locations"]({"code": code, "name": "dmcert load"}),
            expect=201,
            scheduled=False,
        )
        if created is None:
            return False
        self.fresh.extend((code, plan.sku(index)) for index in range(plan.products))
        return True


class Lookups:
    """GET /inventory/{code}/ by location and by SKU over the rows of the data set."""

    def __init__(self, user: ApiUser) -> None:
        self.user = user
        self.plan = user.plan

    def by_location(self) -> None:
        code = self.plan.location(random.randrange(self.plan.locations))
        self.user.call(
            "GET",
            f"/inventory/{encoded(code)}/",
            "GET /inventory/{code}/",
            check=lambda body: checks.lookup_problem(
                body,
                field="location_code",
                identifier=code,
                at_least=self.plan.rows_per_location(),
            ),
        )

    def by_sku(self) -> None:
        sku = self.plan.sku(random.randrange(self.plan.skus_with_rows()))
        self.user.call(
            "GET",
            f"/inventory/{encoded(sku)}/?by=sku",
            "GET /inventory/{code}/?by=sku",
            check=lambda body: checks.lookup_problem(
                body, field="sku_code", identifier=sku, at_least=self.plan.locations
            ),
        )

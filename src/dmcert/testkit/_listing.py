"""Walking the paginated lists as a client following the docs does: `limit`, then each
`next_cursor` in turn, bounded in pages, every page kept as evidence.

Targets are shared (other runs write at the same time, lists may be huge), so a walk looking
for the run's own records stops once it has seen them all and read one page more: lists are
newest first and the run's records are recent, so anything of theirs still missing by then
was skipped, not merely further down. One page more also covers records that share a
created_at with a neighbour and are ordered by id across a page boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from dmcert.testkit._client import ApiClient, Reply, path_of

NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "orders": ("order_number",),
    "products": ("sku",),
    "locations": ("code",),
    "inventory": ("location_code", "sku_code"),
}
"""The fields that identify a list entry uniquely within its collection."""
LIST_FIELDS: dict[str, tuple[str, ...]] = {
    "orders": ("id", "order_number", "status", "customer_name", "created_at"),
    "products": ("id", "sku", "quantity", "is_active", "cost", "custom_fields"),
    "locations": ("code", "name", "zone", "aisle", "is_active"),
}
"""The fields the docs show in a list entry (ORD-018, PRD-020, LOC-016): an entry may be a
summary holding only these."""

NaturalKey = tuple[str, ...]


def natural_key(collection: str, entry: Any) -> NaturalKey | None:
    """The entry's natural key; None for an entry without one (not an object, or a key
    field that is not a non-empty string)."""
    values = (
        tuple(entry.get(name) for name in NATURAL_KEYS[collection])
        if isinstance(entry, dict)
        else ()
    )
    if not values or not all(isinstance(value, str) and value for value in values):
        return None
    return values


@dataclass(frozen=True)
class Page:
    """One answered list request and the cursor that asked for it (None: the first page)."""

    reply: Reply
    cursor: str | None

    @property
    def ok(self) -> bool:
        return self.reply.status == 200 and isinstance(self.reply.data, list)

    @property
    def entries(self) -> list[Any]:
        return self.reply.data if self.ok else []

    @property
    def pagination(self) -> Any:
        body = self.reply.body
        return body.get("pagination") if isinstance(body, dict) else None

    @property
    def next_cursor(self) -> str | None:
        """The cursor to follow; None when absent, null or not a non-empty string."""
        pagination = self.pagination
        value = pagination.get("next_cursor") if isinstance(pagination, dict) else None
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Walk:
    """The pages one walk read, in order."""

    collection: str
    pages: list[Page]
    max_pages: int

    @property
    def entries(self) -> list[Any]:
        return [entry for page in self.pages for entry in page.entries]

    @property
    def keys(self) -> list[NaturalKey | None]:
        return [natural_key(self.collection, entry) for entry in self.entries]

    @property
    def refused(self) -> Page | None:
        """The page that did not answer 200 with a list, which ended the walk, if any."""
        last = self.pages[-1]
        return None if last.ok else last

    @property
    def at_end(self) -> bool:
        """Whether the walk reached a page with no next_cursor."""
        last = self.pages[-1]
        return last.ok and last.next_cursor is None

    @property
    def capped(self) -> bool:
        """Whether the walk stopped at max_pages with more pages announced."""
        return len(self.pages) >= self.max_pages and self.pages[-1].next_cursor is not None

    def evidence(self) -> list[Reply]:
        return [page.reply for page in self.pages]


def pages(
    api: ApiClient, collection: str, *, limit: int, max_pages: int, cursor: str | None = None
) -> Iterator[Page]:
    """The pages of `collection` from `cursor` on, until next_cursor is null, a request is
    refused, or `max_pages` pages were read."""
    for _ in range(max_pages):
        params = {"limit": str(limit)}
        if cursor is not None:
            params["cursor"] = cursor
        page = Page(api.get(path_of(collection), params=params), cursor)
        yield page
        if not page.ok or page.next_cursor is None:
            return
        cursor = page.next_cursor


def walk(
    api: ApiClient,
    collection: str,
    *,
    limit: int,
    max_pages: int,
    wanted: Collection[NaturalKey] = (),
    after_first: Callable[[], None] | None = None,
) -> Walk:
    """Walk `collection`; with `wanted` natural keys, stop one page after the page on which
    the last of them showed up (see the module docstring), else walk to the end.
    `after_first` runs between the first and the second request."""
    read: list[Page] = []
    missing = set(wanted)
    complete = False
    for page in pages(api, collection, limit=limit, max_pages=max_pages):
        read.append(page)
        if len(read) == 1 and after_first is not None:
            after_first()
        if complete:
            break
        missing.difference_update(natural_key(collection, entry) for entry in page.entries)
        complete = bool(wanted) and not missing
    return Walk(collection, read, max_pages)


SEARCH_LIMIT, SEARCH_PAGES = 50, 20


def search(api: ApiClient, collection: str, wanted: Collection[NaturalKey]) -> Walk:
    """Walk `collection` in pages of 50 (at most 20 pages) until the `wanted` keys showed up,
    plus one page. To show that a record is *absent*, include a witness in `wanted`: an
    active record created just before it, so the absent one would have come earlier."""
    return walk(api, collection, limit=SEARCH_LIMIT, max_pages=SEARCH_PAGES, wanted=wanted)

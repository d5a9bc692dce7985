"""What of a record a write that changes nothing must leave as it was.

Rules about no-op writes (a repeated PUT, a refused create, a second DELETE) compare a record
before and after; `updated_at` may move and an order's lines come in no promised order, so
both are set aside before comparing. A repeated PUT is compared on the record's documented
fields only (`documented`): a field the docs do not name may be one the server moves on every
write (`modified`, `version`), and unknown response fields are allowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from dmcert.contract.spec import load_spec
from dmcert.testkit._timestamps import aware_instant

VOLATILE = frozenset({"updated_at"})
"""Fields a repeated write may change even when it changes nothing else."""


SCHEMAS = {"orders": "Order", "products": "Product", "locations": "Location"}
"""The spec's record schema of each resource a PUT can update."""


@cache
def documented_fields(collection: str) -> frozenset[str]:
    """The fields the spec names for a `collection` record, less those dmcert inferred."""
    schema = load_spec()["components"]["schemas"][SCHEMAS[collection]]
    properties = schema["properties"]
    return frozenset(n for n, p in properties.items() if not p.get("x-dm-inferred"))


def documented(collection: str, record: dict[str, Any], sent: Iterable[str] = ()) -> dict[str, Any]:
    """The record's documented fields and the fields a request `sent`, lines in canonical
    order: the state the docs promise a repeated write leaves as it was."""
    names = documented_fields(collection) | set(sent)
    return stable({name: value for name, value in record.items() if name in names})


def lines_of(order: dict[str, Any]) -> Any:
    """The order's lines in a canonical order (the docs promise no line order)."""
    lines = order.get("items")
    if not isinstance(lines, list):
        return lines
    return sorted(lines, key=lambda line: json.dumps(line, sort_keys=True, default=str))


def stable(record: dict[str, Any]) -> dict[str, Any]:
    """The record without the fields a no-op may touch, an order's lines in canonical order."""
    kept = {name: value for name, value in record.items() if name not in VOLATILE}
    if "items" in kept:
        kept["items"] = lines_of(record)
    return kept


def unlike(
    collection: str, created: dict[str, Any], shown: dict[str, Any], sent: Iterable[str] = ()
) -> list[str]:
    """The documented and sent fields of a create answer that a later read of the record
    does not show alike. A field only the read shows is no difference (the docs' create
    examples omit some; an answer built from the object in memory may leave out a null),
    nor is a timestamp shown to fewer digits: that answer may carry more precision than the
    value stored. Order lines are judged the same way, each against the read's line with
    its id."""
    first, then = documented(collection, created, sent), documented(collection, shown, sent)
    return sorted(name for name, value in first.items() if not _alike(value, then.get(name)))


def _alike(one: Any, other: Any) -> bool:
    if one == other:
        return True
    if isinstance(one, list) and isinstance(other, list):
        return _lines_alike(one, other)
    instants = [_stamp(one), _stamp(other)]
    if None in instants:
        return False
    return abs((instants[0] - instants[1]).total_seconds()) < 1


def _lines_alike(lines: list[Any], shown: list[Any]) -> bool:
    """Whether the read shows as many lines, each line of the answer alike in the fields
    the answer shows to the read's line with the same id."""
    by_id = {line.get("id"): line for line in shown if isinstance(line, dict)}
    return len(lines) == len(shown) and all(
        isinstance(line, dict)
        and isinstance(by_id.get(line.get("id")), dict)
        and all(_alike(value, by_id[line.get("id")].get(name)) for name, value in line.items())
        for line in lines
    )


def _stamp(value: Any) -> datetime | None:
    """A date-time with a time and a timezone designator as its instant, else None."""
    return aware_instant(value) if isinstance(value, str) and "T" in value else None

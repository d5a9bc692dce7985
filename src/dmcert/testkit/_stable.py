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
from functools import cache
from typing import Any

from dmcert.contract.spec import load_spec

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

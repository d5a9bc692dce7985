"""Sample requests for every documented operation (spec.operations()): a valid call on the
run's own records (or, in a read-only run, on a listed record), a call valid but for its
unknown record, and a call a conformant target must refuse without writing anything.

Envelope, auth and scope checks exercise all 18 operations the same way, so the one request
each operation gets is built here, together with the GET that shows what a write changed
(to verify that a refused write left the target as it was).
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from typing import Any

import pytest

from dmcert.contract.spec import Operation
from dmcert.testkit._client import ApiClient, Reply, path_of
from dmcert.testkit._expect import must
from dmcert.testkit._records import Records

NO_BODY: Any = ...
"""Marker for a call without a request body (ApiClient's own default)."""

INVALID_UPDATE: dict[str, dict[str, Any]] = {
    "orders": {"customer_name": 5},
    "products": {"quantity": -1},
    "locations": {"name": 5},
}
"""A PUT body each resource must refuse with 400 VALIDATION_ERROR (a wrong type or range)."""

_quantities = itertools.count(101)


@dataclass(frozen=True)
class Call:
    """One request to one operation, and how to observe what it would change."""

    method: str
    path: str
    json: Any = NO_BODY
    params: dict[str, str] | None = None
    identifier: str | None = None
    """The record the call addresses or creates, if any."""
    creates: tuple[str, str] | None = None
    """(collection, identifier) of the record a successful call creates (for cleanup)."""
    state: str | None = None
    """Path whose GET (with a full key) shows what the call changes; None for reads."""

    def send(self, api: ApiClient, *, key: Any = ...) -> Reply:
        return api.request(self.method, self.path, key=key, json=self.json, params=self.params)


@dataclass(frozen=True)
class Subjects:
    """The run's own records that calls address: one of each resource to read and update
    (`main`), and one of each to delete (`victims`), so deleting never hides a later check."""

    main: dict[str, str]
    victims: dict[str, str]
    sku: str
    location: str


def is_single(op: Operation) -> bool:
    """Whether `op` addresses one record (its path has an identifier)."""
    return "{" in op.path


def unknown_identifier(prefix: str) -> str:
    """An identifier no record has: under the run prefix, with a random tail."""
    return f"{prefix}unknown-{secrets.token_hex(4)}"


def create_subjects(api: ApiClient, records: Records) -> Subjects:
    """Create the records `Subjects` names, plus one inventory row (location x product)."""
    product, victim_product = records.product(), records.product()
    location, victim_location = records.location(), records.location()
    order = records.order(product["sku"])
    victim_order = records.order(product["sku"])
    row = {"location_code": location["code"], "sku_code": product["sku"], "quantity": 1}
    must(api.post(path_of("inventory"), json={"inventory": [row]}), 200, "an inventory upsert")
    return Subjects(
        main={
            "orders": records.order_id(order),
            "products": product["sku"],
            "locations": location["code"],
            "inventory": location["code"],
        },
        victims={
            "orders": records.order_id(victim_order),
            "products": victim_product["sku"],
            "locations": victim_location["code"],
        },
        sku=product["sku"],
        location=location["code"],
    )


def valid_call(op: Operation, records: Records, subjects: Subjects, *, victim: bool = True) -> Call:
    """A call `op` must accept: reads address `subjects.main`, creates use fresh identifiers,
    updates change a field of `subjects.main` to a new value, deletes hit the victim (or the
    main record with victim=False). Every call differs from the last, so a write shows."""
    collection = op.collection
    if op.method == "GET":
        return read_call(op, None if not is_single(op) else subjects.main[collection])
    if not is_single(op):
        return _create_call(collection, records, subjects)
    identifier = subjects.main[collection]
    if op.method == "PUT":
        path = path_of(collection, identifier)
        body = _update_body(collection, records)
        return Call("PUT", path, json=body, identifier=identifier, state=path)
    target = subjects.victims[collection] if victim else identifier
    path = path_of(collection, target)
    return Call("DELETE", path, identifier=target, state=path)


def served_call(
    op: Operation,
    api: ApiClient,
    records: Records,
    subjects: Subjects | None,
    *,
    victim: bool = True,
) -> Call:
    """A call `op` must serve with a key allowed to: valid_call on the run's subjects, or in a
    read-only run (no subjects) a read of a listed record; skips (not exercised) when a
    read-only run finds no record to read. For checks of the key alone: on an invalid call
    the order of the auth, validation and lookup answers is unspecified (gap 27)."""
    if subjects is not None:
        return valid_call(op, records, subjects, victim=victim)
    if op.method != "GET":
        pytest.skip(f"not exercised (read-only): {op.key} needs a valid write")
    if not is_single(op):
        return read_call(op, None)
    identifier = listed_identifier(api, op.collection, records.order_identifier)
    if identifier is None:
        pytest.skip(f"the target lists no {op.collection} record to read")
    return read_call(op, identifier)


def missing_record_call(op: Operation, records: Records) -> Call:
    """A call of a single-record `op` valid but for its identifier, which no record has (no
    invalid body or query beside it, so only the record lookup can refuse it)."""
    identifier = unknown_identifier(records.prefix)
    path = path_of(op.collection, identifier)
    if op.method == "GET":
        return Call("GET", path, identifier=identifier)
    body = _update_body(op.collection, records) if op.method == "PUT" else NO_BODY
    return Call(op.method, path, json=body, identifier=identifier, state=path)


def read_call(op: Operation, identifier: str | None) -> Call:
    """GET of a list (a small first page) or of the record `identifier`."""
    if not is_single(op):
        return Call("GET", path_of(op.collection), params={"limit": "2"})
    return Call("GET", path_of(op.collection, identifier), identifier=identifier)


def rejected_call(op: Operation, prefix: str) -> Call:
    """A call a conformant target refuses before writing: a garbage cursor on lists, an
    empty body on creates, an unknown identifier otherwise (with an invalid body on PUT, an
    invalid `by` on inventory reads)."""
    collection = op.collection
    if not is_single(op):
        if op.method == "GET":
            return Call("GET", path_of(collection), params={"cursor": "not-a-cursor"})
        return Call("POST", path_of(collection), json={}, state=path_of(collection))
    identifier = unknown_identifier(prefix)
    path = path_of(collection, identifier)
    if op.method == "GET":
        params = {"by": "neither"} if collection == "inventory" else None
        return Call("GET", path, params=params, identifier=identifier)
    if op.method == "PUT":
        body = INVALID_UPDATE[collection]
        return Call("PUT", path, json=body, identifier=identifier, state=path)
    return Call("DELETE", path, identifier=identifier, state=path)


def _create_call(collection: str, records: Records, subjects: Subjects) -> Call:
    if collection == "inventory":
        row = {
            "location_code": subjects.location,
            "sku_code": subjects.sku,
            "quantity": next(_quantities),
        }
        return Call(
            "POST",
            path_of("inventory"),
            json={"inventory": [row]},
            state=path_of("inventory", subjects.location),
        )
    if collection == "orders":
        body = records.order_body(subjects.sku)
        identifier = records.order_id(body)
    else:
        field = "sku" if collection == "products" else "code"
        identifier = records.name(field)
        body = {field: identifier}
    return Call(
        "POST",
        path_of(collection),
        json=body,
        identifier=identifier,
        creates=(collection, identifier),
        state=path_of(collection, identifier),
    )


def _update_body(collection: str, records: Records) -> dict[str, Any]:
    if collection == "orders":
        return {"notes": records.name("note")}
    if collection == "products":
        return {"quantity": next(_quantities)}
    return {"name": records.name("name")}


def track_created(records: Records, call: Call, reply: Reply) -> None:
    """Register what a successful create made, so the run cleans it up."""
    if call.creates is not None and reply.status == 201:
        records.track(*call.creates)


def listed_identifier(api: ApiClient, collection: str, order_identifier: str) -> str | None:
    """The identifier of some existing record of `collection` (first list entry), for reads
    in runs that may not create records; None when the list is empty."""
    field = {
        "orders": order_identifier,
        "products": "sku",
        "locations": "code",
        "inventory": "location_code",
    }[collection]
    reply = api.get(path_of(collection), params={"limit": "1"})
    entries = reply.data if reply.status == 200 and isinstance(reply.data, list) else []
    value = entries[0].get(field) if entries and isinstance(entries[0], dict) else None
    return value if isinstance(value, str) and value else None

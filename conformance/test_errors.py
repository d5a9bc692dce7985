"""Area ERR: error codes and their statuses, casing, no 5xx for any input, malformed and
mistyped bodies, unknown records and paths, and undocumented methods."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from dmcert.testkit import (
    Reply,
    Subjects,
    is_single,
    method_marks,
    operations,
    path_of,
    unknown_identifier,
)

UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
STATUS_OF_CODE = {
    "VALIDATION_ERROR": 400,
    "SERVICE_ERROR": 400,
    "NOT_FOUND": 404,
    "DUPLICATE": 409,
    "MAPPING_ERROR": 422,
}
UNKNOWN_RECORD_RULE = {
    ("GET", "orders"): "ORD-017",
    ("PUT", "orders"): "ORD-028",
    ("DELETE", "orders"): "ORD-032",
    ("GET", "products"): "PRD-010",
    ("PUT", "products"): "PRD-016",
    ("DELETE", "products"): "PRD-016",
    ("GET", "locations"): "LOC-007",
    ("PUT", "locations"): "LOC-015",
    ("DELETE", "locations"): "LOC-015",
}
"""Inventory reads are not here: an unknown location or SKU matches no rows (INV-029)."""
VALID_UPDATE = {"orders": {"notes": "n"}, "products": {"quantity": 1}, "locations": {"name": "n"}}
WRITE_OPS = [op for op in operations() if op.method != "GET"]
GET_OPS = [op for op in operations() if op.method == "GET"]
DOCUMENTED_PATHS = sorted({op.path for op in operations()})
COLLECTION_PATHS = [path for path in DOCUMENTED_PATHS if "{" not in path]
RECORD_PATHS = [path for path in DOCUMENTED_PATHS if "{" in path]


def raw_json(body: Any) -> bytes:
    """JSON text with non-ASCII as \\u escapes, so lone surrogates can be sent too."""
    return json.dumps(body).encode("ascii")


def concrete(template: str, identifier: str) -> str:
    """A documented path template with its {placeholder} filled (percent-encoded)."""
    collection = template.strip("/").split("/")[0]
    return path_of(collection, identifier) if "{" in template else template


def identifier_for(collection: str, subjects: Subjects | None, prefix: str) -> str:
    """A record of ours when the run may write, else an identifier no record has."""
    if subjects is not None:
        return subjects.main[collection]
    return unknown_identifier(prefix)


# --- codes and their statuses --------------------------------------------------------------


PROVOKED_BY = {
    "VALIDATION_ERROR": "POST",
    "SERVICE_ERROR": "POST",
    "NOT_FOUND": "GET",
    "DUPLICATE": "POST",
}
"""The method of the requests `provocations` sends for each documented error code."""


def provocations(wanted: str, run, records, subjects) -> list[tuple[str, str, Any]]:
    """(method, path, body) of the requests that cause the documented error `wanted`: an
    empty product create, an order of an unknown sku, a GET of an unknown sku, and creates of
    this run's existing sku and location code."""
    unknown_sku = unknown_identifier(run.prefix)
    if wanted == "VALIDATION_ERROR":
        return [("POST", path_of("products"), {})]
    if wanted == "SERVICE_ERROR":
        return [("POST", path_of("orders"), records.order_body(unknown_sku))]
    if wanted == "NOT_FOUND":
        return [("GET", path_of("products", unknown_sku), ...)]
    return [
        ("POST", path_of(collection), {field: subjects.main[collection]})
        for collection, field in (("products", "sku"), ("locations", "code"))
    ]


@pytest.mark.requirement("ERR-001", "ERR-002", "ERR-003")
@pytest.mark.parametrize(
    "wanted",
    [pytest.param(code, id=code, marks=method_marks(m)) for code, m in PROVOKED_BY.items()],
)
def test_documented_error_codes_come_with_their_statuses(
    wanted, run, api, records, subjects, expect
):
    """ERR-001, ERR-002, ERR-003: provoking each documented error the suite can cause gives
    its code in UPPER_SNAKE_CASE with its documented status (VALIDATION_ERROR 400,
    SERVICE_ERROR 400, NOT_FOUND 404, DUPLICATE 409; MAPPING_ERROR only with 422)."""
    for method, path, body in provocations(wanted, run, records, subjects):
        reply = api.request(method, path, json=body)
        code = reply.error_code or ""
        expect("ERR-001", bool(UPPER_SNAKE.match(code)), f"error code {code!r}", reply)
        expected = STATUS_OF_CODE[wanted]
        expect(
            "ERR-002",
            code.upper() == wanted and reply.status == expected,
            f"a {wanted} situation {reply.said} (documented: {expected} {wanted})",
            reply,
        )
        if code.upper() == "MAPPING_ERROR" or reply.status == 422:
            expect(
                "ERR-003",
                code.upper() == "MAPPING_ERROR" and reply.status == 422,
                f"{method} {path} {reply.said}",
                reply,
            )


def _unknown_record_cases() -> Iterator[Any]:
    for op in operations():
        if is_single(op) and (op.method, op.collection) in UNKNOWN_RECORD_RULE:
            rule = UNKNOWN_RECORD_RULE[(op.method, op.collection)]
            marks = [pytest.mark.requirement(rule), *method_marks(op.method)]
            yield pytest.param(op, rule, id=op.key, marks=marks)


@pytest.mark.parametrize(("op", "rule"), list(_unknown_record_cases()))
def test_unknown_record_is_404_not_found(op, rule, run, api, expect):
    """ORD-017, ORD-028, ORD-032, PRD-010, PRD-016, LOC-007, LOC-015: GET, PUT and DELETE
    of a record that does not exist answer 404 NOT_FOUND (PUT with a valid body)."""
    path = path_of(op.collection, unknown_identifier(run.prefix))
    body = VALID_UPDATE[op.collection] if op.method == "PUT" else ...
    reply = api.request(op.method, path, json=body)
    expect(
        rule,
        reply.status == 404 and reply.code == "NOT_FOUND",
        f"{op.key} of an unknown record {reply.said}",
        reply,
    )


# --- no input produces a 5xx ---------------------------------------------------------------


def one_per_rule(probes: list[tuple[Any, Any, str | None]]) -> list[tuple[Any, Any, str | None]]:
    """The first probe of each rule (None included): what a --quick run sends."""
    firsts: dict[str | None, tuple[Any, Any, str | None]] = {}
    for probe in probes:
        firsts.setdefault(probe[2], probe)
    return list(firsts.values())


NOT_JSON = [
    ("truncated", b'{"a": '),
    ("trailing garbage", b'{"a": 1} x'),
    ("single quotes", b"{'a': 1}"),
    ("invalid UTF-8", b'{"a": "\xff\xfe"}'),
    ("empty", b""),
]
NOT_OBJECT = [
    ("array", b"[]"),
    ("array of objects", b'[{"sku": "x", "code": "x"}]'),
    ("string", b'"text"'),
    ("number", b"42"),
    ("null", b"null"),
    ("deeply nested array", b"[" * 50_000 + b"]" * 50_000),
]
ODD_JSON = [
    ("NaN literal", b'{"a": NaN}'),
    ("deeply nested object", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("huge number", b'{"a": 1' + b"0" * 5_000 + b"}"),
]


@pytest.mark.requirement("ERR-004", "ERR-006", "ERR-007")
@pytest.mark.writes
@pytest.mark.parametrize("op", WRITE_OPS, ids=lambda op: op.key)
def test_malformed_bodies_never_produce_a_server_error(op, run, api, subjects, expect):
    """ERR-004, ERR-006, ERR-007: a body that is not JSON, or JSON but not an object, or odd
    JSON (NaN, deep nesting, a 5,000-digit number) is never a 5xx; on creates and on updates
    of an existing record, non-JSON and non-object bodies are 400 VALIDATION_ERROR. --quick
    sends one probe of each kind."""
    if is_single(op):
        records_of = subjects.victims if op.method == "DELETE" else subjects.main
        path = path_of(op.collection, records_of[op.collection])
    else:
        path = op.path
    judged = op.method in ("POST", "PUT")
    headers = {"Content-Type": "application/json"}
    probes = [
        *[(name, body, "ERR-006") for name, body in NOT_JSON],
        *[(name, body, "ERR-007") for name, body in NOT_OBJECT],
        *[(name, body, None) for name, body in ODD_JSON],
    ]
    for name, body, rule in one_per_rule(probes) if run.quick else probes:
        if op.method == "DELETE" and not body:
            continue  # a DELETE without a body is the documented call
        reply = api.request(op.method, path, content=body, headers=headers)
        expect("ERR-004", reply.status < 500, f"{op.key} with a {name} body {reply.said}", reply)
        if rule and judged:
            expect(
                rule,
                reply.status == 400 and reply.code == "VALIDATION_ERROR",
                f"{op.key} with a {name} body {reply.said}",
                reply,
            )


# Field probes: (field path, value, rule); rule None = only "no 5xx" is asserted.
WRONG = "ERR-005"  # no scalar coercion reads the value as the field's type
NUL = "ERR-009"
INTEGER = "ERR-010"
COERCIBLE = "ERR-020"  # a scalar that lenient frameworks coerce: our reading, SHOULD
INVENTORY_NOTES = "INV-031"  # the inventory error table lists inventory only: SHOULD
FIELD_PROBES: dict[str, list[tuple[str, Any, str | None]]] = {
    "POST orders": [
        ("order_number", 123, COERCIBLE),
        ("order_number", "ord\u0000x", NUL),
        ("customer_name", 123, COERCIBLE),
        ("customer_name", {"first": "A"}, WRONG),
        ("customer_name", "\u540d\u524d \U0001f680 \u0645\u0631\u062d\u0628\u0627 e\u0301", None),
        ("customer_name", "lone \ud800 surrogate", None),
        ("customer_info", "text", WRONG),
        ("metadata", [1, 2], WRONG),
        ("notes", ["x"], WRONG),
        ("notes", "x" * 100_000, None),
        ("order_date", 20260416, COERCIBLE),
        ("items", {"sku_code": "x", "quantity": 1}, WRONG),
        ("items.0.sku_code", 5, COERCIBLE),
        ("items.0.quantity", "1", COERCIBLE),
        ("items.0.quantity", "two", WRONG),
        ("items.0.quantity", 1.5, INTEGER),
        ("items.0.quantity", True, INTEGER),
        ("items.0.quantity", 2_147_483_648, INTEGER),
        ("items.0.quantity", 10**30, INTEGER),
    ],
    "POST products": [
        ("sku", 5, COERCIBLE),
        ("sku", "sku\u0000x", NUL),
        ("sku", "-\u00fc\U0001f600\u200f", None),
        ("quantity", "1", COERCIBLE),
        ("quantity", "many", WRONG),
        ("quantity", 2.5, INTEGER),
        ("quantity", False, INTEGER),
        ("quantity", 2_147_483_648, INTEGER),
        ("quantity", 10**30, INTEGER),
        ("is_active", "yes", COERCIBLE),
        ("is_active", [True], WRONG),
        ("custom_fields", "text", WRONG),
        ("custom_fields", {"k": "\ud800"}, None),
    ],
    "POST locations": [
        ("code", 5, COERCIBLE),
        ("code", "loc\u0000x", NUL),
        ("name", 5, COERCIBLE),
        ("name", ["x"], WRONG),
        ("name", "\u05e9\u05dc\u05d5\u05dd \U0001f4e6", None),
        ("zone", {"z": 1}, WRONG),
        ("aisle", 1, COERCIBLE),
        ("metadata", "text", WRONG),
    ],
    "POST inventory": [
        ("source", 5, COERCIBLE),
        ("notes", 5, COERCIBLE),
        ("notes", {"n": 1}, INVENTORY_NOTES),
        ("notes", "n\u0000", NUL),
        ("inventory.0.quantity", 10**30, None),
        ("inventory.0.quantity", "1", None),
        ("inventory.0.location_code", "loc\u0000", None),
        ("inventory.0.sku_code", "\ud800", None),
    ],
    "PUT orders": [
        ("customer_name", 5, COERCIBLE),
        ("notes", "n\u0000", NUL),
        ("metadata", "text", WRONG),
        ("status", 5, COERCIBLE),
        ("status", ["in_progress"], WRONG),
        ("due_date", 5, COERCIBLE),
        ("customer_name", "\u00e9\u00e8 \U0001f680", None),
    ],
    "PUT products": [
        ("quantity", "1", COERCIBLE),
        ("quantity", True, INTEGER),
        ("quantity", 10**30, INTEGER),
        ("is_active", "yes", COERCIBLE),
        ("custom_fields", [1], WRONG),
        ("cost", 10**30, None),
        ("cost", "1e999", None),
    ],
    "PUT locations": [
        ("name", 5, COERCIBLE),
        ("name", "n\u0000", NUL),
        ("metadata", "text", WRONG),
        ("is_active", "no", COERCIBLE),
        ("zone", "\u00fc\U0001f600", None),
    ],
}


def with_value(body: dict, field: str, value: Any) -> dict:
    """A copy of `body` with the dotted `field` (e.g. items.0.quantity) set to `value`."""
    copy = json.loads(json.dumps(body))
    *parents, leaf = field.split(".")
    node: Any = copy
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(leaf)] = value
    else:
        node[leaf] = value
    return copy


def _base_body(collection: str, records, subjects: Subjects) -> dict:
    """A valid create body with fresh identifiers."""
    if collection == "orders":
        return records.order_body(subjects.sku)
    if collection == "inventory":
        row = {"location_code": subjects.location, "sku_code": subjects.sku, "quantity": 3}
        return {"inventory": [row]}
    field = "sku" if collection == "products" else "code"
    return {field: records.name(field)}


def _field_cases() -> Iterator[Any]:
    for op in WRITE_OPS:
        name = f"{op.method} {op.collection}"
        if name in FIELD_PROBES:
            yield pytest.param(op, FIELD_PROBES[name], id=op.key)


@pytest.mark.requirement(
    "ERR-004", "ERR-005", "ERR-008", "ERR-009", "ERR-010", "ERR-020", "INV-031"
)
@pytest.mark.writes
@pytest.mark.parametrize(("op", "probes"), list(_field_cases()))
def test_mistyped_and_odd_field_values_are_400_never_5xx(
    op, probes, run, api, records, subjects, expect
):
    """ERR-004, ERR-005, ERR-008, ERR-009, ERR-010, ERR-020, INV-031: each write operation
    gets a bounded list of bad field values (wrong JSON types, scalars of another type, NUL,
    non-integers and oversized integers, unicode, lone surrogates, long strings): never a
    5xx; a wrong type, a NUL, a bad integer or a scalar of another type (not coerced) is 400
    VALIDATION_ERROR whose message names the field (an object for the inventory upsert's
    notes: INV-031, as its error table lists only problems with inventory). --quick sends
    one probe of each kind."""
    headers = {"Content-Type": "application/json"}
    for field, value, rule in one_per_rule(probes) if run.quick else probes:
        if op.method == "POST":
            body = _base_body(op.collection, records, subjects)
            if field in ("sku", "code", "order_number") and isinstance(value, str):
                value = body[field] + value  # keep created records under the run prefix
            body = with_value(body, field, value)
            path = op.path
        else:
            body = {field: value}
            path = path_of(op.collection, subjects.main[op.collection])
        reply = api.request(op.method, path, content=raw_json(body), headers=headers)
        if op.method == "POST" and reply.status == 201:
            records.track(op.collection, str(body[_id_field(op.collection, records)]))
        shown = f"{op.key} with {field}={_show(value)} {reply.said}"
        expect("ERR-004", reply.status < 500, shown, reply)
        if rule is None:
            continue
        rejected = reply.status == 400 and reply.code == "VALIDATION_ERROR"
        expect(rule, rejected, shown, reply)
        if rejected:
            leaf = field.split(".")[-1]
            named = leaf in reply.error_message
            expect("ERR-008", named, f"{shown}: message {reply.error_message[:120]!r}", reply)


def _id_field(collection: str, records) -> str:
    return {"products": "sku", "locations": "code"}.get(collection, records.order_identifier)


def _show(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"


# --- unknown paths and undocumented methods ------------------------------------------------


@pytest.mark.requirement("ERR-011")
@pytest.mark.parametrize("path", ["/widgets/", "/orders/a/b/", "/inventorys/"])
def test_unknown_path_is_404_not_found(path, api, expect):
    """ERR-011: a path under the base path that no operation documents is 404 NOT_FOUND in
    the error envelope."""
    reply = api.get(path)
    is_envelope = isinstance(reply.body, dict) and reply.body.get("success") is False
    expect(
        "ERR-011",
        reply.status == 404 and reply.code == "NOT_FOUND" and is_envelope,
        f"GET {path} {reply.said}",
        reply,
    )


def documented_methods(template: str) -> set[str]:
    return {op.method for op in operations() if op.path == template}


def allow_header(reply: Reply) -> set[str]:
    return {part.strip().upper() for part in reply.headers.get("allow", "").split(",") if part}


def check_405(expect, rule: str, method: str, template: str, reply: Reply, *, allow: bool):
    methods = documented_methods(template)
    allowed = allow_header(reply)
    ok = reply.status == 405 and reply.code == "METHOD_NOT_ALLOWED"
    if allow:
        ok = ok and methods <= allowed and method not in allowed
    expect(
        rule,
        ok,
        f"{method} {template} {reply.said} with Allow {reply.headers.get('allow')!r}"
        f" (documented: {', '.join(sorted(methods))})",
        reply,
    )


@pytest.mark.requirement("ERR-012")
@pytest.mark.writes
@pytest.mark.parametrize("template", DOCUMENTED_PATHS)
def test_patch_is_405_with_allow_header(template, run, api, subjects, expect):
    """ERR-012: PATCH on any documented path is 405 METHOD_NOT_ALLOWED with an Allow header
    listing the documented methods."""
    collection = template.strip("/").split("/")[0]
    path = concrete(template, identifier_for(collection, subjects, run.prefix))
    reply = api.request("PATCH", path, json={})
    check_405(expect, "ERR-012", "PATCH", template, reply, allow=True)


@pytest.mark.requirement("ERR-013")
@pytest.mark.writes
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("template", COLLECTION_PATHS)
def test_put_and_delete_on_a_collection_are_405(template, method, api, expect):
    """ERR-013: PUT or DELETE on a collection path is 405 METHOD_NOT_ALLOWED with an Allow
    header."""
    body = {} if method == "PUT" else ...
    reply = api.request(method, template, json=body)
    check_405(expect, "ERR-013", method, template, reply, allow=True)


@pytest.mark.requirement("ERR-014")
@pytest.mark.parametrize("template", DOCUMENTED_PATHS)
def test_options_is_405(template, run, api, subjects, expect):
    """ERR-014: OPTIONS on any documented path is 405 METHOD_NOT_ALLOWED."""
    collection = template.strip("/").split("/")[0]
    path = concrete(template, identifier_for(collection, subjects, run.prefix))
    reply = api.request("OPTIONS", path)
    check_405(expect, "ERR-014", "OPTIONS", template, reply, allow=False)


@pytest.mark.requirement("ERR-018")
@pytest.mark.writes
@pytest.mark.parametrize(
    ("method", "template"),
    [("POST", path) for path in RECORD_PATHS]
    + [
        (method, path)
        for path in RECORD_PATHS
        if "inventory" in path
        for method in ("PUT", "DELETE")
    ],
)
def test_undocumented_method_on_a_record_path_is_405(method, template, run, api, subjects, expect):
    """ERR-018: POST on any single-record path, and PUT or DELETE on /inventory/{identifier}/,
    are 405 METHOD_NOT_ALLOWED."""
    collection = template.strip("/").split("/")[0]
    path = concrete(template, identifier_for(collection, subjects, run.prefix))
    body = ... if method == "DELETE" else {}
    reply = api.request(method, path, json=body)
    check_405(expect, "ERR-018", method, template, reply, allow=False)


@pytest.mark.requirement("ERR-015")
@pytest.mark.parametrize("op", GET_OPS, ids=lambda op: op.key)
def test_head_is_answered_like_get_without_a_body(op, run, api, subjects, expect):
    """ERR-015: HEAD on a GET endpoint answers the status and Content-Type GET answers, and
    no body."""
    path = op.path
    if is_single(op):
        path = path_of(op.collection, identifier_for(op.collection, subjects, run.prefix))
    get = api.get(path)
    head = api.request("HEAD", path)
    same = head.status == get.status and head.headers.get("content-type") == get.headers.get(
        "content-type"
    )
    expect(
        "ERR-015",
        same and head.text == "",
        f"GET {get.said}, HEAD {head.said} with {len(head.text)} body characters and "
        f"Content-Type {head.headers.get('content-type')!r}",
        get,
        head,
    )


@pytest.mark.requirement("ERR-016")
@pytest.mark.parametrize("template", COLLECTION_PATHS)
def test_path_without_trailing_slash_is_404(template, api, expect):
    """ERR-016: a documented path without its trailing slash is 404 NOT_FOUND (no redirect)."""
    reply = api.get(template.rstrip("/"))
    expect(
        "ERR-016",
        reply.status == 404 and reply.code == "NOT_FOUND",
        f"GET {template.rstrip('/')} {reply.said}",
        reply,
    )

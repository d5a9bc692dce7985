"""The schema tests' registry: which schemathesis 4.x built-in checks run, and the catalogue
requirement each of their findings is blamed on. The one place where a schemathesis check
meets a requirement id.

Every check schemathesis registers is decided here: USED with a rule that names the
requirement a finding breaks, or EXCLUDED with the reason it does not fit this API (the
self-validation tests compare both with schemathesis's own registry, so an upgrade that adds
a check asks for a decision). A rule returns the requirements a response bears on: for a
failure the ones it breaks, for a pass the ones it shows held; () when it proves nothing.
A false alarm is as bad as a miss, so a finding no written rule covers is dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import schemathesis
from schemathesis import checks as builtin
from schemathesis.checks import CheckFunction
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.openapi.checks import JsonSchemaError
from schemathesis.specs.openapi import checks as openapi

from dmcert.contract.spec import BASE_PATH, response_view
from dmcert.testkit import Operation

Blame = Callable[[Operation, Case, Response, "Failure | None"], tuple[str, ...]]

MAX_INT = 2_147_483_647
UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass(frozen=True)
class Rule:
    """A used check, the requirements it can name for an operation, and how it picks them."""

    check: CheckFunction
    candidates: Callable[[Operation], frozenset[str]]
    blame: Blame

    @property
    def name(self) -> str:
        return self.check.__name__


def is_single(op: Operation) -> bool:
    return "{" in op.path


def body_of(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


# --- not_a_server_error -------------------------------------------------------------------


def _server_error(op: Operation, case: Case, response: Response, failure: Failure | None):
    return ("ERR-004",)


# --- answers of the HTTP server, not of the API ----------------------------------------------

SERVER_LIMITS = frozenset({414, 431})
"""414 URI Too Long and 431 Request Header Fields Too Large: a generated URL or header over
the request-line or header limit of the HTTP server in front of the API (gunicorn: 4094
bytes; nginx by default) is refused by that server before the API sees it. Those limits are
not API behaviour (decisions.md, General), so such an answer is judged by no rule."""


# --- status_code_conformance --------------------------------------------------------------

SUCCESS_STATUS = {
    "POST /orders/": "ORD-001",
    "POST /products/": "PRD-001",
    "POST /locations/": "LOC-001",
    "POST /inventory/": "INV-001",
    "GET /inventory/{identifier}/": "INV-026",
}
"""The rule naming an operation's success status; other single-record calls answer 200 by
ENV-008 and lists by ENV-002."""

CODE_STATUS = {"VALIDATION_ERROR": 400, "SERVICE_ERROR": 400, "NOT_FOUND": 404, "DUPLICATE": 409}
"""The documented codes ERR-002 pairs with their statuses."""
CODE_WITH_OTHER_STATUS = "ERR-002"
UNLISTED_ERROR_STATUS = "ERR-021"
"""A 4xx the spec does not list for the operation, without a documented code arriving with
another status: the versioning page allows new error codes for undocumented edge cases (a
reused external_order_id, a PUT on a cancelled order, a path firewall), so a SHOULD."""


def success_requirement(op: Operation) -> str:
    return SUCCESS_STATUS.get(op.key) or ("ENV-008" if is_single(op) else "ENV-002")


def error_code_of(response: Response) -> str | None:
    """The body's error.code, upper-cased (its casing is ERR-001's), or None."""
    body = body_of(response)
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code.upper() if isinstance(code, str) else None


def _status(op: Operation, case: Case, response: Response, failure: Failure | None):
    status = response.status_code
    if 200 <= status < 300:
        return (success_requirement(op),)
    if not 400 <= status < 500:
        return ()  # a 5xx is ERR-004's
    # a listed status holds ERR-021; its pairing with a code is test_errors' to show
    paired = CODE_STATUS.get(error_code_of(response) or "", status)
    if failure is not None and paired != status:
        return (CODE_WITH_OTHER_STATUS,)
    return (UNLISTED_ERROR_STATUS,)


# --- content_type_conformance -------------------------------------------------------------


def _content_type(op: Operation, case: Case, response: Response, failure: Failure | None):
    documented = case.operation.schema.get_content_types(case.operation, response)
    return ("ENV-006",) if documented or failure is not None else ()


# --- response_schema_conformance ----------------------------------------------------------

SHAPE_DETAIL = {("success",): "ENV-004", ("error", "code"): "ERR-001"}
"""Schema violations at these places break a rule more specific than VER-002."""
INFERRED_SHAPE = "VER-007"
"""What a body breaks when only the spec's inferred schemas reject it (response_view)."""


@cache
def _documented_responses() -> dict[str, Any]:
    """Each operation as response_view describes it, by its key."""
    schema = schemathesis.openapi.from_dict(response_view(), config=SchemathesisConfig())
    found = {}
    for result in schema.get_all_operations():
        api_operation = result.ok()
        path = api_operation.path.removeprefix(BASE_PATH)
        found[f"{api_operation.method.upper()} {path}"] = api_operation
    return found


def breaks_documented_shape(op: Operation, response: Response) -> bool:
    """Whether the body breaks what the docs fix about it, not only dmcert's readings."""
    try:
        _documented_responses()[op.key].validate_response(response)
    except (Failure, FailureGroup):
        return True
    return False


def _shape(op: Operation, case: Case, response: Response, failure: Failure | None):
    if failure is None:
        if case.operation.responses.find_by_status_code(response.status_code) is None:
            return ()
        body = body_of(response)
        held = ["VER-002", INFERRED_SHAPE]
        if isinstance(body, dict) and "success" in body:
            held.append("ENV-004")
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            held.append("ERR-001")
        return tuple(held)
    if isinstance(failure, JsonSchemaError):
        place = tuple(failure.instance_path)
        if place == ("error", "code"):
            # A new UPPER_SNAKE_CASE code is allowed within v1 (VER-002); any other casing is not.
            value = failure.instance
            return () if isinstance(value, str) and UPPER_SNAKE.match(value) else ("ERR-001",)
        if place in SHAPE_DETAIL:
            return (SHAPE_DETAIL[place],)
        if failure.schema_path and failure.schema_path[-1] == "enum":
            return ()  # VER-002: unknown enum values are allowed
    return ("VER-002",) if breaks_documented_shape(op, response) else (INFERRED_SHAPE,)


# --- negative_data_rejection --------------------------------------------------------------
# schemathesis calls data "negative" when it breaks any keyword of the spec, but the spec also
# describes values the API coerces (limit), rows it reports instead of rejecting (inventory
# rows), ISO 8601 forms wider than JSON Schema's date-time, and cost strings whose digits
# JSON Schema and the server read differently. So the request actually sent is classified
# here, field by field, against the rules the catalogue states; only those are blamed.


@dataclass(frozen=True)
class Field:
    """How a request field's value is judged, and every rule that judgement can name."""

    judge: Callable[[Any], Iterator[str]]
    rules: tuple[str, ...]


def _scalar(test: Callable[[Any], str | None], *rules: str) -> Field:
    def judge(value: Any) -> Iterator[str]:
        rule = test(value)
        if rule is not None:
            yield rule

    return Field(judge, rules)


def _identifier(value: Any) -> str | None:
    if value is None:
        return None  # null may read as absent; no written rule decides it
    if not isinstance(value, str):
        return _not_a_string(value)
    if not 1 <= len(value) <= 255:
        return "IDN-009"
    return _nul(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return _nul(value) if isinstance(value, str) else _not_a_string(value)


def _not_a_string(value: Any) -> str:
    """A number or boolean is what lenient frameworks coerce into a string (ERR-020, our
    reading); an object or array no framework does (ERR-005, documented)."""
    return "ERR-020" if isinstance(value, (int, float)) else "ERR-005"


def _nul(value: str) -> str | None:
    return "ERR-009" if "\x00" in value else None


def _wrong_type(kind: type) -> Callable[[Any], str | None]:
    return lambda value: "ERR-005" if value is not None and not isinstance(value, kind) else None


def _integer(minimum: int, below: str) -> Field:
    """An integral number such as 1.0 is an integer (decisions, as in JSON Schema)."""

    def test(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if _numeral(value):
            return "ERR-020"  # "1": coerced by lenient frameworks
        if isinstance(value, (bool, float)):
            return "ERR-010"  # true and 1.5 are what ERR-010 names
        if not isinstance(value, int):
            return "ERR-005"
        if value < minimum:
            return below
        return "ERR-010" if value > MAX_INT else None

    return _scalar(test, "ERR-005", "ERR-010", "ERR-020", below)


def _numeral(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value.strip()) is not None


def _enum(values: frozenset[str], rule: str) -> Field:
    return _scalar(lambda value: None if value is None or value in values else rule, rule)


def _boolean(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return "ERR-020" if isinstance(value, (str, int, float)) else "ERR-005"


IDENTIFIER = _scalar(_identifier, "ERR-005", "ERR-020", "IDN-009", "ERR-009")
TEXT = _scalar(_text, "ERR-005", "ERR-020", "ERR-009")


def _wrong_type_as(
    test: Callable[[Any], str | None], rule: str | None
) -> Callable[[Any], str | None]:
    """`test` with a value of the wrong type (its ERR-005) blamed on `rule` instead, or on
    none: for a field whose page lists no such refusal."""

    def judged(value: Any) -> str | None:
        found = test(value)
        return rule if found == "ERR-005" else found

    return judged


INVENTORY_NOTES = _scalar(_wrong_type_as(_text, "INV-031"), "INV-031", "ERR-020", "ERR-009")
"""The bulk upsert's notes: its error table lists only problems with inventory (INV-031)."""
DATETIME = TEXT  # a string that is no date-time is not judged: ISO 8601 is wider than RFC 3339
OBJECT = _scalar(_wrong_type(dict), "ERR-005")
BOOLEAN = _scalar(_boolean, "ERR-005", "ERR-020")
STATUS = _scalar(
    lambda value: "ORD-026" if value == "" else _text(value),
    "ERR-005",
    "ERR-020",
    "ERR-009",
    "ORD-026",
)

LINE: dict[str, Field] = {"sku_code": IDENTIFIER, "quantity": _integer(1, "ORD-008"), "notes": TEXT}


def _lines(value: Any) -> Iterator[str]:
    if not isinstance(value, list):
        yield "ERR-005"
        return
    if not value:
        yield "ORD-006"
    for line in value:
        if not isinstance(line, dict):
            yield "ERR-005"
            continue
        if "sku_code" not in line or "quantity" not in line:
            yield "ORD-007"
        yield from _judge_fields(LINE, line)


def _rows(value: Any) -> Iterator[str]:
    # The list only: a bad row is a row error in a 200 answer (INV-005, INV-012, INV-013).
    if not isinstance(value, list):
        yield "INV-020"
    elif not value:
        yield "INV-019"


LINES = Field(
    _lines, ("ERR-005", "ORD-006", "ORD-007", *{r for f in LINE.values() for r in f.rules})
)
ROWS = Field(_rows, ("INV-019", "INV-020"))

ORDER_UPDATE: dict[str, Field] = {
    "customer_name": TEXT,
    "customer_info": OBJECT,
    "notes": TEXT,
    "due_date": DATETIME,
    "metadata": OBJECT,
}
"""The header fields the orders page lists for PUT (with status); external_order_id and
order_date in a PUT are ORD-025's (SHOULD), so a server may ignore them there."""
ORDER_HEADER: dict[str, Field] = {
    "external_order_id": IDENTIFIER,
    "order_date": DATETIME,
    **ORDER_UPDATE,
}
CANCEL_REASON = _scalar(_wrong_type_as(_text, None), "ERR-020", "ERR-009")
"""The DELETE reason: the cancel error table lists only SERVICE_ERROR and NOT_FOUND, so a
reason of the wrong type is not refused at MUST (ERR-005); our readings still apply."""
PRODUCT: dict[str, Field] = {  # no cost: see the note above
    "quantity": _integer(0, "PRD-008"),
    "is_active": BOOLEAN,
    "custom_fields": OBJECT,
}
LOCATION: dict[str, Field] = {"name": TEXT, "zone": TEXT, "aisle": TEXT, "metadata": OBJECT}
SOURCES = frozenset({"bulk_import", "manual_adjustment", "erp_sync", "initial_load"})

BODY: dict[str, dict[str, Field]] = {
    "POST /orders/": {"order_number": IDENTIFIER, **ORDER_HEADER, "items": LINES},
    "PUT /orders/{identifier}/": {**ORDER_UPDATE, "status": STATUS},
    "DELETE /orders/{identifier}/": {"reason": CANCEL_REASON},
    "POST /products/": {"sku": IDENTIFIER, **PRODUCT},
    "PUT /products/{sku}/": PRODUCT,
    "POST /locations/": {"code": IDENTIFIER, **LOCATION},
    "PUT /locations/{code}/": {**LOCATION, "is_active": BOOLEAN},
    "POST /inventory/": {
        "inventory": ROWS,
        "source": _enum(SOURCES, "INV-017"),
        "notes": INVENTORY_NOTES,
    },
}
"""The body fields each operation reads (fields it ignores, like `items` in an order PUT, are
absent) and the rules a bad value breaks."""

REQUIRED: dict[str, dict[str, str]] = {
    "POST /orders/": {"order_number": "ORD-005", "items": "ORD-006"},
    "POST /products/": {"sku": "PRD-005"},
    "POST /locations/": {"code": "LOC-003"},
    "POST /inventory/": {"inventory": "INV-018"},
}
"""Fields a create cannot do without; null counts as missing (either reading is a 400)."""

QUERY: dict[str, dict[str, Field]] = {
    "GET /inventory/{identifier}/": {"by": _enum(frozenset({"location", "sku"}), "INV-027")},
}

WHOLE_BODY = ("ERR-006", "ERR-007")
"""A body that is not JSON; JSON that is not an object."""


def _judge_fields(fields: dict[str, Field], data: dict[str, Any]) -> Iterator[str]:
    for name, field in fields.items():
        if name in data:
            yield from field.judge(data[name])


def _body_violations(key: str, raw: bytes | str) -> Iterator[str]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        yield "ERR-006"
        return
    if not isinstance(body, dict):
        yield "ERR-007"
        return
    for name, rule in REQUIRED.get(key, {}).items():
        if body.get(name) is None:
            yield rule
    yield from _judge_fields(BODY[key], body)


def violations(op: Operation, response: Response) -> tuple[str, ...]:
    """The written rules the request as sent breaks, each once."""
    found: list[str] = []
    sent = response.request
    # a DELETE's body is optional: one of whitespace only is no body, not one that is not JSON
    blank = op.method == "DELETE" and not (sent.body or b"").strip()
    if op.key in BODY and sent.body is not None and not blank:
        found += _body_violations(op.key, sent.body)
    query = parse_qs(urlsplit(sent.url).query, keep_blank_values=True)
    for name, field in QUERY.get(op.key, {}).items():
        values = query.get(name, [])
        # an empty value may read as absent (as an empty limit does, PAG-008): not judged
        if len(values) == 1 and values[0] != "":
            found += field.judge(values[0])
    return tuple(dict.fromkeys(found))


def rejection_candidates(op: Operation) -> frozenset[str]:
    """Every rule `violations` can name for `op`."""
    found = {rule for field in QUERY.get(op.key, {}).values() for rule in field.rules}
    if op.key in BODY:
        found.update(WHOLE_BODY, REQUIRED.get(op.key, {}).values())
        found.update(rule for field in BODY[op.key].values() for rule in field.rules)
    return frozenset(found)


def _rejection(op: Operation, case: Case, response: Response, failure: Failure | None):
    if case.meta is None or not case.meta.generation.mode.is_negative:
        return ()
    broken = violations(op, response)
    if failure is not None:
        return broken
    body = body_of(response)
    error = body.get("error") if isinstance(body, dict) else None
    refused = response.status_code == 400 and isinstance(error, dict)
    return broken if refused and error.get("code") == "VALIDATION_ERROR" else ()


# --- linked calls after a create (stateful) -----------------------------------------------

AFTER_CREATE = {
    ("GET", "orders"): "ORD-016",
    ("PUT", "orders"): "ORD-020",
    ("DELETE", "orders"): "ORD-029",
    ("GET", "products"): "PRD-009",
    ("PUT", "products"): "PRD-012",
    ("DELETE", "products"): "PRD-017",
    ("GET", "locations"): "LOC-006",
    ("PUT", "locations"): "LOC-009",
    ("DELETE", "locations"): "LOC-013",
}
"""The rule a call breaks when it follows a link from a create and does not find the record
just created (by the identifier the create answered). A found record proves only the read."""


def reachable_requirements(op: Operation) -> tuple[str, ...]:
    """What a call that follows a link from a create can break. schemathesis's
    ensure_resource_availability says the same, but see EXCLUDED."""
    rule = AFTER_CREATE.get((op.method, op.collection)) if is_single(op) else None
    return (rule,) if rule else ()


# --- the registry -------------------------------------------------------------------------


def _always(*ids: str) -> Callable[[Operation], frozenset[str]]:
    return lambda op: frozenset(ids)


RULES: tuple[Rule, ...] = (
    Rule(builtin.not_a_server_error, _always("ERR-004"), _server_error),
    Rule(
        openapi.status_code_conformance,
        lambda op: frozenset(
            {success_requirement(op), CODE_WITH_OTHER_STATUS, UNLISTED_ERROR_STATUS}
        ),
        _status,
    ),
    Rule(openapi.content_type_conformance, _always("ENV-006"), _content_type),
    Rule(
        openapi.response_schema_conformance,
        _always("VER-002", INFERRED_SHAPE, *SHAPE_DETAIL.values()),
        _shape,
    ),
    Rule(openapi.negative_data_rejection, rejection_candidates, _rejection),
)

EXCLUDED: dict[str, str] = {
    "positive_data_acceptance": (
        "schema-valid data is still refused by documented business rules: an unknown sku_code "
        "is 400 SERVICE_ERROR, a reused sku 409, a NUL in a string 400; it would cry wolf"
    ),
    "missing_required_header": (
        "no operation declares a required header parameter; the missing X-API-Key header is "
        "the auth area's (AUTH-002, AUTH-003)"
    ),
    "unsupported_method": (
        "runs only in schemathesis's coverage phase, which this suite does not use; 405 for "
        "undocumented methods is checked by the errors area (ERR-012..ERR-014, ERR-018)"
    ),
    "allow_header_conformance": (
        "looks at OPTIONS answers only, and OPTIONS is 405 by decision (ERR-014)"
    ),
    "response_headers_conformance": (
        "the spec declares no response headers; Sunset, Deprecation, Link and rate-limit "
        "headers are checked where present by VER-003..VER-006 and LIM-005, LIM-006"
    ),
    "ensure_resource_availability": (
        "tells a link's value from a drawn one by the case's overrides, which stay empty for "
        "values a link fills through the state machine API, so it cannot fire there; the same "
        "rule is judged from the step's applied link parameters (reachable_requirements)"
    ),
    "use_after_free": (
        "expects 404 after DELETE, but DELETE is a soft delete here: the record stays readable "
        "(ORD-029, PRD-017, LOC-014); it would cry wolf"
    ),
    "ignored_auth": (
        "re-sends every request without and with a wrong key, doubling the run; the auth area "
        "checks every operation for that with the exact statuses and bodies (AUTH-002, AUTH-004)"
    ),
    "object_level_authorization": (
        "needs two identities owning different records; keys here differ by scope, not by "
        "owner, and scopes are the scopes area's (SCOPE-*)"
    ),
}


def candidates(op: Operation, *, negative: bool, linked: bool) -> frozenset[str]:
    """The requirements a test of `op` can observe (what it declares)."""
    found = set(reachable_requirements(op)) if linked else set()
    for rule in RULES:
        if rule.check is not openapi.negative_data_rejection or negative:
            found |= rule.candidates(op)
    return frozenset(found)

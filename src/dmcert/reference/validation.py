"""Request body parsing and field validators (decisions.md, General: field validation).

Every problem becomes a 400 VALIDATION_ERROR naming the field, before anything reaches the
database: no NUL in a string field (PostgreSQL text rejects it; inside free JSON objects it
is stored escaped), no lone surrogate anywhere (not UTF-8), JSON integers only (no booleans,
no strings, no 1.5; 1.0 counts as 1 as in JSON Schema), bounded integers and identifiers,
bounded nesting.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from dmcert.reference.responses import ApiError, validation_error
from dmcert.reference.settings import Settings

MAX_INT: Final = 2_147_483_647
MAX_IDENTIFIER: Final = 255
MAX_DEPTH: Final = 32
MISSING: Final = object()
NOT_JSON: Final = "Request body is not valid JSON."

SETTINGS: ContextVar[Settings | None] = ContextVar("settings", default=None)
"""The settings of the request being validated (set per request), for the variants that
live here: scalar_coercion (the scalar checks accept what DRF's fields accept: a number for
a string, "1" for an integer, "true" for a boolean) and unknown_fields_rejected; and the
faults of body parsing and field validation (object_taken_as_string, nul_accepted, ...)."""
_NUMERAL = re.compile(r"[+-]?[0-9]{1,18}")
_BOOLEANS = {"true": True, "false": False}

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_CENT = Decimal("0.01")
_MAX_COST = Decimal("1e12")


def _chose(variant: str) -> bool:
    settings = SETTINGS.get()
    return settings is not None and settings.chose(variant)


def _has(fault: str) -> bool:
    settings = SETTINGS.get()
    return settings is not None and settings.has(fault)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def nesting_depth(body: bytes) -> int:
    """How deeply the JSON arrays and objects of `body` nest (brackets in strings count too:
    an upper bound, which is all a depth limit needs)."""
    depth = deepest = 0
    for byte in body:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest


def parse_object(body: bytes) -> dict[str, Any]:
    """The JSON object in `body`, whatever the Content-Type; anything else is 400."""
    try:
        value = json.loads(
            body.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        if _has("bad_json_parse_error_code"):
            raise ApiError(400, "PARSE_ERROR", NOT_JSON) from None
        raise validation_error(NOT_JSON) from None
    if not isinstance(value, dict):
        if _has("non_object_body_read_as_empty"):
            return {}
        raise validation_error("Request body must be a JSON object.")
    return value


def clean_string(value: str) -> str | None:
    """Why `value` cannot be a string field, or None when it can."""
    if "\x00" in value and not _has("nul_accepted"):
        return "must not contain NUL characters"
    return _unicode_problem(value)


def _unicode_problem(value: str) -> str | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text"
    return None


def check_text(field: str, value: Any) -> str:
    if isinstance(value, (dict, list)) and _has("object_taken_as_string"):
        value = json.dumps(value)
    coerced = isinstance(value, (int, float)) and not isinstance(value, bool)
    if coerced and _chose("scalar_coercion"):
        value = str(value)
    if not isinstance(value, str):
        raise validation_error(f"{field}: must be a string.")
    problem = clean_string(value)
    if problem:
        raise validation_error(f"{field}: {problem}.")
    return value


def check_identifier(field: str, value: Any) -> str:
    value = check_text(field, value)
    settings = SETTINGS.get()
    unbounded = settings is not None and settings.has("long_identifier_accepted")
    if not value or (len(value) > MAX_IDENTIFIER and not unbounded):
        raise validation_error(f"{field}: must be 1 to {MAX_IDENTIFIER} characters long.")
    return value


def check_integer(field: str, value: Any, minimum: int | None = 0) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema: 1.0 is the integer 1
    if _chose("scalar_coercion") and isinstance(value, str) and _NUMERAL.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, str) and _has("numeric_string_taken_as_integer"):
        with contextlib.suppress(ValueError):
            value = int(value)
    if isinstance(value, bool) and _has("boolean_taken_as_integer"):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise validation_error(f"{field}: must be an integer.")
    if minimum is not None and value < minimum:
        raise validation_error(f"{field}: must be greater than or equal to {minimum}.")
    if value > MAX_INT:
        raise validation_error(f"{field}: must be less than or equal to {MAX_INT}.")
    if value < -MAX_INT:
        raise validation_error(f"{field}: must be greater than or equal to {-MAX_INT}.")
    return value


def check_boolean(field: str, value: Any) -> bool:
    if _chose("scalar_coercion") and isinstance(value, str) and value.lower() in _BOOLEANS:
        value = _BOOLEANS[value.lower()]
    if not isinstance(value, bool):
        raise validation_error(f"{field}: must be a boolean.")
    return value


def check_object(field: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise validation_error(f"{field}: must be a JSON object.")
    problem = _json_problem(value, 1)
    if problem:
        raise validation_error(f"{field}: {problem}.")
    return value


def _json_problem(value: Any, depth: int) -> str | None:
    if depth > MAX_DEPTH:
        return f"must not be nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, str):
        return _unicode_problem(value)  # JSON columns keep NUL as \u0000 on both backends
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:
        problem = _json_problem(item, depth + 1)
        if problem:
            return problem
    return None


def check_datetime(field: str, value: Any) -> datetime:
    text = check_text(field, value)
    try:
        if not _DATETIME.match(text):
            raise ValueError
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise validation_error(f"{field}: must be an ISO 8601 date-time.") from None


def check_cost(field: str, value: Any) -> str | None:
    """A decimal amount (number or numeric string) as its two-decimal string, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise validation_error(f"{field}: must be a decimal number, a numeric string or null.")
    text = value if isinstance(value, str) else repr(value)
    try:
        if isinstance(value, str) and (len(value) > 1000 or not _DECIMAL.fullmatch(value)):
            raise InvalidOperation
        amount = Decimal(text)
        if not amount.is_finite() or abs(amount) >= _MAX_COST:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise validation_error(
            f"{field}: must be a decimal number below 1000000000000 in absolute value."
        ) from None
    amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    return str(amount + 0)  # + 0 turns -0.00 into 0.00


class Fields:
    """Typed access to the fields of a request object; absent fields come back as MISSING."""

    def __init__(self, data: dict[str, Any], prefix: str = "") -> None:
        self.data = data
        self.prefix = prefix
        self.read: set[str] = set()

    def name(self, field: str) -> str:
        return f"{self.prefix}{field}"

    def get(self, field: str, check, *, required: bool = False, **options: Any) -> Any:
        self.read.add(field)
        if field not in self.data:
            if required:
                raise validation_error(f"{self.name(field)}: This field is required.")
            return MISSING
        return check(self.name(field), self.data[field], **options)

    def done(self) -> None:
        """All fields read: unknown ones are ignored (decisions.md), or 400 under the
        unknown_fields_rejected variant."""
        unknown = sorted(set(self.data) - self.read)
        if unknown and _has("unknown_field_crashes"):
            raise TypeError(f"{unknown[0]!r} is an invalid keyword argument for the row")
        if unknown and _chose("unknown_fields_rejected"):
            raise validation_error(f"{self.name(unknown[0])}: unknown field.")


def present(values: dict[str, Any]) -> dict[str, Any]:
    """`values` without the fields that were absent from the request."""
    return {name: value for name, value in values.items() if value is not MISSING}

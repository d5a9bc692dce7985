"""Response envelopes (decisions.md, General): success, list with pagination, application
error, and the auth layer's {"detail": ...}. Every body is JSON served as application/json."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from starlette.responses import Response

from dmcert.reference.settings import Settings

AUTH_MISSING = "Authentication credentials were not provided."
AUTH_INVALID = "Invalid API key"
AUTH_EXPIRED = "API key has expired"
SCOPE_DENIED = "You do not have permission to perform this action."

# the integration-log status of each application error code (decisions.md, Audit log)
_LOG_STATUS = {
    "VALIDATION_ERROR": "validation_error",
    "SERVICE_ERROR": "service_error",
    "NOT_FOUND": "not_found",
    "MAPPING_ERROR": "mapping_error",
    "DUPLICATE": "duplicate",
}


class ApiError(Exception):
    """An application error, answered in the error envelope."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def validation_error(message: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", message)


def service_error(message: str) -> ApiError:
    return ApiError(400, "SERVICE_ERROR", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", message)


def duplicate(message: str) -> ApiError:
    return ApiError(409, "DUPLICATE", message)


@dataclass
class Result:
    """What a handler answers, before rendering; also what the audit log records."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    record_id: str | None = None
    code: str | None = None

    @property
    def log_status(self) -> str:
        if 200 <= self.status < 300:
            return "success"
        return _LOG_STATUS.get(self.code or "", "error")

    @property
    def error_message(self) -> str | None:
        error = self.body.get("error")
        return error.get("message") if isinstance(error, dict) else None


def ok(data: Any, status: int = 200, record_id: str | None = None) -> Result:
    return Result(status, {"success": True, "data": data}, {}, record_id=record_id)


def page(settings: Settings, data: list, limit: int, next_cursor: str | None) -> Result:
    body: dict[str, Any] = {"success": True, "data": data}
    bare = next_cursor is None and settings.has("last_page_without_pagination")
    if not settings.has("list_without_pagination") and not bare:
        shown = str(limit) if settings.has("pagination_limit_string") else limit
        body["pagination"] = {"limit": shown, "next_cursor": next_cursor}
    return Result(200, body, {})


def error(settings: Settings, exc: ApiError) -> Result:
    headers = dict(exc.headers)
    if settings.has("allow_header_missing"):
        headers.pop("Allow", None)
    if exc.status == 404 and settings.has("not_found_detail_body"):
        return Result(404, {"detail": "Not found."}, headers, code=exc.code)
    code = exc.code.lower() if settings.has("lowercase_error_codes") else exc.code
    field, _, problem = exc.message.partition(": ")
    field_error = exc.code == "VALIDATION_ERROR" and bool(problem)
    message = exc.message
    named = field_error and " " not in field  # a field name, not "Invalid cursor: ..."
    in_details = named and settings.chose("error_field_in_details")
    if field_error and (settings.has("validation_message_without_field") or in_details):
        message = problem
    error: dict[str, Any] = {"code": code, "message": message}
    if field_error and (settings.chose("validation_error_details") or in_details):
        error["details"] = {field: [problem]}
    body = {"success": settings.has("error_success_true"), "error": error}
    if settings.has("error_message_outside_error"):
        body["message"] = error.pop("message")
    return Result(exc.status, body, headers, code=exc.code)


def without(entries: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """List entries with the field `name` left out (faults whose list omits a field)."""
    return [{key: value for key, value in entry.items() if key != name} for entry in entries]


def summaries(entries: list[dict[str, Any]], names: tuple[str, ...]) -> list[dict[str, Any]]:
    """List entries holding only the fields `names` (summary_list_entries)."""
    return [{key: entry[key] for key in names if key in entry} for entry in entries]


def detail(status: int, text: str) -> Result:
    return Result(status, {"detail": text}, {})


_TITLES = {401: "Unauthorized", 403: "Forbidden"}
_PROBLEM_JSON = {"Content-Type": "application/problem+json"}


def problem_details(result: Result) -> Result:
    """The problem_details_auth variant: an auth refusal as RFC 9457 Problem Details, the
    way Spring Boot 3 and ASP.NET Core answer (type, title, status beside the detail)."""
    body = {
        "type": "about:blank",
        "title": _TITLES.get(result.status, "Error"),
        "status": result.status,
        **result.body,
    }
    return replace(result, body=body, headers={**result.headers, **_PROBLEM_JSON})


def render(settings: Settings, result: Result) -> Response:
    """The HTTP response for `result` (uvicorn drops the body of a HEAD answer itself)."""
    media_type = "text/plain" if settings.has("text_plain_content_type") else "application/json"
    body = result.body
    if body.get("success") is True:
        for change in _record_changes(settings, result.status):
            body = {**body, "data": _each_record(body["data"], change)}
    if settings.chose("zulu_timestamps"):
        body = _restamp(body, _as_zulu)
    if settings.chose("second_precision_timestamps"):
        body = _restamp(body, _whole_seconds)
    if settings.chose("millisecond_timestamps"):
        body = _restamp(body, _milliseconds)
    if settings.has("timestamps_without_offset"):
        body = _restamp(body, _without_offset)
    if settings.chose("local_datetime_dates"):
        body = _restamp(body, _without_offset, _ORDER_DATES)
    headers = result.headers
    for fault, malformed in _MALFORMED_HEADERS.items():
        if settings.has(fault):
            headers = {**headers, **malformed}
    if result.status == 204:
        return Response(b"", 204, headers)
    return Response(encode(body), result.status, headers, media_type)


_SUNSET = "Fri, 01 Jan 2027 00:00:00 GMT"
_DEPRECATION_LINK = '<https://docs.datamingle.example/changelog>; rel="deprecation"'
_MALFORMED_HEADERS: dict[str, dict[str, str]] = {
    "retry_after_fractional": {"Retry-After": "0.5"},
    "ratelimit_remaining_negative": {"X-RateLimit-Remaining": "-1"},
    "sunset_iso_date": {"Sunset": "2027-01-01"},
    "deprecation_as_date": {
        "Deprecation": "@1798761600",
        "Sunset": _SUNSET,
        "Link": _DEPRECATION_LINK,
    },
    "deprecation_link_unbracketed": {"Link": _DEPRECATION_LINK.replace("<", "").replace(">", "")},
    "deprecation_alone": {"Deprecation": "true"},
}
"""The throttling and deprecation headers each fault adds to every response, malformed."""


_EXTRAS = {"tenant": "reference", "revision": 1}
Record = dict[str, Any]
"""Fields a framework's serializer might add to every record (extra_response_fields)."""
_UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$")


def _record_changes(settings: Settings, status: int) -> list[Callable[[Record], Record]]:
    """What the chosen variants and faults change in each record of a success answer."""
    created = status == 201 and settings.chose("create_answer_omits_null_fields")
    chosen = (
        (settings.chose("extra_response_fields"), _with_extras),
        (settings.has("record_ids_without_dashes"), _undashed),
        (settings.chose("volatile_version_field"), _with_modified),
        (created or settings.chose("nulls_omitted"), _without_nulls),
    )
    return [change for on, change in chosen if on]


def _with_extras(record: Record) -> Record:
    """The extra_response_fields variant: fields the docs do not name."""
    return {**record, **_EXTRAS}


def _each_record(data: Any, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """`data` with `change` applied to each record in it (an object with an id)."""
    if isinstance(data, list):
        return [_each_record(item, change) for item in data]
    if isinstance(data, dict) and "id" in data:
        return change(data)
    return data


def _undashed(record: dict[str, Any]) -> dict[str, Any]:
    """The record_ids_without_dashes fault: the id as 32 hex digits (Python's uuid.hex)."""
    ident = record["id"]
    return {**record, "id": ident.replace("-", "") if isinstance(ident, str) else ident}


def _with_modified(record: dict[str, Any]) -> dict[str, Any]:
    """The volatile_version_field variant: `modified`, the time of the record's last write."""
    return {**record, "modified": record["updated_at"]} if "updated_at" in record else record


_SHOWN_NULL = frozenset({"cost"})
"""Fields the docs' examples show as null (the products 201 example's "cost": null)."""


def _without_nulls(record: dict[str, Any]) -> dict[str, Any]:
    """The record and its order lines without their null fields, but those the docs show
    null (create_answer_omits_null_fields, nulls_omitted); free JSON such as metadata is
    left as sent."""
    kept = {n: value for n, value in record.items() if value is not None or n in _SHOWN_NULL}
    if isinstance(kept.get("items"), list):
        kept["items"] = [
            _without_nulls(line) if isinstance(line, dict) else line for line in kept["items"]
        ]
    return kept


_STAMPS = frozenset({"created_at", "updated_at", "order_date", "due_date"})
_ORDER_DATES = frozenset({"order_date", "due_date"})


def _restamp(value: Any, rewrite: Callable[[str], str], names: frozenset[str] = _STAMPS) -> Any:
    """The records' timestamps `names` (UTC, written with +00:00) rewritten by `rewrite`
    (free JSON such as metadata is left as sent)."""
    if isinstance(value, list):
        return [_restamp(item, rewrite, names) for item in value]
    if not isinstance(value, dict):
        return value
    changed = {}
    for name, item in value.items():
        if name in names and isinstance(item, str) and _UTC_STAMP.match(item):
            changed[name] = rewrite(item)
        elif name in ("data", "items"):
            changed[name] = _restamp(item, rewrite, names)
    return {**value, **changed}


def _as_zulu(stamp: str) -> str:
    """As DRF writes a timestamp: microseconds and a Z (zulu_timestamps)."""
    whole, _, fraction = stamp.removesuffix("+00:00").partition(".")
    return f"{whole}.{fraction.ljust(6, '0')}Z"


def _whole_seconds(stamp: str) -> str:
    """As the docs' examples show a timestamp: whole seconds and a Z, the fraction the
    lists sort on left out (second_precision_timestamps)."""
    return f"{stamp.removesuffix('+00:00').partition('.')[0]}Z"


def _milliseconds(stamp: str) -> str:
    """As Node's pg and Date write a microsecond column: three fractional digits and a Z,
    the microseconds the lists sort on cut off (millisecond_timestamps)."""
    whole, _, fraction = stamp.removesuffix("+00:00").partition(".")
    return f"{whole}.{fraction[:3].ljust(3, '0')}Z"


def _without_offset(stamp: str) -> str:
    """The timestamps_without_offset fault: a naive ISO 8601 date-time."""
    return stamp.removesuffix("+00:00")


def encode(body: Any) -> bytes:
    """Compact UTF-8 JSON; strings that cannot be UTF-8 (lone surrogates echoed back from a
    request) fall back to \\u escapes instead of failing."""
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, separators=(",", ":")).encode("ascii")

"""The reference target's ASGI application.

Order of checks (decisions.md, Auth and scopes): body size at ingress (413), then
authentication (403/401), routing (404/405), scope (403), body validation (400) and the
business rules. Everything after the body is read runs in one worker thread (one hop per
request); the event loop only moves bytes. Requests that pass authentication and scope are
written to the audit log. No input may produce a 5xx: anything unexpected is logged and
answered 500 in the error envelope, which the tests treat as a defect.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from dmcert.contract.partners import ResourceMapping
from dmcert.reference import (
    admin,
    audit,
    auth,
    inventory,
    locations,
    orders,
    partner_calls,
    products,
    responses,
    routing,
    validation,
)
from dmcert.reference.context import Call, DropConnection
from dmcert.reference.database import Database, open_database
from dmcert.reference.responses import ApiError, Result
from dmcert.reference.routing import COLLECTION, ITEM, Endpoint, Router
from dmcert.reference.settings import Settings
from dmcert.reference.tls import StrictTransportSecurity

log = logging.getLogger("dmcert.reference")

MAX_BODY = 10 * 1024 * 1024  # 10,485,760 bytes (api-facts.md §20)
TEN_MILLION = 10_000_000  # 10 MB in decimal units (variant ten_million_byte_limit)
# an oversized body is still read (and dropped) up to this much, so that the client, which
# sends its whole body before reading, sees the 413 instead of a reset connection
_DRAIN_LIMIT = 64 * 1024 * 1024
_SLOW_LIST_SECONDS = 1.2
# gunicorn's defaults (limit_request_line 4094, limit_request_field_size 8190), which the
# server_request_limits variant enforces as a server in front of the API would
_MAX_REQUEST_LINE = 4094
_MAX_HEADERS = 8190
_SERVER_LIMIT_PAGE = b"<html><body><h1>Bad Request</h1></body></html>"
_TOO_LARGE_PAGE = b"<html><body><h1>413 Request Entity Too Large</h1></body></html>"
_SLOW_LOCATION_LIST_FACTOR = 1.0  # slow_location_list: +100 % of the time spent answering
_RATE_LIMIT = 60  # per_key_rate_limit: requests a key may send in one minute
_GATEWAY_QUEUE = 50  # in_flight_over_50_dropped: requests in flight before it refuses more
_GATEWAY_HOLD_SECONDS = 2.0  # ... and how long it holds each, so that a burst overlaps
_BODILESS = {
    "DELETE": ("products", "delete_answers_204", "delete_answers_success_only"),
    "PUT": ("orders", "put_answers_204", "put_answers_success_only"),
}
"""Per method: the one resource whose page shows the success body (the products DELETE
example, the orders page's "200 OK with the full updated order"), and the variants that
answer the others' with 204, or with 200 `{"success": true}`."""


def build_router() -> Router:
    router = Router()
    crud = {"orders": orders, "products": products, "locations": locations}
    for name, module in crud.items():
        router.add(name, COLLECTION, "GET", Endpoint(module.listing))
        router.add(name, COLLECTION, "POST", Endpoint(module.create, module.validate_create))
        router.add(name, ITEM, "GET", Endpoint(module.retrieve))
        router.add(name, ITEM, "PUT", Endpoint(module.replace, module.validate_update))
    router.add("orders", ITEM, "DELETE", Endpoint(orders.cancel))
    router.add("products", ITEM, "DELETE", Endpoint(products.deactivate))
    router.add("locations", ITEM, "DELETE", Endpoint(locations.deactivate))
    router.add("inventory", COLLECTION, "GET", Endpoint(inventory.listing))
    router.add("inventory", COLLECTION, "POST", Endpoint(inventory.bulk, inventory.validate_bulk))
    router.add("inventory", ITEM, "GET", Endpoint(inventory.by_identifier))
    return router


class _TooLarge(Exception):
    pass


@dataclass(frozen=True)
class Incoming:
    """The parts of a request the worker thread needs."""

    method: str
    segments: list[str | None]
    api_key: str | None
    query: dict[str, str]
    body: bytes
    path: str
    content_type: str


class ReferenceApi:
    """ASGI endpoint behind Starlette's single catch-all route."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.router = build_router()
        self._requests = itertools.count(1)
        self._count_lock = threading.Lock()
        self._per_key: Counter[tuple[str, int]] = Counter()
        self._in_flight = 0  # keyed requests being handled (fault in_flight_over_50_dropped)
        self._replays: dict[tuple[str | None, str], Result] = {}
        """The idempotency_key_replayed fault's cache: the first answer per (key, header)."""
        self.methods: Counter[str] = Counter()
        """Methods of every request outside /_reference/, counted before anything else
        (auth included) answers it: what a client sent, not only what was logged."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        gated = self.settings.has("in_flight_over_50_dropped") and "x-api-key" in request.headers
        if gated and not await self._admitted():
            await _drop_connection(receive)
            return
        try:
            response = await self.respond(request)
        except DropConnection:
            await _drop_connection(receive)
            return
        finally:
            if gated:
                self._in_flight -= 1
        await response(scope, receive, send)

    async def _admitted(self) -> bool:
        """The fault in_flight_over_50_dropped: a gateway that holds each keyed request a
        while and refuses (closes the connection of) any beyond 50 in flight. One event
        loop runs this, so the counter needs no lock."""
        if self._in_flight >= _GATEWAY_QUEUE:
            return False
        self._in_flight += 1
        await anyio.sleep(_GATEWAY_HOLD_SECONDS)
        return True

    async def respond(self, request: Request) -> Response:
        arrived = time.perf_counter()
        settings = self.settings
        if settings.chose("server_request_limits"):
            refused = _server_limit(request)
            if refused is not None:
                return refused
        segments = routing.path_segments(settings, request.scope)
        if segments[:1] == ["_reference"]:
            return await admin.respond(settings, self.db, self.methods, request, segments[1:])
        self.methods[request.method] += 1
        api = routing.api_segments(segments)
        if api is None:
            return self._render(responses.error(settings, responses.not_found("No such path.")))
        try:
            routing.firewall(settings, request.scope)
        except ApiError as refused:
            return self._render(responses.error(settings, refused))
        if settings.has("options_cors_204") and request.method == "OPTIONS":
            return Response(b"", 204, {"Access-Control-Allow-Origin": "*"})
        if settings.has("locations_without_slash"):
            api = routing.without_slash(api)
        if settings.has("trailing_slash_optional") and self.router.wants_slash(api):
            api = [*api, ""]
        if settings.chose("trailing_slash_redirect") and self.router.wants_slash(api):
            query = request.url.query
            location = request.url.path + "/" + (f"?{query}" if query else "")
            return Response(b"", 301, {"Location": location}, media_type="text/html")
        if settings.has("flaky_5xx") and self._next_request() % 10 == 0:
            failure = ApiError(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable.")
            return self._render(responses.error(settings, failure))
        closing = settings.chose("close_on_oversized_body")
        try:
            body = await _read_body(request, _body_cap(settings), drain=not closing)
        except _TooLarge:
            if settings.has("payload_too_large_html"):
                return Response(_TOO_LARGE_PAGE, 413, media_type="text/html")
            message = f"Request body exceeds {_body_cap(settings)} bytes."
            # uvicorn closes the connection after an answer saying Connection: close
            headers = {"Connection": "close"} if closing else {}
            too_large = ApiError(413, "PAYLOAD_TOO_LARGE", message, headers)
            return self._render(responses.error(settings, too_large))
        incoming = Incoming(
            method=request.method,
            segments=api,
            api_key=_api_key(settings, request),
            query=dict(request.query_params),
            body=body,
            path=request.scope.get("raw_path", b"").decode("latin-1") or request.url.path,
            content_type=request.headers.get("content-type", ""),
        )
        replay = request.headers.get("idempotency-key")
        if replay and request.method == "POST" and settings.has("idempotency_key_replayed"):
            result = await run_in_threadpool(self._replayed, incoming, replay)
        else:
            result = await run_in_threadpool(self.process, incoming)
        if settings.has("slow_lists") and request.method in ("GET", "HEAD") and _is_list(api):
            await anyio.sleep(_SLOW_LIST_SECONDS)
        response = self._render(result)
        if settings.has("slow_location_list") and _is_list(api) and api[0] == "locations":
            # as long again as everything the answer took here, from arrival to the rendered body
            await anyio.sleep((time.perf_counter() - arrived) * _SLOW_LOCATION_LIST_FACTOR)
        return response

    def _next_request(self) -> int:
        with self._count_lock:
            return next(self._requests)

    def _throttle(self, caller: auth.Caller) -> None:
        """The per_key_rate_limit fault: 429 past _RATE_LIMIT requests of a key in a minute."""
        window = (caller.name, int(time.monotonic() // 60))
        with self._count_lock:
            self._per_key[window] += 1
            sent = self._per_key[window]
        if sent > _RATE_LIMIT:
            raise ApiError(429, "RATE_LIMITED", "Too many requests.", {"Retry-After": "60"})

    def _render(self, result: Result) -> Response:
        return responses.render(self.settings, result)

    def _replayed(self, incoming: Incoming, idempotency_key: str) -> Result:
        """Fault idempotency_key_replayed: a POST repeating an Idempotency-Key (of the same
        API key) gets the answer the first one got, and is not processed."""
        key = (incoming.api_key, idempotency_key)
        if key not in self._replays:
            self._replays[key] = self.process(incoming)
        return self._replays[key]

    def process(self, incoming: Incoming) -> Result:
        """Authenticate, route, check the scope, handle and audit one request."""
        settings = self.settings
        validation.SETTINGS.set(settings)
        try:
            if settings.chose("not_found_before_auth"):
                self.router.match(incoming.segments)
            if incoming.body and settings.has("body_parsed_before_auth"):
                validation.parse_object(incoming.body)
            caller = self._authenticate(incoming)
            if settings.has("per_key_rate_limit"):
                self._throttle(caller)
            match = self.router.match(incoming.segments)
            scope_first = settings.has("scope_before_method_check")
            if scope_first and not auth.may(settings, caller, incoming.method, match.resource):
                raise auth.scope_denied(settings)
            endpoint = self._endpoint(match, incoming.method)
            call = self._call(incoming, match, caller)
            if not auth.may(settings, caller, incoming.method, match.resource):
                self._denied_anyway(call, match, endpoint)
                raise auth.scope_denied(settings)
            mapping = partner_calls.mapping_for(settings, caller, match.resource)
            if incoming.body and settings.chose("json_content_type_required"):
                _require_json(incoming.content_type)
        except auth.Denied as denied:
            if settings.has("auth_rejections_logged"):
                audit.record_refusal(
                    self.db, incoming.method, incoming.path, denied.result.status, incoming.body
                )
            if settings.has("auth_detail_with_success"):
                return replace(denied.result, body={"success": False, **denied.result.body})
            if settings.chose("problem_details_auth"):
                return responses.problem_details(denied.result)
            return denied.result
        except ApiError as exc:
            return responses.error(settings, exc)
        except DropConnection:
            raise
        except Exception:
            log.exception("unexpected error before the handler")
            return responses.error(settings, _internal())
        result = self._handle(call, endpoint, mapping)
        try:
            audit.record(self.db, caller, incoming.method, incoming.path, call, result)
        except Exception:
            log.exception("audit log write failed")
        return result

    def _authenticate(self, incoming: Incoming) -> auth.Caller:
        """The caller presenting the request's key, or Denied; under the validation_before_auth
        variant an invalid request is 400 before its key is refused."""
        try:
            with self.db.read() as conn:
                return auth.authenticate(conn, self.settings, incoming.api_key)
        except auth.Denied:
            if self.settings.chose("validation_before_auth"):
                self._validate_unauthenticated(incoming)
            raise

    def _validate_unauthenticated(self, incoming: Incoming) -> None:
        """The validation_before_auth variant ahead of a refused key: the request validated as
        a pass-through call (no key was accepted to say otherwise); routing keeps its place
        after authentication."""
        try:
            match = self.router.match(incoming.segments)
            endpoint = self._endpoint(match, incoming.method)
        except ApiError:
            return
        _validate_request(self._call(incoming, match, None), endpoint)

    def _call(self, incoming: Incoming, match: routing.Match, caller: auth.Caller | None) -> Call:
        """What the handlers get; `caller` None is read as a pass-through key."""
        settings = self.settings
        field = None
        if caller is not None:
            field = partner_calls.identifier_field(settings, caller, match.resource)
        return Call(
            settings=settings,
            db=self.db,
            method=incoming.method,
            resource=match.resource,
            identifier=match.identifier,
            query=incoming.query,
            body=_body_read(settings, incoming),
            identifier_field=field,
        )

    def _endpoint(self, match: routing.Match, method: str) -> Endpoint:
        """The endpoint for `method`, with the framework behaviour the variants choose for
        OPTIONS (200 with Allow) and PATCH (a partial update, as PUT is)."""
        settings = self.settings
        if method == "OPTIONS" and settings.chose("options_allowed"):
            allow = f"{match.allow}, OPTIONS"
            return Endpoint(lambda _call: Result(200, {"name": match.resource}, {"Allow": allow}))
        if method == "PATCH" and settings.chose("patch_partial_update") and "PUT" in match.methods:
            return match.methods["PUT"]
        if method == "POST" and settings.has("post_on_record_updates") and "PUT" in match.methods:
            return match.methods["PUT"]
        return match.endpoint(method, head_is_get=not settings.has("head_not_routed"))

    def _denied_anyway(self, call: Call, match: routing.Match, endpoint: Endpoint) -> None:
        """What the scope faults do with a request about to be denied."""
        settings = self.settings
        if settings.has("record_lookup_before_scope") and match.identifier is not None:
            match.methods["GET"].handler(call)  # 404 for an unknown record
        if settings.chose("validation_before_auth"):
            _validate_request(call, endpoint)
        if settings.has("denied_write_persists") and call.method == "POST":
            with contextlib.suppress(ApiError):
                endpoint.handler(call)

    def _handle(self, call: Call, endpoint: Endpoint, mapping: ResourceMapping | None) -> Result:
        """The handler's answer; with a partner mapping, the body mapped before validation
        and the answer reverse-mapped (partner_calls)."""
        try:
            if mapping is not None:
                partner_calls.map_request(call, mapping)
            result = endpoint.handler(call)
            result = self._without_body(call, result)
        except ApiError as exc:
            result = responses.error(self.settings, exc)
        except DropConnection:
            raise
        except Exception:
            log.exception("unexpected error in %s %s", call.method, call.resource)
            return responses.error(self.settings, _internal())
        if mapping is None:
            return result
        return partner_calls.map_result(self.settings, mapping, result)

    def _without_body(self, call: Call, result: Result) -> Result:
        """A variant's answer to a successful call where the docs show no success body (gap
        5): 204, or 200 with `{"success": true}` (_BODILESS)."""
        bodiless = _BODILESS.get(call.method)
        if bodiless is None or call.resource == bodiless[0]:
            return result
        _, no_content, success_only = bodiless
        if self.settings.chose(no_content):
            return replace(result, status=204, body={})
        if self.settings.chose(success_only):
            return replace(result, status=200, body={"success": True})
        return result


def _validate_request(call: Call, endpoint: Endpoint) -> None:
    """The validation_before_auth variant's early check: a write's body (its validator), a
    read's query (the read itself, whose only 400s are query errors); a 404 or any other
    answer keeps its place after the auth layer."""
    check = endpoint.validator
    if check is None and call.method in ("GET", "HEAD"):
        check = endpoint.handler
    if check is None:
        return
    try:
        check(call)
    except ApiError as exc:
        if exc.status == 400:
            raise


def _server_limit(request: Request) -> Response | None:
    """gunicorn's answer to a request line or header block over its limits, or None."""
    scope = request.scope
    line = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 16
    headers = sum(len(name) + len(value) + 4 for name, value in scope.get("headers", []))
    status = 414 if line > _MAX_REQUEST_LINE else 431 if headers > _MAX_HEADERS else None
    if status is None:
        return None
    return Response(_SERVER_LIMIT_PAGE, status, media_type="text/html")


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _is_json(content_type: str) -> bool:
    media_type = _media_type(content_type)
    return media_type == "application/json" or media_type.endswith("+json")


def _body_read(settings: Settings, incoming: Incoming) -> bytes:
    """The body the handlers read: all of it whatever the Content-Type (decisions.md), or
    nothing unless it is JSON under the body_ignored_without_json_content_type fault."""
    ignored = settings.has("body_ignored_without_json_content_type")
    return b"" if ignored and not _is_json(incoming.content_type) else incoming.body


def _require_json(content_type: str) -> None:
    if not _is_json(content_type):
        shown = _media_type(content_type) or "none"
        message = f"Unsupported media type {shown!r}; send application/json."
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", message)


async def _drop_connection(receive: Receive) -> None:
    """Fault injection: close the connection without a response. Starlette passes uvicorn's
    `receive` through unwrapped, and it is a method of the request cycle that owns the
    transport; once the connection is lost uvicorn sends nothing (not even its 500)."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:
        raise RuntimeError("drop_connection fault: no transport to close")
    transport.abort()
    await anyio.sleep(0.05)  # let uvicorn see the connection lost before the app returns


def _internal() -> ApiError:
    return ApiError(500, "INTERNAL_ERROR", "Internal server error.")


def _is_list(api: list[str | None]) -> bool:
    return len(api) == 2 and api[1] == ""


def _api_key(settings: Settings, request: Request) -> str | None:
    """The X-API-Key value, None without the header."""
    if settings.has("api_key_header_misnamed"):
        return request.headers.get("x_api_key")
    key = request.headers.get("x-api-key")
    if key is None and settings.has("bearer_key_accepted"):
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" else None
    return key


def _body_cap(settings: Settings) -> int:
    """The largest body accepted: 10 MiB, unless a fault moves the cap or the variant
    ten_million_byte_limit reads 10 MB as 10,000,000 bytes."""
    if settings.has("body_cap_20_mb"):
        return 2 * MAX_BODY
    if settings.has("body_cap_off_by_one"):
        return MAX_BODY - 1
    if settings.has("body_cap_below_ten_million"):
        return TEN_MILLION - 1
    if settings.chose("ten_million_byte_limit"):
        return TEN_MILLION
    return MAX_BODY


async def _read_body(request: Request, cap: int, drain: bool = True) -> bytes:
    """The body, or _TooLarge past `cap` bytes (then drained, bounded, without being kept;
    without `drain`, the variant close_on_oversized_body, refused as soon as it is known)."""
    declared = request.headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > cap
    if too_large and (not drain or int(declared) > _DRAIN_LIMIT):
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            too_large = True
            chunks.clear()
        if too_large:
            if not drain or size > _DRAIN_LIMIT:
                break
            continue
        chunks.append(chunk)
    if too_large:
        raise _TooLarge
    return b"".join(chunks)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled %s", exc.__class__.__name__)
    body = {"success": False, "error": {"code": "INTERNAL_ERROR", "message": "Internal error."}}
    return Response(responses.encode(body), 500, media_type="application/json")


def create_app(settings: Settings, db: Database | None = None) -> Starlette:
    """The reference target as a Starlette application (opens the database if not given)."""
    database = db if db is not None else open_database(settings.db_url, settings.faults)
    api = ReferenceApi(settings, database)
    app = Starlette(exception_handlers={Exception: _server_error})
    # every path reaches ReferenceApi, which routes on the raw path itself
    app.router.default = api
    app.router.redirect_slashes = False
    app.add_middleware(StrictTransportSecurity, settings=settings)
    app.state.settings = settings
    app.state.db = database
    return app

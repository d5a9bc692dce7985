"""Routes for dmcert itself, outside the API base path and outside the audit log.

GET /_reference/health (open), and with header X-Admin-Token: GET /_reference/audit?after=N
(log entries after seq N), GET /_reference/audit/writes (count of recorded writes),
GET /_reference/methods (requests received per HTTP method, answered or refused), and
POST /_reference/orders/{identifier}/ship (how the suite gets a shipped order). Never
affected by injected faults.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dmcert.reference import audit, orders
from dmcert.reference.database import Database
from dmcert.reference.responses import encode
from dmcert.reference.settings import Settings
from dmcert.reference.validation import MAX_IDENTIFIER, clean_string


def _json(status: int, body: Any) -> Response:
    return Response(encode(body), status, media_type="application/json")


def _not_found() -> Response:
    error = {"code": "NOT_FOUND", "message": "No such route."}
    return _json(404, {"success": False, "error": error})


async def respond(
    settings: Settings,
    db: Database,
    methods: Mapping[str, int],
    request: Request,
    segments: list[str | None],
) -> Response:
    """Answer a request whose path starts with /_reference/ (`segments` follow it)."""
    parts = segments[:-1] if segments and segments[-1] == "" else segments
    method = request.method
    if parts == ["health"] and method in ("GET", "HEAD"):
        return _json(200, {"status": "ok"})
    token = request.headers.get("x-admin-token", "")
    if not hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        return _json(401, {"detail": "Invalid admin token"})
    if parts == ["audit"] and method == "GET":
        raw = request.query_params.get("after", "0")
        after = int(raw) if raw.isdigit() and len(raw) < 19 else 0
        return _json(200, await run_in_threadpool(audit.entries, db, after))
    if parts == ["audit", "writes"] and method == "GET":
        return _json(200, {"writes": await run_in_threadpool(audit.writes, db)})
    if parts == ["methods"] and method == "GET":
        return _json(200, {"methods": dict(methods)})
    if len(parts) == 3 and parts[0] == "orders" and parts[2] == "ship" and method == "POST":
        identifier = parts[1]
        if identifier is None or clean_string(identifier) or len(identifier) > MAX_IDENTIFIER:
            return _not_found()
        order = await run_in_threadpool(orders.ship, db, settings, identifier)
        if order is None:
            return _not_found()
        return _json(200, {"success": True, "data": order})
    return _not_found()

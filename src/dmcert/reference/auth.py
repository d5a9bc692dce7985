"""The auth layer: who is calling (X-API-Key) and may they do this (scopes).

Keys are stored only as their SHA-256 digest (the key is 32 random characters, so a plain
digest suffices); the digest found is compared again in constant time. Failures use the
documented {"detail": ...} bodies: 403 without the header, 401 for an unknown, revoked or
expired key, 403 for a missing scope.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from dmcert.contract import scopes
from dmcert.reference import responses
from dmcert.reference.database import api_keys
from dmcert.reference.responses import Result
from dmcert.reference.settings import Settings

_MAX_KEY_LENGTH = 512


@dataclass(frozen=True)
class Caller:
    """The authenticated key: its name (for the audit log), scopes and partner (None for a
    pass-through key), never its value."""

    name: str
    scopes: tuple[str, ...]
    partner: str | None = None


class Denied(Exception):
    """The auth layer rejects the request with `result`."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.body.get("detail"))
        self.result = result


_ACCEPTED: dict[str, Caller] = {}
"""The revocation_delayed fault: callers remembered once accepted, so a key revoked later
keeps working (a cache without invalidation)."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def authenticate(conn: Connection, settings: Settings, header: str | None) -> Caller:
    """The caller presenting `header` as X-API-Key, or Denied."""
    if header == "" and settings.has("empty_key_served"):
        return Caller("anonymous", ("integrations.*",))
    if not header:
        status = 401 if settings.has("missing_key_401") else 403
        text = "API key required." if settings.has("missing_key_other_detail") else None
        raise Denied(responses.detail(status, text or responses.AUTH_MISSING))
    invalid = "Invalid API key." if settings.has("invalid_key_wrong_detail") else "Invalid API key"
    if len(header) > _MAX_KEY_LENGTH:
        raise Denied(responses.detail(401, invalid))
    digest = hash_key(header)
    if settings.has("revocation_delayed") and digest in _ACCEPTED:
        return _ACCEPTED[digest]
    row = conn.execute(select(api_keys).where(api_keys.c.key_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        raise Denied(responses.detail(401, invalid))
    if not row.is_active and not settings.has("revoked_key_accepted"):
        revoked = "API key is inactive" if settings.chose("revoked_key_other_detail") else None
        raise Denied(responses.detail(401, revoked or responses.AUTH_INVALID))
    expired = row.expires_at is not None and row.expires_at <= datetime.now(UTC)
    if expired and not settings.has("expired_key_accepted"):
        raise Denied(responses.detail(401, responses.AUTH_EXPIRED))
    caller = Caller(row.name, tuple(row.scopes), row.partner)
    if settings.has("revocation_delayed"):
        _ACCEPTED[digest] = caller
    return caller


def may(settings: Settings, caller: Caller, method: str, resource: str) -> bool:
    """Whether the caller's scopes allow `method` on `resource` (dmcert.contract.scopes grammar)."""
    action = scopes.action_for(method)
    granted = caller.scopes
    if settings.has("resource_wildcard_ignored"):
        granted = tuple(scope for scope in granted if scope != f"integrations.{resource}.*")
    if settings.has("global_wildcard_no_delete") and action == "delete":
        granted = tuple(scope for scope in granted if scope != "integrations.*")
    segment = resource
    if resource == "inventory" and settings.has("inventory_scope_old_segment"):
        segment = "inventorys"
    if scopes.grants(granted, segment, action):
        return True
    return _granted_by_fault(settings, granted, resource, action)


def _granted_by_fault(
    settings: Settings, granted: tuple[str, ...], resource: str, action: str
) -> bool:
    """What the scope faults grant beyond the grammar."""
    if settings.has("read_key_can_delete") and action == "delete":
        return scopes.grants(granted, resource, "read")
    if settings.has("scope_action_any_resource"):
        return any(scope.rpartition(".")[2] in (action, "*") for scope in granted)
    return (
        settings.has("inventory_delete_grants_write")
        and (resource, action) == ("inventory", "write")
        and "integrations.inventory.delete" in granted
    )


def scope_denied(settings: Settings) -> Denied:
    text = "Insufficient scope." if settings.has("scope_denied_other_detail") else None
    return Denied(responses.detail(403, text or responses.SCOPE_DENIED))

"""Minting the keys a conformance run needs, and the target profile that describes them.

One key per scope case the suite exercises (full, read-only, write-only, a resource
wildcard, one per resource and action), an expired and a revoked key, and one full-scope
partner key per partner the target knows (`partner_<name>`, linked to it, with its mapping
in the profile). The database keeps only each key's digest; the values exist only in the
returned profile.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, update

from dmcert.contract.scopes import RESOURCES
from dmcert.contract.target_profile import ApiKey, TargetProfile
from dmcert.reference import clock, orders, products
from dmcert.reference.auth import hash_key
from dmcert.reference.database import Database, api_keys
from dmcert.reference.records import new_id
from dmcert.reference.settings import Settings

FULL = ["integrations.*"]
KEY_SCOPES: dict[str, list[str]] = {
    "full": FULL,
    "read_only": [f"integrations.{resource}.read" for resource in RESOURCES],
    "write_only": [f"integrations.{resource}.write" for resource in RESOURCES],
    "orders_all": ["integrations.orders.*"],
    **{
        f"{resource}_{action}": [f"integrations.{resource}.{action}"]
        for resource in RESOURCES
        for action in ("read", "write", "delete")
    },
}


def new_key() -> str:
    """A fresh key: sk_test_ and 32 URL-safe random characters."""
    return "sk_test_" + secrets.token_urlsafe(24)


def _key_row(name: str, value: str, scopes: list[str], **extra: Any) -> dict[str, Any]:
    stamp = clock.now()
    return {
        "id": new_id(),
        "created_at": stamp,
        "updated_at": stamp,
        "name": name,
        "key_hash": hash_key(value),
        "scopes": scopes,
        "expires_at": None,
        "is_active": True,
        "partner": None,
        **extra,
    }


def mint_profile(db: Database, settings: Settings) -> TargetProfile:
    """Create the suite's keys and a shipped fixture order; return the profile."""
    keys: dict[str, ApiKey] = {}
    rows = []
    for name, scopes in KEY_SCOPES.items():
        value = new_key()
        keys[name] = ApiKey(name=name, value=value, scopes=tuple(scopes))
        rows.append(_key_row(name, value, scopes))
    expired, revoked = new_key(), new_key()
    past = datetime.now(UTC) - timedelta(days=1)
    keys["expired"] = ApiKey("expired", expired, tuple(FULL), expired=True)
    keys["revoked"] = ApiKey("revoked", revoked, tuple(FULL), revoked=True)
    rows.append(_key_row("expired", expired, FULL, expires_at=past))
    rows.append(_key_row("revoked", revoked, FULL, is_active=False))
    for partner in settings.partners.values():
        name, value = f"partner_{partner.name}", new_key()
        keys[name] = ApiKey(name, value, tuple(FULL), partner=partner)
        rows.append(_key_row(name, value, FULL, partner=partner.name))

    def work(conn: Connection) -> str:
        conn.execute(insert(api_keys), rows)
        return _shipped_order(conn, settings)

    shipped = db.write(work)
    return TargetProfile(
        order_identifier=settings.order_identifier,
        shipped_order=shipped,
        admin_token=settings.admin_token,
        keys=keys,
    )


def mint_one(db: Database, name: str, scopes: list[str]) -> str | None:
    """A new active key named `name` (admin route, for the revocation rule); None when the
    name is taken. The value is returned once and only its digest is stored."""
    value = new_key()

    def work(conn: Connection) -> bool:
        if conn.execute(api_keys.select().where(api_keys.c.name == name)).first():
            return False
        conn.execute(insert(api_keys), [_key_row(name, value, scopes)])
        return True

    return value if db.write(work) else None


def revoke(db: Database, name: str) -> bool:
    """Deactivate the key `name` (is_active false, as the dashboard's revoke does)."""

    def work(conn: Connection) -> bool:
        done = conn.execute(update(api_keys).where(api_keys.c.name == name).values(is_active=False))
        return done.rowcount > 0

    return db.write(work)


def _shipped_order(conn: Connection, settings: Settings) -> str:
    """A fixture product and an order for it, shipped: the API itself cannot ship, and the
    suite needs one to check that cancelling a shipped order is refused."""
    tag = secrets.token_hex(4).upper()
    sku = f"REF-FIXTURE-{tag}"
    identifier = f"REF-SHIPPED-{tag}"
    products.insert_product(conn, {**products.DEFAULTS, "sku": sku})
    values = {
        **orders.DEFAULTS,
        "order_number": identifier,
        "external_order_id": identifier,
        "status": orders.SHIPPED,
    }
    line = {"sku": sku, "quantity": 1, "notes": None}
    orders.insert_order(conn, settings, values, [line])
    return identifier

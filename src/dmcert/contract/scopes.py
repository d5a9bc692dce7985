"""The documented scope grammar: `integrations.{resource}.{action}` with two wildcard levels.

Source: next/reference/scopes. Shared by the reference target (to grant or deny) and the
suite (to derive, from a key's declared scopes, which calls must be allowed or denied).
"""

from __future__ import annotations

from collections.abc import Iterable

RESOURCES = ("orders", "products", "inventory", "locations")
ACTIONS = ("read", "write", "delete")

_ACTION_BY_METHOD = {
    "GET": "read",
    "HEAD": "read",
    "OPTIONS": "read",
    "POST": "write",
    "PUT": "write",
    "PATCH": "write",
    "DELETE": "delete",
}


def action_for(method: str) -> str:
    """The scope action an HTTP method needs (GET→read, POST/PUT/PATCH→write, DELETE→delete)."""
    try:
        return _ACTION_BY_METHOD[method.upper()]
    except KeyError:
        raise ValueError(f"no scope action is documented for method {method}") from None


def grants(scopes: Iterable[str], resource: str, action: str) -> bool:
    """Whether any of `scopes` grants `action` on `resource`."""
    wanted = {"integrations.*", f"integrations.{resource}.*", f"integrations.{resource}.{action}"}
    return any(scope in wanted for scope in scopes)


def allows(scopes: Iterable[str], method: str, resource: str) -> bool:
    """Whether a key holding `scopes` may send `method` to `resource`."""
    return grants(scopes, resource, action_for(method))


def is_valid(scope: str) -> bool:
    """Whether `scope` is a well-formed scope string."""
    if scope == "integrations.*":
        return True
    parts = scope.split(".")
    return (
        len(parts) == 3
        and parts[0] == "integrations"
        and parts[1] in RESOURCES
        and parts[2] in (*ACTIONS, "*")
    )

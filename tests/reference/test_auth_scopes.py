"""Auth layer of the reference target: the documented failure matrix, the order of checks,
and the scope grammar applied to every minted key, resource and action."""

from __future__ import annotations

import pytest

from dmcert.contract import scopes
from tests.reference.conftest import item

MISSING = {"detail": "Authentication credentials were not provided."}
INVALID = {"detail": "Invalid API key"}
EXPIRED = {"detail": "API key has expired"}
DENIED = {"detail": "You do not have permission to perform this action."}


@pytest.mark.parametrize("path", ["/orders/", "/products/", "/inventory/", "/locations/"])
def test_missing_header_is_403_with_the_documented_detail(api, path):
    response = api.get(path, key=None)
    assert response.status_code == 403
    assert response.json() == MISSING
    assert response.headers["content-type"] == "application/json"


def test_empty_header_counts_as_missing(api):
    response = api.get("/orders/", key=None, headers={"X-API-Key": ""})
    assert (response.status_code, response.json()) == (403, MISSING)


def test_unknown_expired_and_revoked_keys_are_401(api):
    assert api.get("/orders/", key="sk_test_unknown").json() == INVALID
    expired = api.get("/orders/", key="expired")
    revoked = api.get("/orders/", key="revoked")
    assert (expired.status_code, expired.json()) == (401, EXPIRED)
    assert (revoked.status_code, revoked.json()) == (401, INVALID)


def test_a_key_sent_another_way_is_not_accepted(api, target):
    value = target.profile.keys["full"].value
    response = api.get("/orders/", key=None, headers={"Authorization": f"Bearer {value}"})
    assert (response.status_code, response.json()) == (403, MISSING)


def test_authentication_precedes_routing_and_validation(api):
    assert api.get("/no-such-thing/", key=None).status_code == 403
    assert api.get("/no-such-thing/", key="sk_test_nope").status_code == 401
    assert api.post("/products/", key="sk_test_nope", content=b"{bad").status_code == 401
    assert api.get("/no-such-thing/").status_code == 404


def _probe(api, method: str, resource: str, key: str):
    """A request that changes nothing whether or not it is allowed."""
    if method == "GET":
        return api.get(f"/{resource}/", key=key)
    if method == "POST":
        return api.post(f"/{resource}/", key=key, json={})
    return api.delete(item(resource, "NO-SUCH-RECORD-EVER"), key=key)


def test_every_key_gets_exactly_what_its_scopes_grant(api, target):
    mismatches = []
    for name, key in target.profile.keys.items():
        if not key.usable:
            continue
        for resource in scopes.RESOURCES:
            for method in ("GET", "POST", "DELETE"):
                response = _probe(api, method, resource, name)
                if resource == "inventory" and method == "DELETE":
                    allowed_status = response.status_code == 405  # no such endpoint
                elif scopes.allows(key.scopes, method, resource):
                    allowed_status = response.status_code in (200, 400, 404)
                else:
                    allowed_status = response.status_code == 403 and response.json() == DENIED
                if not allowed_status:
                    mismatches.append((name, method, resource, response.status_code))
    assert mismatches == []


def test_resource_wildcard_grants_every_action_on_that_resource_only(api):
    assert api.get("/orders/", key="orders_all").status_code == 200
    assert api.post("/orders/", key="orders_all", json={}).status_code == 400
    assert api.delete(item("orders", "NOPE"), key="orders_all").status_code == 404
    assert api.get("/products/", key="orders_all").status_code == 403


def test_method_not_allowed_precedes_the_scope_check(api):
    response = api.request("PATCH", "/orders/", key="products_read")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_scope_precedes_body_validation(api):
    response = api.post("/products/", key="products_read", content=b"{not json")
    assert (response.status_code, response.json()) == (403, DENIED)


def test_a_denied_write_changes_nothing(api, name):
    sku = name("DENIED")
    response = api.post("/products/", key="products_read", json={"sku": sku})
    assert response.status_code == 403
    assert api.get(item("products", sku)).status_code == 404


def test_head_needs_read_scope(api):
    assert api.request("HEAD", "/orders/", key="orders_read").status_code == 200
    assert api.request("HEAD", "/orders/", key="orders_write").status_code == 403

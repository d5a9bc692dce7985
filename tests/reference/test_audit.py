"""The audit log (decisions.md, Audit log) and the admin routes that expose it."""

from __future__ import annotations

import httpx

from tests.reference.conftest import item


def last_seq(target) -> int:
    entries = target.audit_entries()
    while len(entries) == 5000:
        entries = target.audit_entries(entries[-1]["seq"])
    return entries[-1]["seq"] if entries else 0


def test_entries_name_the_key_never_its_value(api, target, name):
    start = last_seq(target)
    sku = name("AUD")
    created = api.post("/products/", key="products_write", json={"sku": sku}).json()["data"]
    api.post("/products/", json={"sku": sku})
    api.get(item("products", name("NONE")), key="products_read")
    api.post("/products/", json={})
    api.post(
        "/orders/", json={"order_number": name("O"), "items": [{"sku_code": "?", "quantity": 1}]}
    )
    entries = target.audit_entries(start)
    assert [(e["key_name"], e["method"], e["status_code"], e["log_status"]) for e in entries] == [
        ("products_write", "POST", 201, "success"),
        ("full", "POST", 409, "duplicate"),
        ("products_read", "GET", 404, "not_found"),
        ("full", "POST", 400, "validation_error"),
        ("full", "POST", 400, "service_error"),
    ]
    first = entries[0]
    assert first["record_id"] == created["id"]
    assert sku in first["payload"] and first["path"] == "/api/integrations/v1/products/"
    text = str(entries)
    assert all(key.value not in text for key in target.profile.keys.values())


def test_auth_rejections_are_not_logged(api, target):
    start = last_seq(target)
    api.get("/orders/", key=None)
    api.get("/orders/", key="sk_test_unknown")
    api.get("/orders/", key="expired")
    api.post("/orders/", key="orders_read", json={})
    assert target.audit_entries(start) == []


def test_writes_count_only_successful_changes(api, target, name):
    before = target.audit_writes()
    sku = name("W")
    api.product(sku)
    api.put(item("products", sku), json={"quantity": 1})
    api.delete(item("products", sku))
    api.post("/products/", json={"sku": sku})  # 409: no write
    api.get("/products/")
    api.post("/products/", key="products_read", json={"sku": name("X")})  # 403
    assert target.audit_writes() == before + 3


def test_admin_routes_need_the_token(target):
    assert httpx.get(f"{target.url}/_reference/health").json() == {"status": "ok"}
    for path in ("audit", "audit/writes", "methods"):
        assert httpx.get(f"{target.url}/_reference/{path}").status_code == 401
        wrong = {"X-Admin-Token": "wrong"}
        assert httpx.get(f"{target.url}/_reference/{path}", headers=wrong).status_code == 401
    ship = httpx.post(f"{target.url}/_reference/orders/{target.profile.shipped_order}/ship")
    assert ship.status_code == 401


def test_methods_count_every_request_also_those_refused_before_the_log(target):
    before = target.methods()
    base = f"{target.url}/api/integrations/v1"
    assert httpx.post(f"{base}/products/", json={}).status_code == 403  # no key
    assert httpx.request("PATCH", f"{base}/products/").status_code == 403
    assert httpx.get(f"{target.url}/elsewhere/").status_code == 404
    after = target.methods()
    grown = {method: after[method] - before.get(method, 0) for method in after}
    assert {method: n for method, n in grown.items() if n} == {"POST": 1, "PATCH": 1, "GET": 1}


def test_admin_ship_of_unknown_order_is_404(target):
    token = {"X-Admin-Token": target.profile.admin_token}
    response = httpx.post(f"{target.url}/_reference/orders/NO-SUCH/ship", headers=token)
    assert response.status_code == 404

"""No input gives a 5xx: malformed and hostile bodies, size limits, unknown paths and
methods, and the JSON content type on every answer (decisions.md, General)."""

from __future__ import annotations

import json

import pytest

from tests.reference.conftest import item

MAX_BODY = 10 * 1024 * 1024

HOSTILE_BODIES = [
    b"{bad",
    b"",
    b"[1, 2]",
    b'"text"',
    b"null",
    b"\xff\xfe{}",
    b'{"sku": "a\\u0000b"}',
    b'{"sku": "\\ud800"}',
    b'{"sku": "ok", "custom_fields": {"k": "\\udfff"}}',
    b'{"sku": "ok", "quantity": 99999999999999999999999999}',
    b'{"sku": "ok", "quantity": 1e999}',
    b'{"sku": "ok", "quantity": NaN}',
    b'{"sku": "ok", "quantity": ' + b"9" * 5000 + b"}",
    b'{"sku": "ok", "custom_fields": ' + b'{"a":' * 50 + b"1" + b"}" * 50 + b"}",
    b'{"sku": "ok", "custom_fields": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    b'{"sku": ["list"]}',
    b'{"sku": {"o": 1}}',
    b'{"sku": "' + "\u00e9".encode() * 300 + b'"}',
    b'{"sku": "ok", "cost": "1e5"}',
    b'{"sku": "ok", "cost": 1e300}',
    b'{"sku": "ok", "cost": true}',
]


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
@pytest.mark.parametrize("path", ["/products/", "/locations/", "/orders/", "/inventory/"])
def test_hostile_bodies_are_400_validation_errors(api, path, body):
    response = api.post(path, content=body)
    assert response.status_code == 400, response.text
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_hostile_values_everywhere_never_5xx(api, name, target):
    sku = api.product(name("S"))["sku"]
    code = api.location(name("L"))["code"]
    order = api.order(name("O"), sku)
    evil = ["\x00", "\ud800", 2**63, -(2**63), 1.5, True, None, [], {}, "x" * 100_000, "é东🚚"]
    targets = [
        ("POST", "/products/", "sku"),
        ("POST", "/locations/", "code"),
        ("PUT", item("products", sku), "quantity"),
        ("PUT", item("products", sku), "cost"),
        ("PUT", item("locations", code), "name"),
        ("PUT", item("orders", order["external_order_id"]), "status"),
        ("PUT", item("orders", order["external_order_id"]), "due_date"),
        ("PUT", item("orders", order["external_order_id"]), "external_order_id"),
        ("DELETE", item("orders", name("NONE")), "reason"),
    ]
    for method, path, field in targets:
        for value in evil:
            text = json.dumps({field: value})
            response = api.request(method, path, content=text.encode("utf-8", "surrogatepass"))
            assert response.status_code < 500, (method, path, field, repr(value)[:40])
    for value in evil:
        rows = [{"location_code": value, "sku_code": value, "quantity": value}]
        text = json.dumps({"inventory": rows}).encode("utf-8", "surrogatepass")
        assert api.post("/inventory/", content=text).status_code == 200


def test_body_is_json_whatever_the_content_type(api, name):
    sku = name("CT")
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        body = json.dumps({"sku": f"{sku}-{content_type}", "ignored": 1}).encode()
        assert api.post("/products/", content=body, headers=headers).status_code == 201


def test_a_body_over_10_mb_is_413_and_at_10_mb_is_not(api, name):
    over = api.post("/products/", content=b" " * (MAX_BODY + 1))
    assert over.status_code == 413
    assert over.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    chunked = api.post("/products/", content=iter([b" " * (1024 * 1024)] * 11))
    assert chunked.status_code == 413
    sku = name("BIG")
    body = json.dumps({"sku": sku, "custom_fields": {"pad": ""}}).encode()
    body = body.replace(b'"pad": ""', b'"pad": "' + b"x" * (MAX_BODY - len(body)) + b'"')
    assert len(body) == MAX_BODY
    assert api.post("/products/", content=body).status_code == 201


def test_identifier_lengths(api, name):
    assert api.post("/locations/", json={"code": "L" * 255}).status_code in (201, 409)
    response = api.post("/locations/", json={"code": "L" * 256})
    assert response.status_code == 400 and "code" in response.json()["error"]["message"]


def test_unknown_paths_methods_and_trailing_slashes(api):
    for path in ("/nothing/", "/orders", "/orders/x/y/", "/", "//", "/products//"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "NOT_FOUND"
    for method, path, allow in [
        ("PATCH", "/orders/", "GET, HEAD, POST"),
        ("DELETE", "/orders/", "GET, HEAD, POST"),
        ("PUT", "/products/", "GET, HEAD, POST"),
        ("OPTIONS", "/locations/", "GET, HEAD, POST"),
        ("POST", item("orders", "X"), "DELETE, GET, HEAD, PUT"),
        ("DELETE", item("inventory", "X"), "GET, HEAD"),
        ("PUT", item("inventory", "X"), "GET, HEAD"),
        ("PATCH", item("products", "X"), "DELETE, GET, HEAD, PUT"),
    ]:
        response = api.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == allow
        assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_outside_the_base_path_is_json_404(target):
    import httpx

    response = httpx.get(f"{target.url}/somewhere/else/")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


def test_head_is_get_without_a_body(api):
    get, head = api.get("/products/"), api.request("HEAD", "/products/")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == get.headers["content-type"] == "application/json"

"""Products on the reference target (decisions.md, Products)."""

from __future__ import annotations

import uuid

from tests.reference.conftest import item


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_create_is_201_with_defaults(api, name):
    sku = name("P")
    response = api.post("/products/", json={"sku": sku})
    assert response.status_code == 201
    data = response.json()["data"]
    uuid.UUID(data["id"])
    assert data["sku"] == sku
    assert (data["quantity"], data["is_active"], data["cost"], data["custom_fields"]) == (
        0,
        True,
        None,
        {},
    )
    assert data["created_at"].endswith("+00:00")


def test_create_echoes_fields_and_ignores_unknown_ones(api, name):
    fields = {"quantity": 7, "is_active": False, "custom_fields": {"color": "blue", "n": [1, 2]}}
    data = api.product(name("P"), **fields, unknown_field="x")
    assert {key: data[key] for key in fields} == fields
    assert "unknown_field" not in data


def test_duplicate_sku_is_409_also_when_inactive(api, name):
    sku = name("P")
    api.product(sku)
    assert error_of(api.post("/products/", json={"sku": sku})) == (409, "DUPLICATE")
    api.delete(item("products", sku))
    assert error_of(api.post("/products/", json={"sku": sku})) == (409, "DUPLICATE")


def test_invalid_creates_are_400_naming_the_field(api):
    for body, field in [
        ({}, "sku"),
        ({"sku": ""}, "sku"),
        ({"sku": "x" * 256}, "sku"),
        ({"sku": "A", "quantity": -1}, "quantity"),
        ({"sku": "A", "quantity": "1"}, "quantity"),
        ({"sku": "A", "is_active": "yes"}, "is_active"),
        ({"sku": "A", "custom_fields": []}, "custom_fields"),
        ({"sku": "A", "cost": "abc"}, "cost"),
        ({"sku": "A", "cost": "1" * 13}, "cost"),
        ({"sku": "A", "cost": 1e12}, "cost"),
    ]:
        response = api.post("/products/", json=body)
        assert error_of(response) == (400, "VALIDATION_ERROR"), body
        assert field in response.json()["error"]["message"]


def test_get_and_unknown(api, name):
    sku = name("P")
    created = api.product(sku)
    assert api.get(item("products", sku)).json()["data"] == created
    assert error_of(api.get(item("products", name("NONE")))) == (404, "NOT_FOUND")


def test_put_updates_and_replaces_custom_fields(api, name):
    sku = name("P")
    api.product(sku, custom_fields={"a": 1, "b": 2})
    body = {"quantity": 5, "cost": 32.5, "custom_fields": {"c": 3}, "sku": "IGNORED"}
    response = api.put(item("products", sku), json=body)
    assert response.status_code == 200
    data = api.get(item("products", sku)).json()["data"]
    assert (data["sku"], data["quantity"], data["cost"], data["custom_fields"]) == (
        sku,
        5,
        "32.50",
        {"c": 3},
    )
    rounded = api.put(item("products", sku), json={"cost": "12.345"}).json()["data"]["cost"]
    assert rounded == "12.35"
    assert api.put(item("products", sku), json={"cost": None}).json()["data"]["cost"] is None
    first, again = (api.put(item("products", sku), json=body).json()["data"] for _ in range(2))
    assert first == again  # updated_at included: an unchanged record is not touched


def test_put_and_delete_unknown_are_404(api, name):
    assert error_of(api.put(item("products", name("NONE")), json={})) == (404, "NOT_FOUND")
    assert error_of(api.delete(item("products", name("NONE")))) == (404, "NOT_FOUND")


def test_delete_deactivates_idempotently_and_put_reactivates(api, name):
    sku = name("P")
    api.product(sku)
    first = api.delete(item("products", sku))
    assert first.status_code == 200 and first.json()["data"]["is_active"] is False
    assert api.delete(item("products", sku)).json()["data"] == first.json()["data"]
    assert api.get(item("products", sku)).json()["data"]["is_active"] is False
    listed = {row["sku"] for row in api.walk("products", 200)}
    assert sku not in listed
    api.put(item("products", sku), json={"is_active": True})
    assert sku in {row["sku"] for row in api.walk("products", 200)}


def test_nul_inside_custom_fields_round_trips(api, name):
    fields = {"k\x00": "a\x00b", "nested": [{"x": "\x00"}]}
    sku = name("NUL")
    assert api.product(sku, custom_fields=fields)["custom_fields"] == fields
    assert api.get(item("products", sku)).json()["data"]["custom_fields"] == fields

"""Orders on the reference target (decisions.md, Orders)."""

from __future__ import annotations

import uuid

import pytest

from dmcert.reference.server import RunningTarget
from tests.reference.conftest import Api, item


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture
def sku(api, name) -> str:
    return api.product(name("SKU"))["sku"]


def order_path(order: dict) -> str:
    return item("orders", order["external_order_id"])


def test_create_is_201_pending_with_lines(api, name, sku):
    number = name("O")
    body = {
        "order_number": number,
        "external_order_id": f"EXT-{number}",
        "customer_name": "Acme",
        "customer_info": {"phone": "1"},
        "notes": "n",
        "order_date": "2026-04-16T10:00:00Z",
        "metadata": {"source": "erp"},
        "items": [{"sku_code": sku, "quantity": 10, "notes": "line"}],
    }
    response = api.post("/orders/", json=body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["status"] == "pending"
    assert (data["order_number"], data["external_order_id"], data["customer_name"]) == (
        number,
        f"EXT-{number}",
        "Acme",
    )
    assert data["order_date"] == "2026-04-16T10:00:00+00:00"
    [line] = data["items"]
    uuid.UUID(line["id"])
    assert {key: line[key] for key in line if key != "id"} == {
        "sku": {"sku": sku},
        "quantity": 10,
        "verified_quantity": 0,
        "verification_status": "pending",
        "notes": "line",
    }
    assert api.get(order_path(data)).json()["data"] == data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order_number": None}, "order_number"),
        ({"items": []}, "items"),
        ({"items": None}, "items"),
        ({"items": [{"quantity": 1}]}, "sku_code"),
        ({"items": [{"sku_code": "S"}]}, "quantity"),
        ({"items": [{"sku_code": "S", "quantity": 0}]}, "quantity"),
        ({"items": [{"sku_code": "S", "quantity": 1.5}]}, "quantity"),
        ({"items": [{"sku_code": "S", "quantity": 2**31}]}, "quantity"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"customer_name": 5}, "customer_name"),
        ({"metadata": "x"}, "metadata"),
    ],
)
def test_invalid_creates_are_400_naming_the_field(api, name, change, field):
    body = {"order_number": name("O"), "items": [{"sku_code": "S", "quantity": 1}]}
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    response = api.post("/orders/", json=body)
    assert error_of(response) == (400, "VALIDATION_ERROR")
    assert field in response.json()["error"]["message"]


def test_integral_number_counts_as_an_integer(api, name, sku):
    number = name("O")
    body = {"order_number": number, "items": [{"sku_code": sku, "quantity": 2.0}]}
    response = api.post("/orders/", json=body)
    assert response.status_code == 201
    assert response.json()["data"]["items"][0]["quantity"] == 2


def test_unknown_sku_is_service_error_naming_it_and_creates_nothing(api, name, sku):
    number = name("O")
    body = {
        "order_number": number,
        "external_order_id": number,
        "items": [{"sku_code": sku, "quantity": 1}, {"sku_code": "NO-SUCH-SKU", "quantity": 1}],
    }
    response = api.post("/orders/", json=body)
    assert error_of(response) == (400, "SERVICE_ERROR")
    assert "NO-SUCH-SKU" in response.json()["error"]["message"]
    assert api.get(item("orders", number)).status_code == 404


def test_duplicates_are_validation_errors(api, name, sku):
    order = api.order(name("O"), sku)
    again = api.post(
        "/orders/",
        json={"order_number": order["order_number"], "items": [{"sku_code": sku, "quantity": 1}]},
    )
    assert error_of(again) == (400, "VALIDATION_ERROR")
    assert "order_number already exists" in again.json()["error"]["message"]
    same_external = api.post(
        "/orders/",
        json={
            "order_number": name("O2"),
            "external_order_id": order["external_order_id"],
            "items": [{"sku_code": sku, "quantity": 1}],
        },
    )
    assert error_of(same_external) == (400, "VALIDATION_ERROR")
    assert "external_order_id already exists" in same_external.json()["error"]["message"]


def test_an_inactive_product_can_be_ordered(api, name, sku):
    api.delete(item("products", sku))
    api.order(name("O"), sku)


def test_put_is_partial_header_only(api, name, sku):
    order = api.order(name("O"), sku, customer_name="Keep", notes="old")
    body = {
        "notes": "new",
        "status": "some-future-status",
        "items": [{"sku_code": sku, "quantity": 99}],
        "order_number": "IGNORED",
        "due_date": "2026-05-01T00:00:00+02:00",
    }
    response = api.put(order_path(order), json=body)
    assert response.status_code == 200
    data = api.get(order_path(order)).json()["data"]
    assert (data["notes"], data["customer_name"], data["status"]) == (
        "new",
        "Keep",
        "some-future-status",
    )
    assert data["order_number"] == order["order_number"]
    assert data["items"] == order["items"]
    assert data["due_date"] == "2026-04-30T22:00:00+00:00"
    assert error_of(api.put(order_path(order), json={"status": ""})) == (400, "VALIDATION_ERROR")
    assert api.put(order_path(order), json={"items": "not even a list"}).status_code == 200
    assert error_of(api.put(item("orders", name("NONE")), json={})) == (404, "NOT_FOUND")


def test_put_can_change_the_external_id_but_not_to_a_taken_one(api, name, sku):
    first, second = api.order(name("A"), sku), api.order(name("B"), sku)
    taken = api.put(order_path(first), json={"external_order_id": second["external_order_id"]})
    assert error_of(taken) == (400, "VALIDATION_ERROR")
    moved = api.put(order_path(first), json={"external_order_id": name("MOVED")})
    assert moved.status_code == 200
    assert api.get(item("orders", name("MOVED"))).status_code == 200


def test_delete_cancels_once_and_stores_the_reason(api, name, sku):
    order = api.order(name("O"), sku)
    cancelled = api.request("DELETE", order_path(order), json={"reason": "customer"})
    assert cancelled.status_code == 200
    data = cancelled.json()["data"]
    assert (data["status"], data["cancel_reason"]) == ("cancelled", "customer")
    again = api.delete(order_path(order))
    assert again.status_code == 200 and again.json()["data"] == data
    assert api.put(order_path(order), json={"notes": "after"}).status_code == 200
    listed = {row["order_number"] for row in api.walk("orders", 200)}
    assert order["order_number"] in listed
    bodyless = api.order(name("P"), sku)
    assert api.delete(order_path(bodyless)).json()["data"]["cancel_reason"] is None
    assert error_of(api.delete(item("orders", name("NONE")))) == (404, "NOT_FOUND")


def test_a_shipped_order_cannot_be_cancelled(api, target, name, sku):
    shipped = item("orders", target.profile.shipped_order)
    refused = api.delete(shipped)
    assert error_of(refused) == (400, "SERVICE_ERROR")
    assert api.get(shipped).json()["data"]["status"] == "shipped"
    order = api.order(name("O"), sku)
    assert target.ship(order["external_order_id"])["status"] == "shipped"
    assert error_of(api.delete(order_path(order))) == (400, "SERVICE_ERROR")
    assert api.put(order_path(order), json={"notes": "ok"}).status_code == 200


def test_orders_can_be_addressed_by_order_number():
    with RunningTarget(order_identifier="order_number") as target:
        api = Api(target)
        assert target.profile.order_identifier == "order_number"
        api.product("S1")
        api.order("N-1", "S1", external_order_id="SAME")
        api.order("N-2", "S1", external_order_id="SAME")  # not unique in this mode
        assert api.get(item("orders", "N-1")).json()["data"]["order_number"] == "N-1"
        assert api.get(item("orders", "EXT-N-1")).status_code == 404
        assert api.delete(item("orders", target.profile.shipped_order)).status_code == 400
        api.http.close()

"""Inventory on the reference target (decisions.md, Inventory): bulk upsert counters and row
errors, the list and the per-location / per-SKU read."""

from __future__ import annotations

import pytest

from tests.reference.conftest import item


@pytest.fixture
def place(api, name):
    """A fresh location and two products: (code, sku_a, sku_b)."""
    return (
        api.location(name("LOC"))["code"],
        api.product(name("A"))["sku"],
        api.product(name("B"))["sku"],
    )


def bulk(api, rows, **extra):
    response = api.post("/inventory/", json={"inventory": rows, **extra})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    return body["data"]


def row(location, sku, quantity):
    return {"location_code": location, "sku_code": sku, "quantity": quantity}


def quantities(api, location) -> dict[str, int]:
    rows = api.get(item("inventory", location)).json()["data"]
    return {entry["sku_code"]: entry["quantity"] for entry in rows}


def test_created_then_updated_counters(api, place):
    code, a, b = place
    first = bulk(api, [row(code, a, 1), row(code, b, 2)])
    assert first == {"total": 2, "created": 2, "updated": 0, "failed": 0, "errors": []}
    second = bulk(api, [row(code, a, 5), row(code, b, 0)], source="erp_sync", notes="n")
    assert (second["created"], second["updated"]) == (0, 2)
    assert quantities(api, code) == {a: 5, b: 0}


def test_row_errors_are_0_based_with_sent_values(api, place):
    code, a, _b = place
    rows = [
        row(code, a, 1),
        row("NO-SUCH-LOC", a, 1),
        row(code, "NO-SUCH-SKU", 1),
        row(code, a, -1),
        {"location_code": 5, "sku_code": a, "quantity": 1},
        {"sku_code": a, "quantity": "3"},
        "not an object",
        row(code, a, 2**31),
        row(code, a, True),
    ]
    data = bulk(api, rows)
    assert (data["total"], data["created"], data["updated"], data["failed"]) == (9, 1, 0, 8)
    errors = {entry["row"]: entry for entry in data["errors"]}
    assert errors[1] == {
        "row": 1,
        "location_id": "NO-SUCH-LOC",
        "product_id": a,
        "errors": {"location_id": ["Location not found"]},
    }
    assert errors[2]["errors"] == {"product_id": ["Product not found"]}
    assert set(errors[3]["errors"]) == {"quantity"}
    assert errors[4]["location_id"] is None and set(errors[4]["errors"]) == {"location_code"}
    assert set(errors[5]["errors"]) == {"location_code", "quantity"}
    assert errors[6]["location_id"] is None
    assert set(errors[7]["errors"]) == set(errors[8]["errors"]) == {"quantity"}
    assert quantities(api, code) == {a: 1}


def test_all_rows_failing_is_still_200(api):
    data = bulk(api, [row("NOPE", "NOPE", 1)] * 3)
    assert (data["total"], data["failed"], data["created"], data["updated"]) == (3, 3, 0, 0)


def test_a_repeated_pair_applies_in_order(api, place):
    code, a, _b = place
    data = bulk(api, [row(code, a, 1), row(code, a, 2), row(code, a, 3)])
    assert (data["created"], data["updated"]) == (1, 2)
    assert quantities(api, code) == {a: 3}


@pytest.mark.parametrize(
    "body",
    [{}, {"inventory": []}, {"inventory": {}}, {"inventory": "x"}, {"inventory": None}],
)
def test_top_level_problems_reject_the_request(api, body):
    response = api.post("/inventory/", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_unknown_source_applies_nothing(api, place):
    code, a, _b = place
    response = api.post("/inventory/", json={"inventory": [row(code, a, 1)], "source": "other"})
    assert response.status_code == 400 and "source" in response.json()["error"]["message"]
    assert quantities(api, code) == {}


def test_inactive_location_and_product_are_valid_targets(api, place):
    code, a, _b = place
    api.delete(item("locations", code))
    api.delete(item("products", a))
    assert bulk(api, [row(code, a, 4)])["created"] == 1


def test_a_thousand_rows_in_one_batch(api, name):
    code = api.location(name("BIG"))["code"]
    skus = [name(f"S{n}") for n in range(10)]
    for sku in skus:
        api.product(sku)
    extra = [api.location(name(f"L{n}"))["code"] for n in range(99)]
    rows = [row(location, sku, 1) for location in [code, *extra] for sku in skus]
    assert len(rows) == 1000
    assert bulk(api, rows)["created"] == 1000
    assert bulk(api, rows)["updated"] == 1000
    by_sku = api.get(item("inventory", skus[0]), params={"by": "sku"}).json()["data"]
    assert len(by_sku) == 100  # not paginated
    assert len(quantities(api, code)) == 10


def test_reads_by_location_and_by_sku(api, place):
    code, a, b = place
    other = api.location(code + "-2")["code"]
    bulk(api, [row(code, a, 1), row(code, b, 2), row(other, a, 3)])
    by_location = api.get(item("inventory", code), params={"by": "location"}).json()["data"]
    assert {(r["location_code"], r["sku_code"], r["quantity"]) for r in by_location} == {
        (code, a, 1),
        (code, b, 2),
    }
    by_sku = api.get(item("inventory", a), params={"by": "sku"}).json()["data"]
    assert {(r["location_code"], r["quantity"]) for r in by_sku} == {(code, 1), (other, 3)}
    assert api.get(item("inventory", api.location(code + "-E")["code"])).json()["data"] == []
    assert api.get(item("inventory", "NO-SUCH-LOC")).json()["data"] == []
    assert api.get(item("inventory", "NO-SUCH-SKU"), params={"by": "sku"}).json()["data"] == []
    wrong = api.get(item("inventory", code), params={"by": "shelf"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_the_list_keeps_an_updated_row_in_place(api, place):
    code, a, b = place
    bulk(api, [row(code, a, 1)])
    bulk(api, [row(code, b, 1)])
    before = [r["sku_code"] for r in api.walk("inventory", 200) if r["location_code"] == code]
    bulk(api, [row(code, a, 9)])
    after = [r for r in api.walk("inventory", 200) if r["location_code"] == code]
    assert before == [b, a] == [r["sku_code"] for r in after]
    assert set(after[0]) >= {"location_code", "sku_code", "quantity"}

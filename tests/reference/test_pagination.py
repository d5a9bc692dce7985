"""Cursor pagination of the four lists (decisions.md, Pagination)."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from tests.reference.conftest import item

COLLECTIONS = ("orders", "products", "locations", "inventory")


@pytest.fixture(scope="module")
def seeded(api):
    """Seven fresh records in every collection, oldest first (ids), shared by the module."""
    run = uuid.uuid4().hex[:8].upper()

    def name(label: str) -> str:
        return f"T{run}-{label}"

    sku = api.product(name("SKU"))["sku"]
    made = {
        "products": [api.product(name(f"P{n}"))["id"] for n in range(7)],
        "locations": [api.location(name(f"L{n}"))["id"] for n in range(7)],
        "orders": [api.order(name(f"O{n}"), sku)["id"] for n in range(7)],
    }
    rows = [{"location_code": name(f"L{n}"), "sku_code": sku, "quantity": n} for n in range(7)]
    api.post("/inventory/", json={"inventory": rows})
    made["inventory"] = [
        entry["id"]
        for n in range(7)
        for entry in api.get(item("inventory", name(f"L{n}"))).json()["data"]
    ]
    return made


def newest_first(records: list[dict]) -> bool:
    keys = [(record["created_at"], record["id"]) for record in records]
    return keys == sorted(keys, reverse=True)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_walk_visits_every_record_once_newest_first(api, seeded, collection):
    walked = api.walk(collection, 3)
    ids = [record["id"] for record in walked]
    assert len(ids) == len(set(ids))
    mine = [i for i in ids if i in set(seeded[collection])]
    assert mine == list(reversed(seeded[collection]))
    assert newest_first(walked)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_limit_default_clamp_and_junk(api, seeded, collection):
    def limit_of(value):
        params = {} if value is None else {"limit": value}
        body = api.get(f"/{collection}/", params=params).json()
        assert len(body["data"]) <= body["pagination"]["limit"]
        return body["pagination"]["limit"]

    assert [limit_of(v) for v in (None, "2", "0", "-5", "500", "abc", "1.5", "")] == [
        50,
        2,
        1,
        1,
        200,
        50,
        50,
        50,
    ]


def test_bad_cursors_are_400_invalid_cursor(api, seeded):
    cursor = api.get("/products/", params={"limit": 2}).json()["pagination"]["next_cursor"]
    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    payload["i"] = "00000000-0000-0000-0000-000000000000"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    for path, value in [
        ("/products/", cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")),
        ("/products/", forged),
        ("/products/", "garbage!"),
        ("/products/", " "),
        ("/products/", "x" * 500),
        ("/orders/", cursor),
        ("/inventory/", cursor),
    ]:
        response = api.get(path, params={"cursor": value})
        assert response.status_code == 400, value
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert error["message"].startswith("Invalid cursor: '")
        assert len(error["message"]) < 200


def test_a_cursor_can_be_reused_with_another_limit(api, seeded):
    cursor = api.get("/products/", params={"limit": 2}).json()["pagination"]["next_cursor"]
    three = api.get("/products/", params={"cursor": cursor, "limit": 3}).json()["data"]
    five = api.get("/products/", params={"cursor": cursor, "limit": 5}).json()["data"]
    assert [r["id"] for r in five[:3]] == [r["id"] for r in three]


def test_an_exactly_full_last_page_has_no_next_cursor(api, seeded):
    total = len(api.walk("locations", 200))
    assert total <= 200
    body = api.get("/locations/", params={"limit": total}).json()
    assert len(body["data"]) == total and body["pagination"]["next_cursor"] is None
    body = api.get("/locations/", params={"limit": total - 1}).json()
    assert body["pagination"]["next_cursor"] is not None


def test_inserts_between_pages_cause_no_skip_or_repeat(api, seeded, name):
    present = set(seeded["products"])
    seen, cursor = [], None
    for page in range(100):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/products/", params=params).json()
        seen += [r["id"] for r in body["data"]]
        api.product(name(f"NEW{page}"))
        cursor = body["pagination"]["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert present <= set(seen)


def test_lists_show_active_products_and_locations_and_every_order(api, seeded, name):
    sku = api.product(name("GONE"))["sku"]
    order = api.order(name("CANCELLED"), sku)
    api.delete(item("products", sku))
    api.delete(item("orders", order["external_order_id"]))
    assert sku not in {r["sku"] for r in api.walk("products", 200)}
    assert order["id"] in {r["id"] for r in api.walk("orders", 200)}


def test_an_empty_cursor_is_the_first_page(api, seeded):
    first = api.get("/products/", params={"limit": 3}).json()
    assert api.get("/products/", params={"limit": 3, "cursor": ""}).json() == first

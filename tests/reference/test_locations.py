"""Locations on the reference target (decisions.md, Locations), including identifiers that
hold `/`, spaces and non-ASCII characters."""

from __future__ import annotations

import pytest

from tests.reference.conftest import item


def test_create_get_and_shape(api, name):
    code = name("L")
    fields = {"name": "Aisle A", "zone": "A", "aisle": "1", "metadata": {"temp": "cold"}}
    response = api.post("/locations/", json={"code": code, **fields})
    assert response.status_code == 201
    data = response.json()["data"]
    assert {key: data[key] for key in fields} == fields
    assert data["is_active"] is True and data["code"] == code
    assert api.get(item("locations", code)).json()["data"] == data


def test_is_active_at_create_is_ignored(api, name):
    assert api.post("/locations/", json={"code": name("L"), "is_active": False}).json()["data"][
        "is_active"
    ]


def test_duplicates_missing_code_and_unknown(api, name):
    code = name("L")
    api.location(code)
    duplicate = api.post("/locations/", json={"code": code})
    assert (duplicate.status_code, duplicate.json()["error"]["code"]) == (409, "DUPLICATE")
    api.delete(item("locations", code))
    assert api.post("/locations/", json={"code": code}).status_code == 409
    missing = api.post("/locations/", json={"name": "x"})
    assert missing.status_code == 400 and "code" in missing.json()["error"]["message"]
    for method in ("GET", "PUT", "DELETE"):
        response = api.request(method, item("locations", name("NONE")), json={})
        assert response.status_code == 404, method


def test_put_updates_ignores_code_and_toggles_activity(api, name):
    code = name("L")
    api.location(code, name="old")
    changes = {"name": "new", "zone": "Z", "aisle": "9", "metadata": {"k": 1}, "code": "IGNORED"}
    data = api.put(item("locations", code), json=changes).json()["data"]
    assert (data["code"], data["name"], data["zone"], data["metadata"]) == (
        code,
        "new",
        "Z",
        {"k": 1},
    )
    api.put(item("locations", code), json={"is_active": False})
    assert code not in {row["code"] for row in api.walk("locations", 200)}
    api.put(item("locations", code), json={"is_active": True})
    assert code in {row["code"] for row in api.walk("locations", 200)}


def test_delete_deactivates_and_stays_readable(api, name):
    code = name("L")
    api.location(code)
    for _ in range(2):
        response = api.delete(item("locations", code))
        assert response.status_code == 200 and response.json()["data"]["is_active"] is False
    assert api.get(item("locations", code)).json()["data"]["is_active"] is False
    assert code not in {row["code"] for row in api.walk("locations", 200)}


@pytest.mark.parametrize(
    "suffix",
    [
        "WH/SHELF-01",
        "with space",
        "line\nbreak\ttab",
        "a?b#c&d",
        "Überlager-東京-🚚",
        "%2F-literal",
        "a+b",
    ],
)
def test_identifiers_round_trip_percent_encoded(api, name, suffix):
    code = name(suffix)
    api.location(code)
    for method in ("GET", "PUT", "DELETE"):
        response = api.request(method, item("locations", code), json={})
        assert response.status_code == 200, (method, response.text)
        assert response.json()["data"]["code"] == code


def test_double_encoding_is_taken_literally_after_one_decode(api, name):
    code = name("WH/X")
    api.location(code)
    encoded_twice = item("locations", code).replace("%2F", "%252F")
    assert api.get(encoded_twice).status_code == 404
    literal = name("lit%2Fx")
    api.location(literal)
    assert api.get(f"/locations/{literal.replace('%', '%25')}/").status_code == 200


def test_undecodable_or_impossible_identifiers_are_404(api):
    for segment in ["%FF%FE", "a%00b", "x" * 300]:
        response = api.get(f"/locations/{segment}/")
        assert response.status_code == 404, segment
        assert response.json()["error"]["code"] == "NOT_FOUND"

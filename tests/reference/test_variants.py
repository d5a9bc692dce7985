"""Every conformant variant changes the behaviour it names, and only through `--variant`: the
precision self-validation (tests/self_validation/test_variants_pass.py) proves nothing about
a variant that does not really take the other choice."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from dmcert.contract.requirements import load_requirements
from dmcert.reference.settings import Settings
from dmcert.reference.variants import VARIANTS
from tests.reference.conftest import Api, in_process_target, item

STATUS_CHANGE = {"status": "awaiting_pickup"}


def _order(api: Api) -> dict:
    return api.order("VO1", api.product("VS1")["sku"], customer_name="Kept", notes="n")


def probe_trailing_slash_redirect(api: Api) -> None:
    response = api.get("/products", params={"limit": 1})
    assert response.status_code == 301
    assert response.headers["location"].endswith("/api/integrations/v1/products/?limit=1")


def probe_not_found_before_auth(api: Api) -> None:
    assert api.get("/widgets/", key=None).status_code == 404


def probe_json_content_type_required(api: Api) -> None:
    headers = {"Content-Type": "text/plain"}
    response = api.post("/products/", content=b'{"sku": "VT"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


def probe_options_allowed(api: Api) -> None:
    response = api.request("OPTIONS", "/products/")
    assert response.status_code == 200
    assert {"GET", "POST", "OPTIONS"} <= set(response.headers["allow"].split(", "))


def probe_patch_partial_update(api: Api) -> None:
    sku = api.product("VP", quantity=1)["sku"]
    response = api.request("PATCH", item("products", sku), json={"quantity": 4})
    assert (response.status_code, response.json()["data"]["quantity"]) == (200, 4)


def probe_server_request_limits(api: Api) -> None:
    assert api.get("/products/", params={"x": "y" * 5000}).status_code == 414
    assert api.get("/products/", headers={"X-Big": "z" * 9000}).status_code == 431


def probe_delete_answers_204(api: Api) -> None:
    response = api.delete(item("locations", api.location("VDEL")["code"]))
    assert (response.status_code, response.content) == (204, b"")
    assert api.delete(item("products", api.product("VDEL")["sku"])).status_code == 200


def probe_put_answers_204(api: Api) -> None:
    code = api.location("VPUT")["code"]
    response = api.put(item("locations", code), json={"name": "Moved"})
    assert (response.status_code, response.content) == (204, b"")
    assert api.get(item("locations", code)).json()["data"]["name"] == "Moved"
    sku = api.product("VPUT")["sku"]
    assert api.put(item("products", sku), json={"quantity": 3}).status_code == 204
    order = _order(api)
    assert api.put(item("orders", order["external_order_id"]), json={}).status_code == 200


def probe_scalar_coercion(api: Api) -> None:
    created = api.post("/products/", json={"sku": 77, "quantity": "3", "is_active": "true"})
    assert created.status_code == 201, created.text
    assert (created.json()["data"]["sku"], created.json()["data"]["quantity"]) == ("77", 3)


def probe_unknown_fields_rejected(api: Api) -> None:
    assert api.post("/products/", json={"sku": "VU", "colour": "blue"}).status_code == 400


def probe_validation_error_details(api: Api) -> None:
    error = api.post("/products/", json={"sku": "VD", "quantity": "x"}).json()["error"]
    assert error["details"] == {"quantity": ["must be an integer."]}


def probe_non_integer_limit_rejected(api: Api) -> None:
    response = api.get("/products/", params={"limit": "abc"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "VALIDATION_ERROR")


def probe_extra_response_fields(api: Api) -> None:
    product = api.product("VX")
    assert {"tenant", "revision"} <= set(product)


def probe_volatile_version_field(api: Api) -> None:
    path = item("products", api.product("VV")["sku"])
    first = api.put(path, json={"quantity": 2}).json()["data"]["modified"]
    assert api.put(path, json={"quantity": 2}).json()["data"]["modified"] != first


def probe_zulu_timestamps(api: Api) -> None:
    stamp = api.product("VZ")["created_at"]
    assert stamp.endswith("Z") and len(stamp) == len("2026-04-16T10:00:00.000000Z"), stamp


def probe_revoked_key_other_detail(api: Api) -> None:
    response = api.get("/orders/", key="revoked")
    assert (response.status_code, response.json()) == (401, {"detail": "API key is inactive"})


def probe_validation_before_auth(api: Api) -> None:
    for key in (None, "revoked", "read_only"):
        response = api.get("/orders/", key=key, params={"cursor": "not-a-cursor"})
        assert (response.status_code, response.json()["error"]["code"]) == (400, "VALIDATION_ERROR")
        assert api.post("/products/", key=key, json={"sku": 5}).status_code == 400
    assert api.get("/orders/", key=None).status_code == 403
    assert api.post("/products/", key="read_only", json={"sku": "VA"}).status_code == 403


def probe_documented_statuses_only(api: Api) -> None:
    path = item("orders", _order(api)["external_order_id"])
    assert api.put(path, json=STATUS_CHANGE).status_code == 400
    assert api.put(path, json={"status": "in_progress"}).status_code == 200


def probe_put_replaces_order_header(api: Api) -> None:
    order = _order(api)
    updated = api.put(item("orders", order["external_order_id"]), json={"notes": "only"})
    data = updated.json()["data"]
    assert (data["customer_name"], data["notes"]) == (None, "only")
    assert data["external_order_id"] == order["external_order_id"]


def probe_cancelled_orders_unlisted(api: Api) -> None:
    order = _order(api)
    api.delete(item("orders", order["external_order_id"]))
    assert order["id"] not in {entry["id"] for entry in api.walk("orders", 200)}


def probe_inactive_targets_rejected(api: Api) -> None:
    sku = api.product("VI", is_active=False)["sku"]
    code = api.location("VL")["code"]
    ordered = api.post(
        "/orders/", json={"order_number": "VIO", "items": [{"sku_code": sku, "quantity": 1}]}
    )
    assert ordered.status_code == 400
    rows = [{"location_code": code, "sku_code": sku, "quantity": 1}]
    report = api.post("/inventory/", json={"inventory": rows}).json()["data"]
    assert report["errors"][0]["errors"] == {"product_id": ["Product not found"]}


def probe_create_reactivates_inactive(api: Api) -> None:
    sku = api.product("VRE", quantity=3)["sku"]
    api.delete(item("products", sku))
    again = api.post("/products/", json={"sku": sku, "quantity": 8})
    assert again.status_code == 201, again.text
    assert (again.json()["data"]["is_active"], again.json()["data"]["quantity"]) == (True, 8)


def probe_all_rows_failed_is_400(api: Api) -> None:
    rows = [{"location_code": "NOWHERE", "sku_code": "NOTHING", "quantity": 1}]
    assert api.post("/inventory/", json={"inventory": rows}).status_code == 400


def probe_unknown_inventory_identifier_404(api: Api) -> None:
    response = api.get(item("inventory", "NO-SUCH-SKU"), params={"by": "sku"})
    assert (response.status_code, response.json()["error"]["code"]) == (404, "NOT_FOUND")
    assert api.get(item("inventory", api.location("V404")["code"])).json()["data"] == []


def probe_negative_quantity_rejects_batch(api: Api) -> None:
    code, sku = api.location("VNQ")["code"], api.product("VNQ")["sku"]
    rows = [
        {"location_code": code, "sku_code": sku, "quantity": 1},
        {"location_code": code, "sku_code": sku, "quantity": -1},
    ]
    response = api.post("/inventory/", json={"inventory": rows})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert api.get(item("inventory", code)).json()["data"] == []


def probe_ten_million_byte_limit(api: Api) -> None:
    headers = {"Content-Type": "application/json"}
    at_cap = b'{"n": "' + b"x" * (10_000_000 - 9) + b'"}'
    assert api.post("/inventory/", content=at_cap, headers=headers).status_code == 400
    over = at_cap + b" "
    assert api.post("/inventory/", content=over, headers=headers).status_code == 413


def probe_string_custom_fields_only(api: Api) -> None:
    response = api.post("/products/", json={"sku": "VCF", "custom_fields": {"fragile": True}})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert api.product("VCS", custom_fields={"color": "blue"})["custom_fields"] == {"color": "blue"}


def probe_strict_identifier_firewall(api: Api) -> None:
    code = api.location("V+100%")["code"]
    response = api.get(item("locations", code))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert api.get(item("locations", api.location("WH/V 1")["code"])).status_code == 200


def probe_summary_list_entries(api: Api) -> None:
    _order(api)
    assert set(api.walk("orders", 200)[0]) == {
        "id",
        "order_number",
        "status",
        "customer_name",
        "created_at",
    }


def probe_error_field_in_details(api: Api) -> None:
    error = api.post("/locations/", json={"name": "no code"}).json()["error"]
    assert (error["message"], error["details"]) == (
        "This field is required.",
        {"code": ["This field is required."]},
    )


def probe_second_precision_timestamps(api: Api) -> None:
    stamp = api.product("VSP")["created_at"]
    assert stamp.endswith("Z") and len(stamp) == len("2026-04-16T10:00:00Z"), stamp


def probe_millisecond_timestamps(api: Api) -> None:
    stamp = api.product("VMS")["created_at"]
    assert stamp.endswith("Z") and len(stamp) == len("2026-04-16T10:00:00.000Z"), stamp


def probe_problem_details_auth(api: Api) -> None:
    response = api.post("/products/", key="read_only", json={"sku": "VPD"})
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "You do not have permission to perform this action.",
    }
    unknown = api.get("/orders/", key="sk_test_unknown").json()
    assert (unknown["status"], unknown["detail"]) == (401, "Invalid API key")


def probe_delete_answers_success_only(api: Api) -> None:
    response = api.delete(item("locations", api.location("VDS")["code"]))
    assert (response.status_code, response.json()) == (200, {"success": True})
    assert "data" in api.delete(item("products", api.product("VDS")["sku"])).json()


def probe_location_list_without_id(api: Api) -> None:
    api.location("VLI")
    entries = api.walk("locations", 200)
    assert entries and all("id" not in entry for entry in entries)


def probe_hsts_on_success_only(api: Api) -> None:
    assert "strict-transport-security" in api.get("/products/").headers
    assert "strict-transport-security" not in api.get("/products/", key=None).headers


def probe_close_on_oversized_body(api: Api) -> None:
    body = b'{"n": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    response = api.post("/products/", content=body, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.headers["connection"]) == (413, "close")


def probe_other_cursor_message(api: Api) -> None:
    error = api.get("/products/", params={"cursor": "not-a-cursor"}).json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert not error["message"].startswith("Invalid cursor")


def probe_null_custom_fields(api: Api) -> None:
    sku = api.product("VNC")["sku"]
    assert api.get(item("products", sku)).json()["data"]["custom_fields"] is None
    assert api.product("VNC2", custom_fields={"a": "b"})["custom_fields"] == {"a": "b"}


def probe_negative_product_quantity(api: Api) -> None:
    sku = api.product("VNQ", quantity=-1)["sku"]
    assert api.put(item("products", sku), json={"quantity": -2}).status_code == 200
    assert api.get(item("products", sku)).json()["data"]["quantity"] == -2


def probe_put_answers_success_only(api: Api) -> None:
    code = api.location("VPS")["code"]
    response = api.put(item("locations", code), json={"name": "Moved"})
    assert (response.status_code, response.json()) == (200, {"success": True})
    assert api.get(item("locations", code)).json()["data"]["name"] == "Moved"
    sku = api.product("VPS")["sku"]
    assert api.put(item("products", sku), json={"quantity": 3}).json() == {"success": True}
    order = _order(api)
    assert "data" in api.put(item("orders", order["external_order_id"]), json={}).json()


def probe_delete_unknown_is_noop(api: Api) -> None:
    for collection in ("products", "locations"):
        response = api.delete(item(collection, "NO-SUCH-RECORD"))
        assert (response.status_code, response.content) == (204, b"")
    response = api.delete(item("locations", api.location("VDU")["code"]))
    assert response.json()["data"]["is_active"] is False


def probe_metadata_merged(api: Api) -> None:
    code = api.location("VMM", metadata={"bins": 2, "dock": False})["code"]
    assert api.put(item("locations", code), json={"metadata": {"dock": True}}).status_code == 200
    metadata = api.get(item("locations", code)).json()["data"]["metadata"]
    assert metadata == {"bins": 2, "dock": True}


def probe_create_answers_documented_fields(api: Api) -> None:
    created = api.product("VCD")
    assert set(created) == {"id", "sku", "quantity", "is_active", "cost", "custom_fields"}
    assert "created_at" in api.get(item("products", created["sku"])).json()["data"]


def probe_local_datetime_dates(api: Api) -> None:
    order = api.order("VLD", api.product("VLD")["sku"], due_date="2026-05-01T10:00:00+02:00")
    assert order["due_date"] == "2026-05-01T08:00:00", order["due_date"]
    assert order["created_at"].endswith("+00:00"), order["created_at"]


def probe_create_answer_omits_null_fields(api: Api) -> None:
    created = _order(api)
    assert "order_date" not in created and "notes" not in created["items"][0]
    shown = api.get(item("orders", created["external_order_id"])).json()["data"]
    assert shown["order_date"] is None and shown["items"][0]["notes"] is None


def probe_nulls_omitted(api: Api) -> None:
    code = api.location("VNO")["code"]
    shown = api.get(item("locations", code)).json()["data"]
    assert not {"name", "zone", "aisle"} & set(shown), shown
    assert api.product("VNO")["cost"] is None


PROBES: dict[str, Callable[[Api], None]] = {
    name.removeprefix("probe_"): probe
    for name, probe in globals().items()
    if name.startswith("probe_")
}


OVER_TLS = frozenset({"hsts_on_success_only"})
"""Variants whose probe needs the target served over HTTPS (`dmcert serve --tls`)."""


def test_every_variant_has_a_probe() -> None:
    assert set(PROBES) == set(VARIANTS)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_takes_the_other_choice_and_the_default_does_not(variant: str) -> None:
    for chosen, expected in (((variant,), True), ((), False)):
        with in_process_target(variants=chosen, tls=variant in OVER_TLS) as target:
            api = Api(target)
            try:
                PROBES[variant](api)
            except (AssertionError, KeyError, TypeError, IndexError, httpx.HTTPError):
                took_it = False
            else:
                took_it = True
            finally:
                api.http.close()
        assert took_it is expected, f"{variant} {'chosen' if chosen else 'not chosen'}"


def test_an_unknown_variant_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown variant: nope"):
        Settings(db_url="sqlite://", variants=frozenset({"nope"}))
    with pytest.raises(KeyError):
        Settings(db_url="sqlite://").chose("nope")


def test_a_variant_departs_only_from_catalogued_should_requirements() -> None:
    """A conformant choice may depart from dmcert's readings (SHOULD), never from the docs."""
    catalogue = load_requirements()
    for variant in VARIANTS.values():
        for req_id in variant.departs_from:
            assert req_id in catalogue, f"{variant.name}: {req_id} is not catalogued"
            assert catalogue[req_id].level == "SHOULD", f"{variant.name}: {req_id} is a MUST"

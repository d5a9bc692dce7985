"""Every injected fault changes the behaviour it names, and only through `--fault`: the
self-validation of the conformance suite depends on each one really breaking its rule."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from dmcert.contract.requirements import load_requirements
from dmcert.reference.database import UNIQUE_INDEXES_DROPPED, open_database
from dmcert.reference.faults import FAULTS, Fault
from dmcert.reference.registry import Registry
from dmcert.reference.settings import Settings
from dmcert.testkit import handshake, tls_1_1_only_context
from tests.reference.conftest import Api, in_process_target, item


def first_cursor(api: Api, collection: str, limit: int = 1) -> str:
    return api.get(f"/{collection}/", params={"limit": limit}).json()["pagination"]["next_cursor"]


def seed_products(api: Api, count: int = 4) -> list[str]:
    return [api.product(f"FP{n}")["sku"] for n in range(count)]


def seed_place(api: Api) -> tuple[str, str]:
    return api.location("FL")["code"], api.product("FS")["sku"]


def bulk(api: Api, rows: list[dict]):
    return api.post("/inventory/", json={"inventory": rows})


def row(location: str, sku: str, quantity) -> dict:
    return {"location_code": location, "sku_code": sku, "quantity": quantity}


def _walk_ids(api: Api, collection: str, limit: int) -> list[str]:
    seen, cursor = [], None
    for _ in range(50):
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = api.get(f"/{collection}/", params=params).json()
        seen += [record["id"] for record in body["data"]]
        cursor = body["pagination"]["next_cursor"]
        if cursor is None:
            break
    return seen


def probe_unstable(api: Api) -> None:
    seed_products(api)
    body = api.get("/products/", params={"limit": 2}).json()
    api.product("NEWER")
    rest = api.get("/products/", params={"limit": 2, "cursor": body["pagination"]["next_cursor"]})
    assert body["data"][-1]["id"] == rest.json()["data"][0]["id"]


def probe_last_page(api: Api) -> None:
    seed_products(api)
    body = api.get("/products/", params={"limit": 200}).json()
    cursor = body["pagination"]["next_cursor"]
    assert cursor is not None
    assert api.get("/products/", params={"cursor": cursor}).json()["data"] == []


def probe_denied_write(api: Api) -> None:
    assert api.post("/products/", key="products_read", json={"sku": "SNEAK"}).status_code == 403
    assert api.get(item("products", "SNEAK")).status_code == 200


def together(calls: list[Callable[[], object]]) -> list:
    """Run `calls` at once, one thread each."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def probe_racing_creates(api: Api) -> int:
    """How many of 6 concurrent creates of one sku are listed afterwards."""
    together([lambda: api.post("/products/", json={"sku": "RACE"})] * 6)
    return sum(record["sku"] == "RACE" for record in api.walk("products", 200))


def probe_racing_upserts(api: Api) -> int:
    """How many rows 6 concurrent upserts of one new pair leave."""
    location, sku = seed_place(api)
    together([lambda: bulk(api, [row(location, sku, 5)])] * 6)
    return len(api.get(item("inventory", location)).json()["data"])


def probe_racing_puts(api: Api, sku: str) -> bool:
    """Whether 8 concurrent PUTs of one product leave a mix of two bodies."""
    api.product(sku)
    bodies = [{"quantity": n, "custom_fields": {"racer": n}} for n in range(8)]
    together([lambda body=body: api.put(item("products", sku), json=body) for body in bodies])
    shown = api.get(item("products", sku)).json()["data"]
    return {"quantity": shown["quantity"], "custom_fields": shown["custom_fields"]} not in bodies


def probe_update_during_cancel(api: Api) -> str | None:
    """The notes after a PUT lands while a DELETE of the same order is in flight."""
    _location, sku = seed_place(api)
    path = item("orders", api.order("FO", sku)["external_order_id"])

    def late_update():
        time.sleep(0.02)
        return api.put(path, json={"notes": "kept"})

    together([lambda: api.delete(path), late_update])
    return api.get(path).json()["data"]["notes"]


def probe_cancel_shipped(api: Api) -> None:
    path = item("orders", api.target.profile.shipped_order)
    assert api.delete(path).json()["data"]["status"] == "cancelled"


def probe_cancel_twice(api: Api) -> None:
    _location, sku = seed_place(api)
    order = api.order("FO", sku)
    path = item("orders", order["external_order_id"])
    assert api.delete(path).status_code == 200
    assert api.delete(path).status_code == 400


def probe_put_ignores_status(api: Api) -> None:
    _location, sku = seed_place(api)
    path = item("orders", api.order("FO", sku)["external_order_id"])
    api.put(path, json={"status": "in_progress"})
    assert api.get(path).json()["data"]["status"] == "pending"


def probe_cancel_not_stored(api: Api) -> None:
    _location, sku = seed_place(api)
    path = item("orders", api.order("FO", sku)["external_order_id"])
    assert api.delete(path).json()["data"]["status"] == "cancelled"
    assert api.get(path).json()["data"]["status"] == "pending"


def probe_put_items(api: Api) -> None:
    _location, sku = seed_place(api)
    order = api.order("FO", sku)
    items = [{"sku_code": sku, "quantity": 77}]
    data = api.put(item("orders", order["external_order_id"]), json={"items": items}).json()
    assert data["data"]["items"][0]["quantity"] == 77


def probe_counters(api: Api) -> None:
    location, sku = seed_place(api)
    bulk(api, [row(location, sku, 1)])
    assert bulk(api, [row(location, sku, 2)]).json()["data"]["created"] == 1


def probe_slow(api: Api) -> None:
    started = time.monotonic()
    api.get("/orders/")
    assert time.monotonic() - started >= 1.2


def probe_slow_location_list(api: Api) -> None:
    """GET /locations/ against GET /products/ over lists of equal size, in interleaved pairs:
    doubling the answering time puts the locations median well above the products one."""
    for n in range(100):
        api.location(f"SL{n}")
        api.product(f"SP{n}")
    times: dict[str, list[float]] = {"locations": [], "products": []}
    for _ in range(30):
        for collection, spent in times.items():
            started = time.perf_counter()
            api.get(f"/{collection}/", params={"limit": 200})
            spent.append(time.perf_counter() - started)
    ratio = statistics.median(times["locations"]) / statistics.median(times["products"])
    assert ratio >= 1.3, ratio


def probe_flaky(api: Api) -> None:
    statuses = [api.get("/orders/").status_code for _ in range(10)]
    assert statuses.count(503) == 1


def probe_tls_1_1(api: Api) -> bool:
    context = tls_1_1_only_context()
    if context is None:
        pytest.skip("this machine's OpenSSL cannot offer TLS 1.1")
    return handshake(api.target.url, context).version is not None


# rules of the connection: their probes run against a target serving HTTPS
def admin(api: Api, method: str, path: str, **kw: Any) -> httpx.Response:
    """A call to the target's /_reference/ admin routes."""
    headers = {"X-Admin-Token": api.target.profile.admin_token}
    return api.http.request(method, f"{api.target.url}/_reference/{path}", headers=headers, **kw)


def probe_revocation_delayed(api: Api) -> bool:
    key = admin(api, "POST", "keys", json={"name": "probe", "scopes": ["integrations.*"]})
    value = key.json()["key"]
    served = api.get("/orders/", key=value).status_code
    admin(api, "POST", "keys/probe/revoke")
    return served == 200 and api.get("/orders/", key=value).status_code == 200


def probe_auth_rejections_logged(api: Api) -> bool:
    start = admin(api, "GET", "audit/position").json()["position"]
    api.get("/orders/", key="sk_test_unknown")
    entries = admin(api, "GET", "audit", params={"after": str(start)}).json()
    return any(entry["status_code"] == 401 for entry in entries)


TLS_FAULTS = frozenset({"hsts_missing", "tls_1_1_allowed"})

PROBES: dict[str, Callable[[Api], None]] = {
    "list_without_pagination": lambda api: "pagination" not in api.get("/orders/").json(),
    "error_success_true": lambda api: api.post("/orders/", json={}).json()["success"] is True,
    "text_plain_content_type": lambda api: (
        api.get("/orders/").headers["content-type"].startswith("text/plain")
    ),
    "lowercase_error_codes": lambda api: (
        api.post("/orders/", json={}).json()["error"]["code"] == "validation_error"
    ),
    "not_found_as_400": lambda api: api.get(item("orders", "NONE")).status_code == 400,
    "server_error_on_bad_json": lambda api: api.post("/orders/", content=b"{").status_code == 500,
    "object_taken_as_string": lambda api: (
        api.post("/locations/", json={"code": "FOS", "name": {"a": 1}}).status_code == 201
    ),
    "missing_key_401": lambda api: api.get("/orders/", key=None).status_code == 401,
    "expired_key_accepted": lambda api: api.get("/orders/", key="expired").status_code == 200,
    "revoked_key_accepted": lambda api: api.get("/orders/", key="revoked").status_code == 200,
    "invalid_key_wrong_detail": lambda api: (
        api.get("/orders/", key="sk_test_x").json() != {"detail": "Invalid API key"}
    ),
    "read_key_can_delete": lambda api: (
        api.delete(item("orders", "NONE"), key="orders_read").status_code == 404
    ),
    "resource_wildcard_ignored": lambda api: (
        api.get("/orders/", key="orders_all").status_code == 403
    ),
    "denied_write_persists": probe_denied_write,
    "cursor_skips_record": lambda api: (
        (seed_products(api), len(_walk_ids(api, "products", 1)))[1] < 5
    ),
    "limit_not_clamped": lambda api: api.get("/orders/", params={"limit": 0}).status_code == 400,
    "cursor_not_verified": lambda api: (
        api.get("/products/", params={"cursor": "garbage"}).status_code == 200
    ),
    "oldest_first": lambda api: (seed_products(api), api.get("/products/").json()["data"][0])[1][
        "sku"
    ].startswith("REF-FIXTURE"),
    "next_cursor_on_last_page": probe_last_page,
    "unstable_under_inserts": probe_unstable,
    "hard_delete_product": lambda api: (
        (
            api.product("GONE"),
            api.delete(item("products", "GONE")),
            api.get(item("products", "GONE")).status_code,
        )[2]
        == 404
    ),
    "inactive_location_listed": lambda api: (
        api.location("OFF"),
        api.delete(item("locations", "OFF")),
        "OFF" in {r["code"] for r in api.get("/locations/").json()["data"]},
    )[2],
    "cancel_shipped_order_allowed": probe_cancel_shipped,
    "cancel_twice_error": probe_cancel_twice,
    "custom_fields_merged": lambda api: (
        (
            api.product("M", custom_fields={"a": 1}),
            api.put(item("products", "M"), json={"custom_fields": {"b": 2}}).json()["data"],
        )[1]["custom_fields"]
        == {"a": 1, "b": 2}
    ),
    "product_create_200": lambda api: api.post("/products/", json={"sku": "C"}).status_code == 200,
    "duplicate_product_201": lambda api: (
        (
            api.product("D"),
            api.post("/products/", json={"sku": "D"}).status_code,
        )[1]
        == 201
    ),
    "duplicate_order_number_accepted": lambda api: (
        (
            api.product("S"),
            api.order("DUP", "S"),
            api.post(
                "/orders/",
                json={"order_number": "DUP", "items": [{"sku_code": "S", "quantity": 1}]},
            ).status_code,
        )[2]
        == 201
    ),
    "unknown_sku_accepted": lambda api: (
        api.post(
            "/orders/", json={"order_number": "U", "items": [{"sku_code": "NOPE", "quantity": 1}]}
        ).status_code
        == 201
    ),
    "put_changes_items": probe_put_items,
    "put_ignores_status": probe_put_ignores_status,
    "cancel_not_stored": probe_cancel_not_stored,
    "item_quantity_zero_accepted": lambda api: (
        (
            api.product("Z"),
            api.post(
                "/orders/", json={"order_number": "Z", "items": [{"sku_code": "Z", "quantity": 0}]}
            ).status_code,
        )[1]
        == 201
    ),
    "order_status_not_pending": lambda api: (
        (api.product("P"), api.order("P", "P"))[1]["status"] != "pending"
    ),
    "bulk_counters_wrong": probe_counters,
    "bulk_row_index_1_based": lambda api: (
        bulk(api, [row("NO", "NO", 1)]).json()["data"]["errors"][0]["row"] == 1
    ),
    "bulk_all_or_nothing": lambda api: (
        (
            seed_place(api),
            bulk(api, [row("FL", "FS", 1), row("NO", "NO", 1)]).status_code,
        )[1]
        == 400
    ),
    "negative_quantity_accepted": lambda api: (
        (
            seed_place(api),
            bulk(api, [row("FL", "FS", -3)]).json()["data"]["failed"],
        )[1]
        == 0
    ),
    "by_sku_ignored": lambda api: (
        (
            seed_place(api),
            bulk(api, [row("FL", "FS", 1)]),
            api.get(item("inventory", "FS"), params={"by": "sku"}).json()["data"],
        )[2]
        == []  # read as a location code, which no row has
    ),
    "invalid_by_accepted": lambda api: (
        (
            seed_place(api),
            api.get(item("inventory", "FL"), params={"by": "shelf"}).status_code,
        )[1]
        == 200
    ),
    "bulk_returns_201": lambda api: (
        (
            seed_place(api),
            bulk(api, [row("FL", "FS", 1)]).status_code,
        )[1]
        == 201
    ),
    "slash_identifier_broken": lambda api: (
        (
            api.location("WH/1"),
            api.get(item("locations", "WH/1")).status_code,
        )[1]
        == 404
    ),
    "unicode_identifier_broken": lambda api: (
        (
            api.location("Lager-Ü"),
            api.get(item("locations", "Lager-Ü")).status_code,
        )[1]
        == 404
    ),
    "revocation_delayed": probe_revocation_delayed,
    "auth_rejections_logged": probe_auth_rejections_logged,
    "locations_without_slash": lambda api: api.get("/locations/").status_code == 404,
    "hsts_missing": lambda api: "strict-transport-security" not in api.get("/orders/").headers,
    "tls_1_1_allowed": probe_tls_1_1,
    "slow_lists": probe_slow,
    "slow_location_list": probe_slow_location_list,
    "flaky_5xx": probe_flaky,
    # races
    "racy_duplicate_check": lambda api: probe_racing_creates(api) > 1,
    "racy_bulk_upsert": lambda api: probe_racing_upserts(api) > 1,
    "torn_put": lambda api: any(probe_racing_puts(api, f"T{n}") for n in range(5)),
    "stale_cancel": lambda api: probe_update_during_cancel(api) is None,
}


PROVEN_ELSEWHERE = {
    "crash_on_nested_json": "tests/test_run_integrity.py: the server exits on that request",
    "drop_connection_on_bad_json": "tests/test_run_integrity.py: the answer never comes",
    **dict.fromkeys(
        (
            "dot_path_written_flat",
            "inactive_mapping_applied",
            "internal_names_kept",
            "mapped_error_not_reversed",
            "mapping_error_400",
            "partner_default_identifier_ignored",
            "static_value_dropped",
        ),
        "tests/self_validation: a partner key's run fails its rule; the conformant target passes",
    ),
}
"""Faults whose effect needs a partner-mapped key or kills the server, shown where that is
set up rather than by a probe here."""


def test_every_fault_is_probed():
    """A fault blamed on requirements is proven by self-validation: the suite fails its
    requirements with the fault and passes them without it. A probe here is a second,
    suite-independent proof; the faults self-validation does not run must have one."""
    assert set(PROBES) | set(PROVEN_ELSEWHERE) <= set(FAULTS)
    assert not set(PROBES) & set(PROVEN_ELSEWHERE)
    unproven = [f.name for f in FAULTS.values() if f.caught_elsewhere]
    assert set(unproven) <= set(PROBES) | set(PROVEN_ELSEWHERE)
    assert set(UNIQUE_INDEXES_DROPPED) <= set(FAULTS)


def test_every_fault_is_blamed_on_catalogued_requirements():
    catalogue = load_requirements()
    for fault in FAULTS.values():
        unknown = [r for r in (*fault.blamed_on, *fault.schema_blamed_on) if r not in catalogue]
        assert not unknown, f"{fault.name} names requirements not in the catalogue: {unknown}"


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"name": "Bad-Name", "blamed_on": ("ERR-001",)}, "snake_case"),
        ({"description": "two\nlines", "blamed_on": ("ERR-001",)}, "one non-empty line"),
        ({"blamed_on": ("ERR-1",)}, "not a requirement id"),
        ({}, "blamed on requirements or caught elsewhere"),
        ({"blamed_on": ("ERR-001",), "caught_elsewhere": "x"}, "or caught elsewhere"),
    ],
)
def test_a_malformed_fault_is_refused_at_import(fields: dict, complaint: str):
    with pytest.raises(ValueError, match=complaint):
        Registry("fault", [Fault(**{"name": "ok", "description": "breaks a rule", **fields})])


def test_a_fault_name_is_registered_once():
    twice = [Fault("ok", "breaks a rule", ("ERR-001",))] * 2
    with pytest.raises(ValueError, match="duplicate fault: ok"):
        Registry("fault", twice)


def test_settings_reject_unknown_faults():
    with pytest.raises(ValueError, match="unknown fault"):
        Settings(db_url="sqlite:////tmp/x.db", faults=frozenset({"nope"}))
    with pytest.raises(KeyError):
        Settings(db_url="sqlite:////tmp/x.db").has("nope")


@pytest.mark.postgres
@pytest.mark.parametrize("fault", sorted(UNIQUE_INDEXES_DROPPED))
def test_faults_without_unique_indexes_refuse_postgresql(fault, postgres_database):
    """A PostgreSQL database may be shared with conformant targets: never drop its indexes."""
    with pytest.raises(ValueError, match="SQLite only"):
        open_database(postgres_database, frozenset({fault}))


def run_probe(fault: str, faults: tuple[str, ...]) -> bool:
    """Whether the probe of `fault` sees the broken behaviour on a fresh target."""
    with in_process_target(faults, tls=fault in TLS_FAULTS) as target:
        api = Api(target)
        try:
            outcome = PROBES[fault](api)
        except (AssertionError, KeyError, TypeError):
            return False
        finally:
            api.http.close()
    return outcome is None or outcome is True


TIMED_PROBES = ("slow_lists", "slow_location_list")
"""Probes that time the target: they run alone (the `timing` mark, tests/conftest.py)."""


@pytest.mark.parametrize(
    "fault",
    [pytest.param(f, marks=pytest.mark.timing) if f in TIMED_PROBES else f for f in sorted(PROBES)],
)
def test_fault_breaks_its_rule_and_only_with_the_fault(fault):
    assert run_probe(fault, (fault,)), f"{fault} did not change the behaviour"
    assert not run_probe(fault, ()), f"the probe of {fault} also fires without the fault"

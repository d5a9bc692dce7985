"""The contract spec/openapi.yaml: valid OpenAPI 3.1, exactly the documented operations, every
operation traced to a documentation page and to the scope its method needs, and loadable by
schemathesis with the deployment root as base URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import schemathesis
import yaml
from openapi_spec_validator import validate

from dmcert.contract import scopes
from dmcert.contract.files import spec_path
from dmcert.contract.requirements import PAGES

BASE_PATH = "/api/integrations/v1"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

EXPECTED_OPERATIONS = {
    ("GET", "/orders/"),
    ("POST", "/orders/"),
    ("GET", "/orders/{identifier}/"),
    ("PUT", "/orders/{identifier}/"),
    ("DELETE", "/orders/{identifier}/"),
    ("GET", "/products/"),
    ("POST", "/products/"),
    ("GET", "/products/{sku}/"),
    ("PUT", "/products/{sku}/"),
    ("DELETE", "/products/{sku}/"),
    ("GET", "/locations/"),
    ("POST", "/locations/"),
    ("GET", "/locations/{code}/"),
    ("PUT", "/locations/{code}/"),
    ("DELETE", "/locations/{code}/"),
    ("GET", "/inventory/"),
    ("POST", "/inventory/"),
    ("GET", "/inventory/{identifier}/"),
}


# decisions.md: every status each operation can answer (besides nothing else).
_LIST = {"200", "400", "401", "403"}
_CREATE = {"201", "400", "401", "403", "413", "422"}
_GET_ONE = {"200", "401", "403", "404"}
_PUT = {"200", "400", "401", "403", "404", "413", "422"}
_DELETE = {"200", "400", "401", "403", "404"}
EXPECTED_STATUSES = {
    **{("GET", f"/{r}/"): _LIST for r in ("orders", "products", "locations", "inventory")},
    ("POST", "/orders/"): _CREATE,
    ("POST", "/products/"): _CREATE | {"409"},
    ("POST", "/locations/"): _CREATE | {"409"},
    ("POST", "/inventory/"): _CREATE - {"201"} | {"200"},
    ("GET", "/orders/{identifier}/"): _GET_ONE,
    ("GET", "/products/{sku}/"): _GET_ONE,
    ("GET", "/locations/{code}/"): _GET_ONE,
    ("GET", "/inventory/{identifier}/"): _GET_ONE | {"400"},
    ("PUT", "/orders/{identifier}/"): _PUT,
    ("PUT", "/products/{sku}/"): _PUT,
    ("PUT", "/locations/{code}/"): _PUT,
    ("DELETE", "/orders/{identifier}/"): _DELETE,
    ("DELETE", "/products/{sku}/"): _DELETE - {"400"},  # body ignored: nothing to reject
    ("DELETE", "/locations/{code}/"): _DELETE - {"400"},
}

ERROR_CODES = {
    "VALIDATION_ERROR",
    "SERVICE_ERROR",
    "NOT_FOUND",
    "DUPLICATE",
    "MAPPING_ERROR",
    "METHOD_NOT_ALLOWED",
    "PAYLOAD_TOO_LARGE",
}


@cache
def spec() -> dict[str, Any]:
    with spec_path().open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def deref(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"]
        assert pointer.startswith("#/"), f"only local references are used: {pointer}"
        node = spec()
        for part in pointer[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path relative to the base path, operation object) for every operation."""
    for path, item in spec()["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path.removeprefix(BASE_PATH), item[method]


def walk(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping in the document, with its JSON pointer."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


def sources(operation: dict[str, Any]) -> list[str]:
    value = operation["x-dm-source"]
    return [value] if isinstance(value, str) else list(value)


def test_spec_is_valid_openapi_3_1() -> None:
    assert spec()["openapi"].startswith("3.1")
    validate(spec())


def test_info_names_the_docs_version_and_hand_maintenance() -> None:
    info = spec()["info"]
    assert info["version"]
    assert "next" in info["description"] and "Hand-maintained" in info["description"]


def test_exactly_the_documented_operations() -> None:
    assert {(method, path) for method, path, _ in operations()} == EXPECTED_OPERATIONS


def test_every_path_is_under_the_base_path_and_ends_in_a_slash() -> None:
    for path in spec()["paths"]:
        assert path.startswith(f"{BASE_PATH}/"), path
        assert path.endswith("/"), path


def test_operation_ids_are_unique_and_every_operation_has_one_tag_per_resource() -> None:
    ids = [operation["operationId"] for _, _, operation in operations()]
    assert len(ids) == len(set(ids)) == len(EXPECTED_OPERATIONS)
    for _, path, operation in operations():
        assert operation["tags"] == [path.strip("/").split("/")[0]], operation["operationId"]


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED_OPERATIONS))
def test_scope_follows_the_grammar_and_the_method_rule(method: str, path: str) -> None:
    operation = next(op for m, p, op in operations() if (m, p) == (method, path))
    scope = operation["x-dm-scope"]
    resource = path.strip("/").split("/")[0]
    assert scopes.is_valid(scope), scope
    assert scope == f"integrations.{resource}.{scopes.action_for(method)}"


def test_every_source_is_a_documented_page_and_cites_the_resource_reference() -> None:
    for _, path, operation in operations():
        cited = [page.removeprefix("next/") for page in sources(operation)]
        assert cited and set(cited) <= set(PAGES), (operation["operationId"], cited)
        assert f"api-reference/{path.strip('/').split('/')[0]}" in cited


def test_every_inference_gives_a_one_line_reason() -> None:
    inferred = [(where, node) for where, node in walk(spec()) if "x-dm-inferred" in node]
    assert inferred
    for where, node in inferred:
        assert node["x-dm-inferred"] is True, where
        reason = node.get("x-dm-inferred-reason")
        assert isinstance(reason, str) and reason.strip() and "\n" not in reason.strip(), where
    for where, node in walk(spec()):
        if "x-dm-inferred-reason" in node:
            assert node.get("x-dm-inferred") is True, where


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED_OPERATIONS))
def test_statuses_are_those_decisions_md_fixes(method: str, path: str) -> None:
    operation = next(op for m, p, op in operations() if (m, p) == (method, path))
    assert set(operation["responses"]) == EXPECTED_STATUSES[(method, path)]


def test_error_bodies_use_their_envelopes() -> None:
    auth = spec()["components"]["schemas"]["AuthError"]
    envelope = spec()["components"]["schemas"]["ErrorEnvelope"]
    for _, _, operation in operations():
        for status, response in operation["responses"].items():
            schema = deref(deref(response)["content"]["application/json"]["schema"])
            if status in ("401", "403"):
                assert schema is auth, (operation["operationId"], status)
            elif not status.startswith("2"):
                assert schema is envelope, (operation["operationId"], status)


def test_documented_auth_messages_appear_as_examples() -> None:
    details = {
        example["value"]["detail"]
        for name in ("Unauthorized", "Forbidden")
        for example in spec()["components"]["responses"][name]["content"]["application/json"][
            "examples"
        ].values()
    }
    assert {
        "Invalid API key",
        "API key has expired",
        "You do not have permission to perform this action.",
    } <= details


def test_error_codes_are_the_documented_upper_snake_case_set() -> None:
    codes = spec()["components"]["schemas"]["Code"]["enum"]
    assert set(codes) == ERROR_CODES
    assert all(re.fullmatch(r"[A-Z]+(_[A-Z]+)*", code) for code in codes)
    envelope = spec()["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["properties"]["success"] == {"const": False}


def test_list_responses_require_pagination() -> None:
    pagination = spec()["components"]["schemas"]["Pagination"]
    assert set(pagination["required"]) == {"limit", "next_cursor"}
    assert pagination["properties"]["next_cursor"]["type"] == ["string", "null"]
    lists = [(m, p, op) for m, p, op in operations() if m == "GET" and p.count("/") == 2]
    assert len(lists) == 4
    for _, _, operation in lists:
        body = deref(operation["responses"]["200"]["content"]["application/json"]["schema"])
        assert "pagination" in body["required"], operation["operationId"]
        assert deref(body["properties"]["pagination"]) is pagination
        names = [deref(parameter)["name"] for parameter in operation["parameters"]]
        assert names == ["limit", "cursor"]


def test_limit_is_clamped_not_rejected() -> None:
    limit = spec()["components"]["parameters"]["Limit"]
    assert limit["schema"] == {"type": "integer", "default": 50}
    assert limit["x-dm-clamp"] == {"minimum": 1, "maximum": 200}


def test_no_schema_forbids_unknown_fields() -> None:
    for where, node in walk(spec()):
        assert node.get("additionalProperties") is not False, where


def test_inventory_source_enum_and_default() -> None:
    source = spec()["components"]["schemas"]["InventoryUpsert"]["properties"]["source"]
    assert source["enum"] == ["bulk_import", "manual_adjustment", "erp_sync", "initial_load"]
    assert source["default"] == "bulk_import"


def test_inventory_rows_do_not_claim_whole_request_rejection() -> None:
    """A bad row is a per-row error in a 200, so the row schema must not constrain rows."""
    upsert = spec()["components"]["schemas"]["InventoryUpsert"]
    row = deref(upsert["properties"]["inventory"]["items"])
    constraining = {"type", "required", "properties", "enum", "minimum", "anyOf", "oneOf"}
    assert not constraining & set(row), sorted(constraining & set(row))
    assert "200" in row["description"] and "errors" in row["description"]


def test_links_name_existing_operations_and_parameters() -> None:
    ids = {operation["operationId"]: operation for _, _, operation in operations()}
    paths = {
        op["operationId"]: item
        for item in spec()["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    for name, link in spec()["components"]["links"].items():
        target = ids[link["operationId"]]
        declared = {
            deref(parameter)["name"]
            for parameter in [
                *paths[link["operationId"]].get("parameters", []),
                *target.get("parameters", []),
            ]
        }
        assert set(link.get("parameters", {})) <= declared, name
        for expression in link.get("parameters", {}).values():
            assert expression.startswith("$response.body#/"), name


def test_create_links_address_records_by_their_identifier() -> None:
    links = spec()["components"]["links"]
    assert links["GetOrder"]["parameters"] == {
        "identifier": "$response.body#/data/external_order_id"
    }
    assert links["GetProduct"]["parameters"] == {"sku": "$response.body#/data/sku"}
    assert links["GetLocation"]["parameters"] == {"code": "$response.body#/data/code"}


def test_schemathesis_sees_every_operation_under_the_deployment_root() -> None:
    schema = schemathesis.openapi.from_path(spec_path())
    schema.config.update(base_url="http://127.0.0.1:8800")
    found = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        found[(operation.method.upper(), operation.path.removeprefix(BASE_PATH))] = operation
    assert set(found) == EXPECTED_OPERATIONS
    case = found[("GET", "/locations/{code}/")].Case(path_parameters={"code": "A-101"})
    assert case.as_curl_command().endswith(
        "http://127.0.0.1:8800/api/integrations/v1/locations/A-101/"
    )


def test_schemathesis_builds_the_stateful_workflow_from_the_links() -> None:
    schema = schemathesis.openapi.from_path(spec_path())
    machine = schema.as_state_machine()
    transitions = " ".join(dir(machine))
    for link in ("GetOrder", "CancelOrder", "UpdateProduct", "DeactivateLocation", "OrderProduct"):
        assert f"_{link}__" in transitions, link

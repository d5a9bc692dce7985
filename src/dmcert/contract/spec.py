"""The contract as data: spec/openapi.yaml's base path and operations, their documented
statuses, and the mapping from a concrete request path back to its operation."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cache
from os.path import commonpath
from typing import Any

import yaml

from dmcert.contract.files import spec_path

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # template relative to the base path, e.g. /orders/{identifier}/
    statuses: tuple[str, ...]
    scope: str
    source: Any

    @property
    def collection(self) -> str:
        return self.path.strip("/").split("/")[0]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@cache
def load_spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is 7x faster
    with spec_path().open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


INFERRED_CONSTRAINTS = frozenset(
    {
        "pattern", "minLength", "maxLength", "format",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
        "enum", "const", "required",
    }
)  # fmt: skip
"""The keywords that constrain a value (as opposed to its type and structure)."""


@cache
def documented_view() -> dict[str, Any]:
    """The spec without dmcert's inferences: every constraint keyword under an
    `x-dm-inferred` marker is dropped, types and structure stay. A MUST verdict may rest on
    documented facts only, so schema-driven negative tests at MUST level draw from this view;
    what only the inferred constraints reject is left to the SHOULD checks that name them."""
    view = copy.deepcopy(load_spec())
    _relax_inferred(view)
    return view


def _relax_inferred(node: Any, inferred: bool = False) -> None:
    if isinstance(node, list):
        for item in node:
            _relax_inferred(item, inferred)
        return
    if not isinstance(node, dict):
        return
    inferred = inferred or node.get("x-dm-inferred") is True
    if inferred:
        for keyword in INFERRED_CONSTRAINTS & node.keys():
            if keyword != "required" or isinstance(node[keyword], list):
                del node[keyword]
    for value in node.values():
        _relax_inferred(value, inferred)


@cache
def response_view() -> dict[str, Any]:
    """The spec as far as the docs fix response bodies: a schema under an `x-dm-inferred`
    marker accepts anything, and a response body whose whole schema is so marked is not
    described at all. A body this view accepts breaks no documented rule, so what only the
    full spec rejects is judged at SHOULD (VER-007), never as a MUST finding."""
    view = copy.deepcopy(load_spec())
    answers = [
        response
        for item in view["paths"].values()
        for method in HTTP_METHODS
        for response in item.get(method, {}).get("responses", {}).values()
    ]
    for response in [*answers, *view["components"].get("responses", {}).values()]:
        for media in response.get("content", {}).values():
            if _is_inferred(media.get("schema")):
                del media["schema"]
            elif "schema" in media:
                media["schema"] = _unconstrained(media["schema"])
    schemas = view["components"].get("schemas", {})
    view["components"]["schemas"] = {name: _unconstrained(node) for name, node in schemas.items()}
    return view


def success_body_inferred(method: str, path: str) -> bool:
    """Whether the docs show no success body for the operation (`path` relative to the base
    path): each of its 2xx responses has a schema marked `x-dm-inferred`."""
    responses = load_spec()["paths"][BASE_PATH + path][method.lower()]["responses"]
    schemas = [
        media.get("schema")
        for status, response in responses.items()
        if str(status).startswith("2")
        for media in _deref(response).get("content", {}).values()
    ]
    return bool(schemas) and all(_is_inferred(schema) for schema in schemas)


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    """A local `$ref` (#/components/...) followed to what it names."""
    while "$ref" in node:
        target: Any = load_spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _is_inferred(node: Any) -> bool:
    return isinstance(node, dict) and node.get("x-dm-inferred") is True


def _unconstrained(node: Any) -> Any:
    """`node` with every schema under an `x-dm-inferred` marker replaced by `{}`."""
    if _is_inferred(node):
        return {}
    if isinstance(node, list):
        return [_unconstrained(item) for item in node]
    if isinstance(node, dict):
        return {key: _unconstrained(value) for key, value in node.items()}
    return node


def _base_path() -> str:
    """The prefix every documented path shares (`/api/integrations/v1`): the spec is the one
    place it is written, so the suite, the load runner and the probe all take it from here."""
    return commonpath(list(load_spec()["paths"]))


BASE_PATH = _base_path()


@cache
def operations() -> tuple[Operation, ...]:
    found = []
    for full_path, item in load_spec()["paths"].items():
        path = full_path.removeprefix(BASE_PATH)
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    statuses=tuple(str(status) for status in op.get("responses", {})),
                    scope=op.get("x-dm-scope", ""),
                    source=op.get("x-dm-source", ""),
                )
            )
    return tuple(found)


def template_of(path: str) -> str:
    """`/orders/ERP-1/` → `/orders/{identifier}/` (relative to the base path; query ignored)."""
    path = path.split("?", 1)[0].removeprefix(BASE_PATH)
    for op in operations():
        if _pattern(op.path).fullmatch(path):
            return op.path
    return path


@cache
def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)))

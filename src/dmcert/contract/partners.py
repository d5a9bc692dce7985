"""Partners and their field mappings: the file format shared by `dmcert serve --partners` and
the target profile (docs/decisions.md, Partner keys and field mapping).

A partner has a `default_identifier_field` and at most one mapping per resource. A mapping
composes the documented transformations (api-facts.md §16): `fields` maps a partner path
(rename, dot path `header.vendor.name`, array index `lines[0].order_ref`) to an internal
field (optionally a dot path into an object field: `metadata.source`); `arrays` maps a
partner array (`Details[]`) to an internal array (`items[]`) item by item with its own
field map; `static` values are injected into every mapped payload; `identifier_field`
overrides the partner default. Internal names must be documented fields of the resource:
a mapping naming another one is refused when it is loaded.

    [partners.acme]
    default_identifier_field = "order_number"
    [partners.acme.orders]
    is_active = true
    identifier_field = "external_order_id"
    fields = { "header.po_number" = "order_number", "lines[0].ship_to" = "notes" }
    static = { "metadata.source" = "acme" }
    [[partners.acme.orders.arrays]]
    from = "Details[]"
    to = "items[]"
    fields = { InventoryID = "sku_code", OrderQty = "quantity" }
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dmcert.contract.toml_file import read_toml

RESOURCE_FIELDS: dict[str, dict[str, str]] = {
    "orders": {
        "order_number": "string",
        "external_order_id": "string",
        "customer_name": "string",
        "customer_info": "object",
        "notes": "string",
        "order_date": "string",
        "due_date": "string",
        "metadata": "object",
        "items": "array",
        "status": "string",
    },
    "products": {
        "sku": "string",
        "quantity": "integer",
        "is_active": "boolean",
        "custom_fields": "object",
        "cost": "number",
    },
    "locations": {
        "code": "string",
        "name": "string",
        "zone": "string",
        "aisle": "string",
        "metadata": "object",
        "is_active": "boolean",
    },
    "inventory": {"inventory": "array", "source": "string", "notes": "string"},
}
"""The documented request fields of each resource (api-facts.md §6-9): a mapping's targets."""
ITEM_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("orders", "items"): ("sku_code", "quantity", "notes"),
    ("inventory", "inventory"): ("location_code", "sku_code", "quantity"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "orders": ("order_number", "items"),
    "products": ("sku",),
    "locations": ("code",),
    "inventory": ("inventory",),
    "items": ("sku_code", "quantity"),
    "inventory[]": ("location_code", "sku_code", "quantity"),
}
"""Fields a create requires (per resource, and per item of an internal array)."""
IDENTIFIER_FIELDS: dict[str, tuple[str, ...]] = {
    "orders": ("order_number", "external_order_id"),
    "products": ("sku",),
    "locations": ("code",),
}
"""Fields a record can be addressed by in `{identifier}` paths."""
PLATFORM_DEFAULT = {"products": "sku", "locations": "code"}
"""Step 3 of identifier resolution; for orders it is the profile's order identifier."""

_STEP = re.compile(r"^(?P<name>[^.\[\]]+)(?:\[(?P<index>\d+)\])?$")


class PartnerFileError(ValueError):
    """A partners file (or table) that cannot be used; the message is one line."""


Step = tuple[str, int | None]


@functools.lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[Step, ...]:
    """The steps of a path: `lines[0].x` -> (("lines", 0), ("x", None)). Cached: a mapping
    applies the same few paths to every row of a batch."""
    steps = []
    for part in path.split("."):
        match = _STEP.match(part)
        if match is None:
            raise PartnerFileError(f"not a field path: {path!r}")
        index = match["index"]
        steps.append((match["name"], None if index is None else int(index)))
    return tuple(steps)


def _array_name(path: str, where: str) -> str:
    if not path.endswith("[]"):
        raise PartnerFileError(f"{where}: an array path ends in [] (e.g. Details[])")
    parse_path(path[:-2])
    return path[:-2]


@dataclass(frozen=True)
class ArrayMapping:
    """A partner array mapped item by item onto an internal array (`Details[]` -> `items[]`)."""

    source: str  # partner path of the array, without []
    target: str  # internal array field
    fields: tuple[tuple[str, str], ...]  # partner item path -> internal item field


@dataclass(frozen=True)
class ResourceMapping:
    resource: str
    is_active: bool = True
    fields: tuple[tuple[str, str], ...] = ()  # partner path -> internal path
    arrays: tuple[ArrayMapping, ...] = ()
    static: tuple[tuple[str, Any], ...] = ()  # internal path -> value
    identifier_field: str | None = None

    def uses(self) -> set[str]:
        """The transformation types this mapping uses (rename, dot_path, array_index,
        nested_array, static, identifier_field)."""
        kinds = set()
        for partner, _ in self.fields:
            steps = parse_path(partner)
            if any(index is not None for _, index in steps):
                kinds.add("array_index")
            kinds.add("dot_path" if len(steps) > 1 else "rename")
        if self.arrays:
            kinds.add("nested_array")
        if self.static:
            kinds.add("static")
        if self.identifier_field:
            kinds.add("identifier_field")
        return kinds


@dataclass(frozen=True)
class Partner:
    name: str
    default_identifier_field: str | None = None
    mappings: tuple[ResourceMapping, ...] = ()
    description: str = ""
    illustrative: bool = False

    def mapping(self, resource: str) -> ResourceMapping | None:
        for mapping in self.mappings:
            if mapping.resource == resource:
                return mapping
        return None

    def active_mapping(self, resource: str) -> ResourceMapping | None:
        mapping = self.mapping(resource)
        return mapping if mapping is not None and mapping.is_active else None


def resolve_identifier(partner: Partner | None, resource: str, platform_orders: str) -> str:
    """The field `{identifier}` names (api-facts.md §11, next): the mapping's override, else
    the partner default if the resource has that field, else the platform default.
    Pass-through keys (no partner) go straight to the platform default."""
    platform = platform_orders if resource == "orders" else PLATFORM_DEFAULT.get(resource, "")
    if partner is None:
        return platform
    mapping = partner.mapping(resource)
    if mapping is not None and mapping.identifier_field:
        return mapping.identifier_field
    default = partner.default_identifier_field
    if default and default in RESOURCE_FIELDS.get(resource, {}):
        return default
    return platform


# --- reading the format -------------------------------------------------------------------

_PARTNER_KEYS = ("description", "illustrative", "default_identifier_field", *RESOURCE_FIELDS)
_MAPPING_KEYS = ("is_active", "identifier_field", "fields", "static", "arrays")
_ARRAY_KEYS = ("from", "to", "fields")


def parse_partners(table: object, source: str) -> dict[str, Partner]:
    """The partners of a `[partners]` table; PartnerFileError (one line) when malformed."""
    if not isinstance(table, dict):
        raise PartnerFileError(f"{source}: [partners] must hold [partners.NAME] tables")
    return {name: parse_partner(name, entry, source) for name, entry in table.items()}


def _known(table: dict, known: tuple[str, ...], where: str) -> None:
    for name in table:
        if name not in known:
            raise PartnerFileError(f"{where}: unknown field {name!r} (known: {', '.join(known)})")


def parse_partner(name: str, entry: object, source: str) -> Partner:
    where = f"{source}: [partners.{name}]"
    if not isinstance(entry, dict):
        raise PartnerFileError(f"{where} must be a table")
    _known(entry, _PARTNER_KEYS, where)
    default = entry.get("default_identifier_field")
    if default is not None and (not isinstance(default, str) or not default):
        raise PartnerFileError(f"{where}: default_identifier_field must be a field name")
    mappings = tuple(
        _parse_mapping(resource, entry[resource], f"{where[:-1]}.{resource}]")
        for resource in RESOURCE_FIELDS
        if resource in entry
    )
    return Partner(
        name=name,
        default_identifier_field=default,
        mappings=mappings,
        description=str(entry.get("description", "")),
        illustrative=bool(entry.get("illustrative", False)),
    )


def _target(resource: str, internal: object, where: str) -> str:
    """An internal field of `resource`, or a dot path into one of its object fields."""
    if not isinstance(internal, str):
        raise PartnerFileError(f"{where}: internal names are strings")
    steps = parse_path(internal)
    known = RESOURCE_FIELDS[resource]
    head, index = steps[0]
    if head not in known or index is not None:
        raise PartnerFileError(f"{where}: {internal!r} is not a field of {resource}")
    if known[head] == "array":
        raise PartnerFileError(f"{where}: map the array {head!r} under arrays")
    if len(steps) > 1 and known[head] != "object":
        raise PartnerFileError(f"{where}: {head!r} is not an object, so {internal!r} cannot be")
    if any(step_index is not None for _, step_index in steps):
        raise PartnerFileError(f"{where}: {internal!r}: no array index on the internal side")
    return internal


def _field_map(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PartnerFileError(f"{where} must be a table")
    return value


def _parse_mapping(resource: str, entry: object, where: str) -> ResourceMapping:
    if not isinstance(entry, dict):
        raise PartnerFileError(f"{where} must be a table")
    _known(entry, _MAPPING_KEYS, where)
    fields: list[tuple[str, str]] = []
    for partner, internal in _field_map(entry.get("fields", {}), f"{where} fields").items():
        parse_path(partner)
        fields.append((partner, _target(resource, internal, f"{where} fields")))
    static: list[tuple[str, Any]] = []
    for internal, value in _field_map(entry.get("static", {}), f"{where} static").items():
        if not isinstance(value, (str, int, float, bool)):
            raise PartnerFileError(f"{where} static: {internal!r} must be a string/number/bool")
        static.append((_target(resource, internal, f"{where} static"), value))
    arrays = entry.get("arrays", [])
    if not isinstance(arrays, list):
        raise PartnerFileError(f"{where}: arrays must be a list of tables")
    parsed_arrays = tuple(_parse_array(resource, array, f"{where} arrays") for array in arrays)
    targets = [internal for _, internal in fields] + [a.target for a in parsed_arrays]
    if len(targets) != len(set(targets)):
        raise PartnerFileError(f"{where}: two partner fields map to one internal field")
    identifier = entry.get("identifier_field")
    if identifier is not None and identifier not in IDENTIFIER_FIELDS.get(resource, ()):
        known = ", ".join(IDENTIFIER_FIELDS.get(resource, ())) or "none"
        raise PartnerFileError(f"{where}: identifier_field of {resource} is one of: {known}")
    return ResourceMapping(
        resource=resource,
        is_active=bool(entry.get("is_active", True)),
        fields=tuple(fields),
        arrays=parsed_arrays,
        static=tuple(static),
        identifier_field=identifier,
    )


def _parse_array(resource: str, entry: object, where: str) -> ArrayMapping:
    if not isinstance(entry, dict):
        raise PartnerFileError(f"{where}: each array mapping is a table")
    _known(entry, _ARRAY_KEYS, where)
    source = _array_name(str(entry.get("from", "")), where)
    target = _array_name(str(entry.get("to", "")), where)
    items = ITEM_FIELDS.get((resource, target))
    if items is None:
        raise PartnerFileError(f"{where}: {target!r} is not an array field of {resource}")
    fields = []
    for partner, internal in _field_map(entry.get("fields", {}), f"{where} fields").items():
        parse_path(partner)
        if internal not in items:
            raise PartnerFileError(f"{where}: {internal!r} is not a field of {target}[] items")
        fields.append((partner, internal))
    return ArrayMapping(source=source, target=target, fields=tuple(fields))


# --- writing the format -------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def _inline(pairs: tuple[tuple[str, Any], ...]) -> str:
    return "{ " + ", ".join(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in pairs) + " }"


def dump_partner(partner: Partner) -> list[str]:
    """The TOML lines of one partner (a `[partners.NAME]` table and its mappings)."""
    head = f"partners.{_toml_value(partner.name)}"
    lines = [f"[{head}]"]
    if partner.description:
        lines.append(f"description = {_toml_value(partner.description)}")
    if partner.illustrative:
        lines.append("illustrative = true")
    if partner.default_identifier_field:
        lines.append(f"default_identifier_field = {_toml_value(partner.default_identifier_field)}")
    for mapping in partner.mappings:
        lines += [
            "",
            f"[{head}.{mapping.resource}]",
            f"is_active = {_toml_value(mapping.is_active)}",
        ]
        if mapping.identifier_field:
            lines.append(f"identifier_field = {_toml_value(mapping.identifier_field)}")
        lines.append(f"fields = {_inline(mapping.fields)}")
        lines.append(f"static = {_inline(mapping.static)}")
        for array in mapping.arrays:
            lines += [
                "",
                f"[[{head}.{mapping.resource}.arrays]]",
                f"from = {_toml_value(array.source + '[]')}",
                f"to = {_toml_value(array.target + '[]')}",
                f"fields = {_inline(array.fields)}",
            ]
    return lines


def load_partners_file(path: Path | str) -> dict[str, Partner]:
    """The `[partners]` table of a TOML file (a partners file, or a target profile holding
    one); other top-level tables are left to their own readers."""
    path = Path(path)
    data = read_toml(path, "partners file", PartnerFileError)
    if "partners" not in data:
        raise PartnerFileError(f"{path}: no [partners.NAME] table")
    return parse_partners(data["partners"], str(path))

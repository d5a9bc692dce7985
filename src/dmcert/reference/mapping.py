"""The field-mapping engine (api-facts.md §16; docs/decisions.md, Partner keys and field
mapping): pure functions from a ResourceMapping and a payload to a payload.

Inbound (partner -> internal, before validation): each `fields` entry reads a partner path
and writes an internal field, each array mapping maps a partner array item by item, static
values are written last (they win), and partner fields no mapping reads pass through
unchanged unless the mapping owns that internal name (at the top level and inside array
items). Outbound (internal -> partner): records, list rows, bulk summaries and error
messages name the partner's fields.

A payload the mapping cannot apply is a MappingFailure (422 MAPPING_ERROR): a value on a
mapped path whose shape the path cannot traverse (a string where `header.vendor` needs an
object, an object where `lines[0]` needs an array, a partner array that is not an array or
holds a non-object), an index past the end of an array on the path of a field a create
requires, or a static value that cannot be written (its object field holds a non-object).
A missing key on a path is not a failure: the field is absent, and validation names it as
the partner names it.
"""

from __future__ import annotations

import re
from typing import Any

from dmcert.contract.partners import REQUIRED, ArrayMapping, ResourceMapping, Step, parse_path

_ABSENT = object()
_LEADING_FIELD = re.compile(r"^(?P<field>[^\s:]+)(?P<rest>: .*| already exists.*)$", re.DOTALL)
_ITEM_PATH = re.compile(r"^(?P<array>[^\[.]+)\[(?P<index>\d+)\]\.(?P<field>.+)$")
ROW_ERROR_KEYS = {"location_id": "location_code", "product_id": "sku_code"}
"""Bulk row-error keys and the request field they report on (api-facts.md §8)."""


class MappingFailure(Exception):
    """The mapping cannot be applied to the payload (answered 422 MAPPING_ERROR)."""


def _render(steps: tuple[Step, ...]) -> str:
    return ".".join(name if index is None else f"{name}[{index}]" for name, index in steps)


class _OutOfRange(Exception):
    pass


def read_path(document: Any, path: str) -> Any:
    """The value at a partner path, _ABSENT when a key is missing; MappingFailure when a value
    on the way has the wrong shape; _OutOfRange past the end of an array."""
    steps = parse_path(path)
    value = document
    for depth, (name, index) in enumerate(steps):
        if not isinstance(value, dict):
            raise MappingFailure(f"{_render(steps[:depth])} is not an object")
        if name not in value:
            return _ABSENT
        value = value[name]
        if index is not None:
            if not isinstance(value, list):
                raise MappingFailure(f"{_render((*steps[:depth], (name, None)))} is not an array")
            if index >= len(value):
                raise _OutOfRange(path)
            value = value[index]
    return value


def write_path(document: dict[str, Any], path: str, value: Any, *, flat: bool = False) -> None:
    """Set `value` at `path`, creating objects and array slots on the way; `flat` writes the
    whole path as one key (the dot_path_written_flat fault)."""
    if flat:
        document[path] = value
        return
    steps = parse_path(path)
    node: Any = document
    for position, (name, index) in enumerate(steps):
        last = position == len(steps) - 1
        if index is None:
            if last:
                node[name] = value
                return
            if not isinstance(node.get(name), dict):
                node[name] = {}
            node = node[name]
            continue
        if not isinstance(node.get(name), list):
            node[name] = []
        array = node[name]
        while len(array) <= index:
            array.append({})
        if last:
            array[index] = value
            return
        if not isinstance(array[index], dict):
            array[index] = {}
        node = array[index]


def _put_internal(document: dict[str, Any], path: str, value: Any) -> None:
    """Write an internal field or a dot path into an object field; MappingFailure when that
    object field holds something else."""
    steps = parse_path(path)
    node = document
    for name, _ in steps[:-1]:
        current = node.get(name, _ABSENT)
        if current is _ABSENT or current is None:
            node[name] = {}
        elif not isinstance(current, dict):
            raise MappingFailure(f"cannot write {path}: {name} is not an object")
        else:
            node[name] = dict(current)
        node = node[name]
    node[steps[-1][0]] = value


def _map_fields(
    pairs: tuple[tuple[str, str], ...], payload: dict[str, Any], required: tuple[str, ...]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for partner, internal in pairs:
        try:
            value = read_path(payload, partner)
        except _OutOfRange:
            if internal in required:
                raise MappingFailure(f"{partner} not found (index out of range)") from None
            continue
        if value is not _ABSENT:
            _put_internal(out, internal, value)
    return out


def _roots(mapping: ResourceMapping) -> set[str]:
    """Top-level partner fields the mapping reads (consumed, never passed through)."""
    paths = [partner for partner, _ in mapping.fields] + [a.source for a in mapping.arrays]
    return {parse_path(path)[0][0] for path in paths}


def _owned(mapping: ResourceMapping) -> set[str]:
    """Top-level internal fields the mapping writes from partner fields."""
    names = {parse_path(internal)[0][0] for _, internal in mapping.fields}
    return names | {array.target for array in mapping.arrays}


def _map_array(array: ArrayMapping, payload: dict[str, Any], creating: bool) -> Any:
    try:
        items = read_path(payload, array.source)
    except _OutOfRange:
        raise MappingFailure(f"{array.source} not found (index out of range)") from None
    if items is _ABSENT:
        return _ABSENT
    if not isinstance(items, list):
        raise MappingFailure(f"{array.source} is not an array")
    required = REQUIRED.get(array.target if array.target == "items" else "inventory[]", ())
    mapped = []
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise MappingFailure(f"{array.source}[{position}] is not an object")
        try:
            fields = _map_fields(array.fields, item, required if creating else ())
        except MappingFailure as exc:
            raise MappingFailure(f"{array.source}[{position}]: {exc}") from None
        read = {parse_path(partner)[0][0] for partner, _ in array.fields}
        owned = {internal for _, internal in array.fields}
        unmapped = {k: v for k, v in item.items() if k not in read and k not in owned}
        mapped.append({**unmapped, **fields})
    return mapped


def inbound(
    mapping: ResourceMapping,
    payload: dict[str, Any],
    *,
    creating: bool,
    drop_static: bool = False,
) -> dict[str, Any]:
    """The internal payload for a partner payload (a POST creates; a PUT does not)."""
    roots, owned = _roots(mapping), _owned(mapping)
    out = {k: v for k, v in payload.items() if k not in roots and k not in owned}
    required = REQUIRED.get(mapping.resource, ()) if creating else ()
    for name, value in _map_fields(mapping.fields, payload, required).items():
        if isinstance(value, dict) and isinstance(out.get(name), dict):
            out[name] = {**out[name], **value}
        else:
            out[name] = value
    for array in mapping.arrays:
        items = _map_array(array, payload, creating)
        if items is not _ABSENT:
            out[array.target] = items
    if not drop_static:
        for internal, value in mapping.static:
            _put_internal(out, internal, value)
    return out


# --- outbound -----------------------------------------------------------------------------


def _take(document: dict[str, Any], path: str) -> Any:
    """Remove and return the internal value at `path` (a field, or a key of an object field)."""
    steps = parse_path(path)
    node = document
    for name, _ in steps[:-1]:
        inner = node.get(name)
        if not isinstance(inner, dict):
            return _ABSENT
        node[name] = inner = dict(inner)
        node = inner
    return node.pop(steps[-1][0], _ABSENT)


def _reverse_fields(
    pairs: tuple[tuple[str, str], ...], record: dict[str, Any], flat: bool
) -> dict[str, Any]:
    out = dict(record)
    taken = [(partner, _take(out, internal)) for partner, internal in pairs]
    taken.sort(key=lambda pair: len(parse_path(pair[0])))  # objects first, then paths into them
    for partner, value in taken:
        if value is not _ABSENT:
            write_path(out, partner, value, flat=flat and len(parse_path(partner)) > 1)
    return out


def outbound_record(mapping: ResourceMapping, record: Any, *, flat: bool = False) -> Any:
    """A record as the partner names its fields (unmapped fields keep their names)."""
    if not isinstance(record, dict):
        return record
    out = _reverse_fields(mapping.fields, record, flat)
    for array in mapping.arrays:
        items = out.pop(array.target, _ABSENT)
        if isinstance(items, list):
            mapped = [
                _reverse_fields(array.fields, item, flat) if isinstance(item, dict) else item
                for item in items
            ]
            write_path(out, array.source, mapped, flat=flat and "." in array.source)
        elif items is not _ABSENT:
            out[array.target] = items
    return out


def outbound_row(mapping: ResourceMapping, row: Any, *, flat: bool = False) -> Any:
    """An inventory row ({location_code, sku_code, quantity}) named by the item mapping of the
    `inventory[]` array."""
    array = _array_to(mapping, "inventory")
    if array is None or not isinstance(row, dict):
        return row
    return _reverse_fields(array.fields, row, flat)


def outbound_summary(mapping: ResourceMapping, summary: Any) -> Any:
    """A bulk summary whose row errors name the partner's item fields."""
    if not isinstance(summary, dict) or not isinstance(summary.get("errors"), list):
        return summary
    array = _array_to(mapping, "inventory")
    if array is None:
        return summary
    names = {internal: partner for partner, internal in array.fields}
    for key, field in ROW_ERROR_KEYS.items():
        if field in names:
            names[key] = names[field]
    rows = []
    for row in summary["errors"]:
        if isinstance(row, dict) and isinstance(row.get("errors"), dict):
            row = {**row, "errors": {names.get(k, k): v for k, v in row["errors"].items()}}
        rows.append(row)
    return {**summary, "errors": rows}


def _array_to(mapping: ResourceMapping, target: str) -> ArrayMapping | None:
    return next((array for array in mapping.arrays if array.target == target), None)


def partner_name(mapping: ResourceMapping, internal: str) -> str:
    """How the partner names an internal field or item path (`items[0].sku_code`)."""
    for partner, name in mapping.fields:
        if name == internal:
            return partner
    for array in mapping.arrays:
        if internal == array.target:
            return array.source
        match = _ITEM_PATH.match(internal)
        if match and match["array"] == array.target:
            field = match["field"]
            inner = next((p for p, name in array.fields if name == field), field)
            return f"{array.source}[{match['index']}].{inner}"
    return internal


def outbound_message(mapping: ResourceMapping, message: str) -> str:
    """An error message whose leading field name (`order_number: ...`, `order_number already
    exists`) is the partner's (`header.po_number: ...`)."""
    match = _LEADING_FIELD.match(message)
    if match is None:
        return message
    return partner_name(mapping, match["field"]) + match["rest"]

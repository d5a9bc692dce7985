"""Payloads in a partner's shape: what a client of a mapped key sends, derived from the
key's declared mapping (contract/partners.py). The conformance suite (testkit) and the load
runner both build partner payloads here; the reference target's engine (reference/mapping.py)
is the other side and is written apart on purpose, so the suite states what a mapping means
rather than repeating how the target implements it."""

from __future__ import annotations

import copy
from typing import Any

from dmcert.contract.partners import ResourceMapping, parse_path

ABSENT: Any = object()


def get_path(document: Any, path: str) -> Any:
    """The value at a partner path, ABSENT if it is not there."""
    value = document
    for name, index in parse_path(path):
        if not isinstance(value, dict) or name not in value:
            return ABSENT
        value = value[name]
        if index is not None:
            if not isinstance(value, list) or index >= len(value):
                return ABSENT
            value = value[index]
    return value


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Write `value` at a partner path, making the objects and array slots on the way."""
    node: Any = document
    steps = parse_path(path)
    for position, (name, index) in enumerate(steps):
        last = position == len(steps) - 1
        if index is None:
            if last:
                node[name] = value
            else:
                node = node.setdefault(name, {})
            continue
        array = node.setdefault(name, [])
        while len(array) <= index:
            array.append({})
        if last:
            array[index] = value
        else:
            node = array[index]


def _pop_internal(document: dict[str, Any], path: str) -> Any:
    """Remove and return the internal value at `path` (a field or a key of an object field)."""
    *parents, (name, _) = parse_path(path)
    node: Any = document
    for parent, _ in parents:
        node = node.get(parent) if isinstance(node, dict) else None
    return node.pop(name, ABSENT) if isinstance(node, dict) else ABSENT


class PartnerShaper:
    """Turns internal payloads of one resource into the partner's shape, the mapping's
    paths parsed once (a load run shapes every batch it sends)."""

    def __init__(self, mapping: ResourceMapping | None) -> None:
        self.mapping = mapping if mapping is not None and mapping.is_active else None
        if self.mapping is None:
            return
        self._arrays = [
            (array.source, array.target, {internal: partner for partner, internal in array.fields})
            for array in self.mapping.arrays
        ]

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        """`body` as the partner sends it: each mapped field at its partner path, each mapped
        array under the partner's array with its item fields renamed; fields the mapping does
        not name keep their internal names. Without an active mapping: `body` itself."""
        if self.mapping is None:
            return body
        rest = copy.deepcopy(body)
        out: dict[str, Any] = {}
        for partner, internal in self.mapping.fields:
            value = _pop_internal(rest, internal)
            if value is not ABSENT:
                set_path(out, partner, value)
        for source, target, renames in self._arrays:
            items = rest.pop(target, ABSENT)
            if isinstance(items, list):
                set_path(out, source, [self._item(item, renames) for item in items])
        for name, value in rest.items():
            out.setdefault(name, value)
        return out

    @staticmethod
    def _item(item: Any, renames: dict[str, str]) -> Any:
        if not isinstance(item, dict):
            return item
        shaped: dict[str, Any] = {}
        for name, value in item.items():
            partner = renames.get(name, name)
            if "." in partner or "[" in partner:
                set_path(shaped, partner, value)
            else:
                shaped[partner] = value
        return shaped

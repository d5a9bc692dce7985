"""Partner-shaped payloads built from a key's declared mapping, and reading partner paths
in answers. Written independently of the reference target's engine on purpose: the suite
states what a mapping means, the target implements it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dmcert.contract.partners import REQUIRED, ResourceMapping

ABSENT: Any = object()
_STEP = re.compile(r"^(?P<name>[^.\[\]]+)(?:\[(?P<index>\d+)\])?$")
RESPONSE_ITEM_FIELDS = {
    "items": ("quantity",),
    "inventory": ("location_code", "sku_code", "quantity"),
}
"""Item fields a response documents (order lines show `sku` as an object, not `sku_code`)."""
UNCHECKED = ("order_date", "due_date", "cost", "status")
"""Fields whose response form differs from the request by design (formatting, state)."""


def _steps(path: str) -> list[tuple[str, int | None]]:
    out = []
    for part in path.split("."):
        match = _STEP.match(part)
        if match is None:
            raise ValueError(f"not a field path: {path!r}")
        out.append((match["name"], None if match["index"] is None else int(match["index"])))
    return out


def get_path(document: Any, path: str) -> Any:
    """The value at a partner path in an answer, ABSENT if it is not there."""
    value = document
    for name, index in _steps(path):
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
    steps = _steps(path)
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


def remove_path(document: dict[str, Any], path: str) -> None:
    """Drop the last key of a partner path (the field is then absent)."""
    *parents, (name, _) = _steps(path)
    parent = ".".join(n if i is None else f"{n}[{i}]" for n, i in parents)
    node = get_path(document, parent) if parents else document
    if isinstance(node, dict):
        node.pop(name, None)


def matches(sent: Any, answered: Any) -> bool:
    """An answered value shows what was sent (an object may hold more: static values)."""
    if isinstance(sent, dict):
        return isinstance(answered, dict) and all(
            key in answered and matches(value, answered[key]) for key, value in sent.items()
        )
    return sent == answered


def kind_of(path: str) -> str:
    """rename, dot_path or array_index: the transformation a partner path uses."""
    steps = _steps(path)
    if any(index is not None for _, index in steps):
        return "array_index"
    return "dot_path" if len(steps) > 1 else "rename"


@dataclass
class PartnerPayload:
    """A partner-shaped create payload and the internal values it stands for."""

    mapping: ResourceMapping
    body: dict[str, Any]
    values: dict[str, Any]  # internal field (or dot path) -> value sent
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # array -> internal item

    def sent(self) -> list[tuple[str, str, Any]]:
        """(partner path, internal name, value) of every mapped header field sent."""
        return [(p, i, self.values[i]) for p, i in self.mapping.fields if i in self.values]


def build_payload(
    mapping: ResourceMapping, values: dict[str, Any], items: dict[str, dict[str, Any]]
) -> PartnerPayload:
    """The payload a partner sends for the internal `values` (and one item per array), every
    mapped field at its partner path; required fields the mapping leaves out are sent under
    their internal names."""
    body: dict[str, Any] = {}
    used: dict[str, Any] = {}
    for partner, internal in mapping.fields:
        value = values.get(internal, f"partner-{internal.replace('.', '-')}")
        set_path(body, partner, value)
        used[internal] = value
    mapped_arrays = {array.target for array in mapping.arrays}
    for array in mapping.arrays:
        item = dict(items[array.target])
        partner_item: dict[str, Any] = {}
        for partner, internal in array.fields:
            set_path(partner_item, partner, item.pop(internal))
        set_path(body, array.source, [{**item, **partner_item}])
    for name in REQUIRED.get(mapping.resource, ()):
        if name in used or name in mapped_arrays:
            continue
        body[name] = [items[name]] if name in items else values[name]
        used[name] = values.get(name)
    return PartnerPayload(mapping, body, used, items)

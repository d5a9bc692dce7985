"""Partner-shaped payloads built from a key's declared mapping for the conformance tests, and
reading partner paths in answers (the paths themselves: contract/partner_shape.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dmcert.contract.partner_shape import get_path, set_path
from dmcert.contract.partners import REQUIRED, ResourceMapping, parse_path

RESPONSE_ITEM_FIELDS = {
    "items": ("quantity",),
    "inventory": ("location_code", "sku_code", "quantity"),
}
"""Item fields a response documents (order lines show `sku` as an object, not `sku_code`)."""
UNCHECKED = ("order_date", "due_date", "cost", "status")
"""Fields whose response form differs from the request by design (formatting, state)."""


def remove_path(document: dict[str, Any], path: str) -> None:
    """Drop the last key of a partner path (the field is then absent)."""
    *parents, (name, _) = parse_path(path)
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
    steps = parse_path(path)
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

"""The field-mapping engine as pure functions: every documented transformation inbound and
outbound, the failures that are 422 MAPPING_ERROR, and mappings refused when loaded."""

from __future__ import annotations

import pytest

from dmcert.contract.partner_shape import PartnerShaper
from dmcert.contract.partners import (
    Partner,
    PartnerFileError,
    parse_partner,
    resolve_identifier,
)
from dmcert.reference.mapping import (
    MappingFailure,
    inbound,
    outbound_message,
    outbound_record,
    outbound_row,
    outbound_summary,
)
from dmcert.reference.partner_calls import map_result
from dmcert.reference.responses import Result
from dmcert.reference.settings import Settings
from dmcert.reference.templates import shipped_templates

ORDERS = {
    "is_active": True,
    "identifier_field": "external_order_id",
    "fields": {
        "po_number": "order_number",
        "header.vendor.name": "customer_name",
        "lines[0].ship_to": "notes",
        "header.vendor.contact": "customer_info",
    },
    "static": {"metadata.source": "acumatica"},
    "arrays": [
        {
            "from": "Details[]",
            "to": "items[]",
            "fields": {"InventoryID": "sku_code", "OrderQty": "quantity"},
        }
    ],
}
INVENTORY = {
    "arrays": [
        {
            "from": "Lines[]",
            "to": "inventory[]",
            "fields": {"Whs": "location_code", "Item": "sku_code", "Qty": "quantity"},
        }
    ]
}


def partner(**mappings: object) -> Partner:
    return parse_partner("acme", {"default_identifier_field": "order_number", **mappings}, "test")


def orders():
    return partner(orders=ORDERS).mapping("orders")


PAYLOAD = {
    "po_number": "PO-1",
    "header": {"vendor": {"name": "Acme", "contact": {"phone": "1"}}},
    "lines": [{"ship_to": "Dock 4"}],
    "Details": [{"InventoryID": "SKU-1", "OrderQty": 2}],
    "due_date": "2026-04-16T10:00:00Z",
}


def test_inbound_applies_every_transformation_and_passes_unmapped_fields_through():
    assert inbound(orders(), PAYLOAD, creating=True) == {
        "order_number": "PO-1",
        "customer_name": "Acme",
        "notes": "Dock 4",
        "customer_info": {"phone": "1"},
        "items": [{"sku_code": "SKU-1", "quantity": 2}],
        "metadata": {"source": "acumatica"},
        "due_date": "2026-04-16T10:00:00Z",
    }


def test_an_internal_name_the_mapping_owns_does_not_pass_through():
    mapped = inbound(orders(), {"order_number": "X", "Details": []}, creating=False)
    assert "order_number" not in mapped


def test_a_static_value_lands_beside_a_sent_object_and_wins():
    mapped = inbound(orders(), {"metadata": {"a": 1, "source": "me"}}, creating=False)
    assert mapped["metadata"] == {"a": 1, "source": "acumatica"}


def test_a_missing_key_leaves_the_field_absent_for_validation_to_name():
    mapped = inbound(orders(), {"Details": []}, creating=True)
    assert "order_number" not in mapped and "customer_name" not in mapped


@pytest.mark.parametrize(
    "payload",
    [
        {"header": "flat"},
        {"header": {"vendor": ["a"]}},
        {"lines": {"ship_to": "x"}},
        {"Details": "SKU-1"},
        {"Details": ["SKU-1"]},
        {"metadata": "not an object"},
    ],
)
def test_a_value_the_mapping_cannot_traverse_is_a_mapping_failure(payload):
    with pytest.raises(MappingFailure):
        inbound(orders(), payload, creating=False)


def test_an_index_out_of_range_fails_on_a_required_path_only():
    sap = partner(orders={"fields": {"lines[0].order_ref": "order_number", "lines[1].x": "notes"}})
    mapping = sap.mapping("orders")
    with pytest.raises(MappingFailure, match=r"lines\[0\]\.order_ref"):
        inbound(mapping, {"lines": []}, creating=True)
    assert inbound(mapping, {"lines": [{"order_ref": "A"}]}, creating=True) == {"order_number": "A"}
    assert inbound(mapping, {"lines": []}, creating=False) == {}


def test_outbound_names_fields_as_the_partner_does():
    record = {
        "id": "u1",
        "order_number": "PO-1",
        "customer_name": "Acme",
        "customer_info": {"phone": "1"},
        "notes": "Dock 4",
        "metadata": {"source": "acumatica"},
        "items": [{"id": "l1", "sku": {"sku": "SKU-1"}, "quantity": 2}],
    }
    assert outbound_record(orders(), record) == {
        "id": "u1",
        "po_number": "PO-1",
        "header": {"vendor": {"name": "Acme", "contact": {"phone": "1"}}},
        "lines": [{"ship_to": "Dock 4"}],
        "metadata": {"source": "acumatica"},
        "Details": [{"id": "l1", "sku": {"sku": "SKU-1"}, "OrderQty": 2}],
    }


def test_flat_writing_is_what_the_dot_path_fault_does():
    out = outbound_record(orders(), {"customer_name": "Acme"}, flat=True)
    assert out == {"header.vendor.name": "Acme"}


def test_error_messages_name_the_partner_field():
    mapping = orders()
    assert outbound_message(mapping, "order_number: This field is required.") == (
        "po_number: This field is required."
    )
    assert outbound_message(mapping, "order_number already exists") == "po_number already exists"
    assert outbound_message(mapping, "items[1].quantity: must be an integer.") == (
        "Details[1].OrderQty: must be an integer."
    )
    assert outbound_message(mapping, "Request body is not valid JSON.") == (
        "Request body is not valid JSON."
    )


def test_error_details_name_the_partner_field():
    """A structured detail (validation_error_details, error_field_in_details) is keyed by the
    partner's field, as the message is."""
    error = {"code": "VALIDATION_ERROR", "message": "required", "details": {"order_number": []}}
    answer = Result(400, {"success": False, "error": error}, {})
    mapped = map_result(Settings(db_url="sqlite://"), orders(), answer).body["error"]
    assert mapped["details"] == {"po_number": []}


def test_inventory_rows_and_row_errors_use_the_item_names():
    mapping = partner(inventory=INVENTORY).mapping("inventory")
    row = {"location_code": "A", "sku_code": "S", "quantity": 1}
    assert outbound_row(mapping, row) == {"Whs": "A", "Item": "S", "Qty": 1}
    summary = {
        "total": 1,
        "errors": [
            {"row": 0, "location_id": "A", "errors": {"location_id": ["Location not found"]}}
        ],
    }
    mapped = outbound_summary(mapping, summary)
    assert mapped["errors"][0]["errors"] == {"Whs": ["Location not found"]}


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ({"orders": {"fields": {"x": "order_no"}}}, "not a field of orders"),
        ({"orders": {"fields": {"x": "items"}}}, "under arrays"),
        ({"orders": {"fields": {"x": "notes.a"}}}, "not an object"),
        ({"orders": {"static": {"metadata.s": ["a"]}}}, "string"),
        ({"orders": {"identifier_field": "customer_name"}}, "identifier_field"),
        (
            {"orders": {"arrays": [{"from": "D[]", "to": "items[]", "fields": {"a": "sku"}}]}},
            "items",
        ),
        ({"orders": {"arrays": [{"from": "D", "to": "items[]"}]}}, "ends in"),
        ({"orders": {"fields": {"a": "notes", "b": "notes"}}}, "one internal field"),
        ({"orders": {"colour": 1}}, "unknown field"),
        ({"widgets": {}}, "unknown field"),
    ],
)
def test_a_mapping_naming_an_unknown_internal_field_is_refused(entry, complaint):
    with pytest.raises(PartnerFileError, match=complaint):
        parse_partner("acme", entry, "test")


def test_identifier_resolution_follows_the_documented_order():
    acme = partner(orders=ORDERS)
    assert resolve_identifier(acme, "orders", "external_order_id") == "external_order_id"
    no_override = partner(orders={"fields": {}})
    assert resolve_identifier(no_override, "orders", "external_order_id") == "order_number"
    assert resolve_identifier(no_override, "products", "external_order_id") == "sku"
    assert resolve_identifier(None, "orders", "external_order_id") == "external_order_id"


def test_shipped_templates_are_illustrative_and_cover_every_transformation():
    templates = shipped_templates()
    assert {"acumatica", "sap_business_one", "shopify", "custom"} <= set(templates)
    used = set()
    for template in templates.values():
        for mapping in template.mappings:
            used |= mapping.uses()
        assert template.illustrative or template.name == "custom"
    assert used == {
        "rename",
        "dot_path",
        "array_index",
        "nested_array",
        "static",
        "identifier_field",
    }
    assert any(not m.is_active for t in templates.values() for m in t.mappings)
    assert templates["custom"].mappings == ()


INTERNAL_PAYLOADS = {
    "orders": {
        "order_number": "PO-1",
        "external_order_id": "EXT-1",
        "customer_name": "Acme",
        "customer_info": {"email": "a@example.com"},
        "notes": "rush",
        "items": [{"sku_code": "SKU-1", "quantity": 2, "notes": "gift"}],
    },
    "products": {"sku": "SKU-1", "quantity": 3, "custom_fields": {"colour": "red"}},
    "locations": {"code": "A-01", "name": "Aisle A", "zone": "Z1", "aisle": "1"},
    "inventory": {
        "inventory": [{"location_code": "A-01", "sku_code": "SKU-1", "quantity": 7}],
        "notes": "count",
    },
}


@pytest.mark.parametrize(
    ("partner", "resource"),
    [
        (p.name, m.resource)
        for p in shipped_templates().values()
        for m in p.mappings
        if m.is_active and (m.fields or m.arrays)
    ],
)
def test_the_partner_shape_clients_send_maps_back_to_the_internal_payload(partner, resource):
    """The suite and the load runner shape payloads with contract.partner_shape, apart from
    this engine: the two must agree on what each shipped mapping means."""
    mapping = shipped_templates()[partner].active_mapping(resource)
    internal = INTERNAL_PAYLOADS[resource]
    shaped = PartnerShaper(mapping)(internal)
    assert shaped != internal
    assert inbound(mapping, shaped, creating=True, drop_static=True) == internal

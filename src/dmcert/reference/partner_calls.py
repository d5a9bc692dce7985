"""A request made with a partner key: its resource's mapping applied to the body before
validation, the answer reverse-mapped to the partner's names, and `{identifier}` resolved
as api-facts.md §11 says. Pass-through keys (no partner) skip all of it."""

from __future__ import annotations

import dataclasses
from typing import Any

from dmcert.contract.partners import ResourceMapping, resolve_identifier
from dmcert.reference.auth import Caller
from dmcert.reference.context import Call
from dmcert.reference.mapping import (
    MappingFailure,
    inbound,
    outbound_message,
    outbound_record,
    outbound_row,
    outbound_summary,
    partner_name,
)
from dmcert.reference.responses import ApiError, Result
from dmcert.reference.settings import Settings

MAPPED_METHODS = ("POST", "PUT")
"""Methods whose body is a resource payload (a DELETE body only carries a reason)."""


def mapping_for(settings: Settings, caller: Caller, resource: str) -> ResourceMapping | None:
    """The mapping that applies to this caller's requests on `resource`, if any: an inactive
    one passes payloads through (unless the inactive_mapping_applied fault)."""
    partner = settings.partners.get(caller.partner or "")
    mapping = partner.mapping(resource) if partner else None
    if mapping is None or (not mapping.is_active and not settings.has("inactive_mapping_applied")):
        return None
    return mapping


def identifier_field(settings: Settings, caller: Caller, resource: str) -> str | None:
    """The field a partner key's `{identifier}` names; None for a pass-through key."""
    partner = settings.partners.get(caller.partner or "")
    if partner is None:
        return None
    if settings.has("partner_default_identifier_ignored"):
        partner = dataclasses.replace(partner, default_identifier_field=None)
    return resolve_identifier(partner, resource, settings.order_identifier)


def map_request(call: Call, mapping: ResourceMapping) -> None:
    """Map the body of a POST or PUT; 422 MAPPING_ERROR when the mapping cannot apply."""
    if call.method not in MAPPED_METHODS:
        return
    settings = call.settings
    try:
        payload = inbound(
            mapping,
            call.json(),
            creating=call.method == "POST",
            drop_static=settings.has("static_value_dropped"),
        )
    except MappingFailure as exc:
        if settings.has("mapping_failure_as_validation_error"):
            raise ApiError(400, "VALIDATION_ERROR", f"Mapping failed: {exc}.") from None
        status = 400 if settings.has("mapping_error_400") else 422
        raise ApiError(status, "MAPPING_ERROR", f"Mapping failed: {exc}.") from None
    call.use_mapped(payload)


def map_result(settings: Settings, mapping: ResourceMapping, result: Result) -> Result:
    """The answer in the partner's names: records, list rows, bulk summaries, error messages."""
    body = result.body
    error = body.get("error")
    if isinstance(error, dict):
        if not settings.has("mapped_error_not_reversed"):
            error = _error(mapping, error)
        return dataclasses.replace(result, body={**body, "error": error})
    if "data" not in body:
        return result
    return dataclasses.replace(
        result, body={**body, "data": _data(settings, mapping, body["data"])}
    )


def _error(mapping: ResourceMapping, error: dict[str, Any]) -> dict[str, Any]:
    """An error naming fields as the partner does: its message and the keys of its details."""
    if isinstance(error.get("message"), str):
        error = {**error, "message": outbound_message(mapping, error["message"])}
    if isinstance(error.get("details"), dict):
        details = {partner_name(mapping, name): v for name, v in error["details"].items()}
        error = {**error, "details": details}
    return error


def _data(settings: Settings, mapping: ResourceMapping, data: Any) -> Any:
    flat = settings.has("dot_path_written_flat")
    mapping = _reverse_mapping(settings, mapping)
    if mapping.resource == "inventory":
        if isinstance(data, list):
            return [outbound_row(mapping, row, flat=flat) for row in data]
        if settings.has("bulk_row_errors_not_reversed"):
            return data
        return outbound_summary(mapping, data)
    if isinstance(data, list):
        return [_record(settings, mapping, record, flat) for record in data]
    return _record(settings, mapping, data, flat)


def _record(settings: Settings, mapping: ResourceMapping, record: Any, flat: bool) -> Any:
    """A record in the partner's names (internal_names_kept: beside the internal ones)."""
    mapped = outbound_record(mapping, record, flat=flat)
    if settings.has("internal_names_kept") and isinstance(record, dict):
        return {**record, **mapped}
    return mapped


def _reverse_mapping(settings: Settings, mapping: ResourceMapping) -> ResourceMapping:
    """The mapping answers are reverse-mapped with: the mapping itself, or (faults) one that
    forgets its array-index paths or the item fields of its record arrays."""
    if settings.has("array_index_not_reversed"):
        fields = tuple((p, i) for p, i in mapping.fields if "[" not in p)
        mapping = dataclasses.replace(mapping, fields=fields)
    if settings.has("nested_array_items_not_reversed") and mapping.resource != "inventory":
        arrays = tuple(dataclasses.replace(array, fields=()) for array in mapping.arrays)
        mapping = dataclasses.replace(mapping, arrays=arrays)
    return mapping

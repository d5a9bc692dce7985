"""Conformant variants of the reference target: the mirror of faults.py.

Each variant makes the *other* reasonable choice at one point where the docs are silent, the
way a Django REST Framework, Express or Spring implementation would by default. A conformant
implementation may choose either way, so `dmcert check` must pass every variant (SHOULD
warnings allowed): a MUST failure against one means the suite asserts something the docs do
not say. Each variant is consulted at the one place its rule lives, via `Settings.chose(name)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dmcert.contract.requirements import area_of
from dmcert.reference.registry import Registry

_DECISION = re.compile(r"^(gap \d+(, \d+)*|decisions: [A-Z][a-z ]+)$")


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    decision: str
    """Where the docs are silent: the api-facts.md §24 gap (`gap 5`), or the docs/decisions.md
    section that records dmcert's own reading (`decisions: General`)."""
    departs_from: tuple[str, ...] = ()
    """The SHOULD requirements (dmcert's readings of the gap) this choice departs from: the
    suite must warn on exactly these, which also proves each of those checks can fail."""

    def __post_init__(self) -> None:
        if not _DECISION.match(self.decision):
            raise ValueError(f"variant {self.name}: decision is 'gap N' or 'decisions: Section'")
        for req_id in self.departs_from:
            area_of(req_id)  # ValueError on a malformed id; tests check it is a catalogued SHOULD


VARIANTS: Registry[Variant] = Registry(
    "variant",
    [
        # routing and HTTP
        Variant(
            "trailing_slash_redirect",
            "a path without its trailing slash is 301 redirected to the slashed path (Django)",
            "gap 35",
            departs_from=("ERR-016",),
        ),
        Variant(
            "not_found_before_auth",
            "an unknown route is 404 before authentication (Express, Spring: routing first)",
            "gap 27",
            departs_from=("AUTH-010",),
        ),
        Variant(
            "json_content_type_required",
            "a body sent with a Content-Type other than application/json is 415 (DRF, Spring)",
            "gap 35",
            departs_from=("ENV-007",),
        ),
        Variant(
            "options_allowed",
            "OPTIONS is 200 with an Allow header and an empty body (Django, Spring)",
            "gap 26",
            departs_from=("ERR-014",),
        ),
        Variant(
            "patch_partial_update",
            "PATCH on a record path is a partial update, answered like PUT (DRF viewsets)",
            "gap 26",
            departs_from=("ERR-012", "SCOPE-012"),
        ),
        Variant(
            "server_request_limits",
            "a request line over 4 KB is 414 and headers over 8 KB are 431 (gunicorn, nginx)",
            "decisions: General",
        ),
        Variant(
            "delete_answers_204",
            "DELETE of an order or a location answers 204 without a body (DRF's destroy); the "
            "products page shows DELETE's body, so products keep it",
            "gap 5",
            departs_from=("ENV-008", "IDEM-008", "LOC-014", "ORD-031", "ORD-034"),
        ),
        Variant(
            "put_answers_204",
            "PUT of a product or a location answers 204 without a body (an update view that "
            "returns no content); the orders page states PUT's 200 with the order, so orders "
            "keep it",
            "gap 5",
            departs_from=("ENV-008",),
        ),
        # validation
        Variant(
            "scalar_coercion",
            "scalars are coerced: a number for a string, '1' for an integer, 'true' for a boolean",
            "decisions: General",
            departs_from=("ERR-020", "INV-012", "INV-013"),
        ),
        Variant(
            "unknown_fields_rejected",
            "a request body field the operation does not read is 400 (Jackson's default)",
            "decisions: General",
            departs_from=("ENV-012", "LOC-012", "ORD-024", "PRD-015"),
        ),
        Variant(
            "validation_error_details",
            "validation errors carry an extra details object naming the field (DRF style)",
            "gap 4",
        ),
        Variant(
            "non_integer_limit_rejected",
            "a limit that is no integer (abc, 1.5) is 400 VALIDATION_ERROR instead of ignored",
            "gap 15",
            departs_from=("PAG-008",),
        ),
        # responses
        Variant(
            "extra_response_fields",
            "records carry extra fields (updated_at, and the rest of the stored row)",
            "decisions: General",
        ),
        Variant(
            "volatile_version_field",
            "records carry modified, the time of their last write, and every PUT writes, "
            "even one that changes nothing (Django's auto_now)",
            "decisions: General",
        ),
        Variant(
            "zulu_timestamps",
            "timestamps are written with a Z suffix and microseconds (DRF's default format)",
            "decisions: General",
        ),
        # auth
        Variant(
            "revoked_key_other_detail",
            "a revoked key is 401 with the detail 'API key is inactive'",
            "gap 3",
            departs_from=("AUTH-006",),
        ),
        Variant(
            "validation_before_auth",
            "an invalid request (a write's body, a read's cursor or by) is 400 VALIDATION_ERROR "
            "before its key is authenticated or its scope checked (a validation middleware "
            "ahead of the auth middleware, Express style)",
            "gap 27",
            departs_from=("AUTH-010", "SCOPE-009"),
        ),
        # orders
        Variant(
            "documented_statuses_only",
            "an order PUT accepts only the documented status values (draft ... cancelled)",
            "gap 23",
            departs_from=("ORD-026",),
        ),
        Variant(
            "put_replaces_order_header",
            "an order PUT replaces the whole header: fields it omits are cleared",
            "gap 21",
            departs_from=("CONC-006", "ORD-022"),
        ),
        Variant(
            "cancelled_orders_unlisted",
            "the order list leaves cancelled orders out",
            "gap 18",
            departs_from=("CONC-006", "ORD-019"),
        ),
        # inventory and inactive records
        Variant(
            "inactive_targets_rejected",
            "an inactive product cannot be ordered, nor an inactive location or product upserted",
            "gap 20",
            departs_from=("INV-021", "ORD-013"),
        ),
        Variant(
            "create_reactivates_inactive",
            "a create naming an inactive product or location recreates and reactivates it (201)",
            "gap 9",
            departs_from=("LOC-005", "PRD-007"),
        ),
        Variant(
            "all_rows_failed_is_400",
            "a bulk upsert in which every row fails is 400 VALIDATION_ERROR as a whole",
            "gap 24",
            departs_from=("INV-014",),
        ),
        # bulk validation and the body cap
        Variant(
            "negative_quantity_rejects_batch",
            "a bulk row with a negative quantity makes the whole request 400 VALIDATION_ERROR "
            "(a list serializer validating every row before any is applied)",
            "gap 24",
            departs_from=("INV-012",),
        ),
        Variant(
            "ten_million_byte_limit",
            "the body cap is 10 MB in decimal units: a body over 10,000,000 bytes is 413",
            "decisions: General",
            departs_from=("LIM-007",),
        ),
        # custom_fields and identifiers: what the docs never show
        Variant(
            "string_custom_fields_only",
            "custom_fields values must be strings, as in every documented example; another "
            "value is 400 VALIDATION_ERROR",
            "gap 20",
            departs_from=("PRD-022",),
        ),
        Variant(
            "strict_identifier_firewall",
            "a path holding %25, ; or %3B, or + or %2B is 400 before the API sees it (Spring "
            "Security's StrictHttpFirewall with encoded slashes allowed, IIS request filtering)",
            "gap 13",
            departs_from=("IDN-011",),
        ),
        # partner keys
        Variant(
            "summary_list_entries",
            "order list entries carry only the fields the orders page shows in one (id, "
            "order_number, status, customer_name, created_at): no items, notes, "
            "external_order_id, customer_info",
            "decisions: Partner keys and field mapping",
        ),
        Variant(
            "error_field_in_details",
            "a validation error names its field only in a details object ({field: [problem]}, "
            "partner names for a partner key); the message is the bare problem",
            "gap 4",
            departs_from=("ERR-008",),
        ),
        # timestamps, DELETE bodies and list entries as the docs show them
        Variant(
            "second_precision_timestamps",
            "timestamps are written as the docs' examples show them, whole seconds and a Z; "
            "the lists still sort on the microseconds stored",
            "decisions: Pagination",
        ),
        Variant(
            "delete_answers_success_only",
            'DELETE of an order or a location answers 200 {"success": true} without data (the '
            "docs show no body for them); the products page shows DELETE's body, so products "
            "keep it",
            "gap 5",
            departs_from=("ENV-008", "LOC-014", "ORD-031", "VER-007"),
        ),
        Variant(
            "location_list_without_id",
            "location list entries leave id out, as the 1.0 list example shows them",
            "decisions: Locations",
            departs_from=("VER-007",),
        ),
        # transport, limits, cursors and inventory reads: the docs state less than a reading
        Variant(
            "hsts_on_success_only",
            "Strict-Transport-Security only on 2xx and 3xx answers, none on 4xx or 5xx (nginx's "
            "add_header without always)",
            "decisions: Transport",
            departs_from=("ENV-023",),
        ),
        Variant(
            "close_on_oversized_body",
            "a body declared over the cap is answered 413 at once, without reading it, and the "
            "connection is closed (RFC 9110 15.5.14)",
            "decisions: General",
        ),
        Variant(
            "other_cursor_message",
            "a refused cursor is 400 VALIDATION_ERROR with a message of the implementation's "
            "own, not beginning Invalid cursor",
            "decisions: Pagination",
            departs_from=("PAG-019",),
        ),
        Variant(
            "unknown_inventory_identifier_404",
            "an unknown location or SKU under /inventory/{identifier}/ is 404 NOT_FOUND",
            "gap 12",
            departs_from=("INV-029",),
        ),
        # products and PUT answers where the docs show no default, minimum or body
        Variant(
            "null_custom_fields",
            "a product created without custom_fields stores and answers them as null, not {}",
            "gap 20",
            departs_from=("PRD-003", "VER-007"),
        ),
        Variant(
            "negative_product_quantity",
            "a product quantity may be negative (stock owed): quantity -1 is accepted",
            "gap 20",
            departs_from=("PRD-008", "VER-007"),
        ),
        Variant(
            "put_answers_success_only",
            'PUT of a product or a location answers 200 {"success": true} without data (the '
            "docs show no PUT body for them); the orders page states PUT's 200 with the "
            "order, so orders keep it",
            "gap 5",
            departs_from=("ENV-008", "VER-007"),
        ),
        # what a DELETE of a missing record and a metadata PUT do, where the docs are silent
        Variant(
            "delete_unknown_is_noop",
            "DELETE of an unknown sku or code is an idempotent no-op answered 204 (the docs "
            "document 404 only for GET; 204 is not ENV-008's 200 with the record)",
            "gap 38",
            departs_from=("ENV-008", "LOC-015", "PRD-016"),
        ),
        Variant(
            "metadata_merged",
            "a location PUT merges the metadata keys sent into the stored object (only "
            "products' custom_fields are documented to be replaced whole)",
            "gap 19",
            departs_from=("LOC-017",),
        ),
        Variant(
            "create_answers_documented_fields",
            "a product create answers just the fields of the products page's 201 example "
            "(id, sku, quantity, is_active, cost, custom_fields); GET also shows created_at",
            "decisions: General",
        ),
        # auth refusals and timestamps as common frameworks write them
        Variant(
            "problem_details_auth",
            "auth and scope refusals are RFC 9457 Problem Details served as "
            "application/problem+json: type, title and status beside the documented detail "
            "(Spring Boot 3, ASP.NET Core)",
            "decisions: Auth and scopes",
        ),
        Variant(
            "millisecond_timestamps",
            "timestamps are written with three fractional digits and a Z (Node's pg and "
            "Date); the lists still sort on the microseconds stored",
            "decisions: Pagination",
        ),
        # how responses write order dates and null fields, where the docs show neither
        Variant(
            "local_datetime_dates",
            "orders answer order_date and due_date without an offset (2026-05-01T08:00:00, "
            "stored UTC), as a Spring LocalDateTime does; created_at keeps its Z",
            "decisions: Orders",
            departs_from=("ORD-035", "VER-007"),
        ),
        Variant(
            "create_answer_omits_null_fields",
            "a create answer leaves out the fields whose value is null, at the top level and "
            "in order lines (TypeORM, Mongoose answer the entity in memory), but cost (the "
            "docs' example shows it null); GET shows them",
            "decisions: General",
        ),
        Variant(
            "nulls_omitted",
            "every answer leaves out the record fields whose value is null, at the top level "
            "and in order lines (Jackson NON_NULL, Mongoose), but cost (the docs' example "
            "shows it null)",
            "decisions: General",
            departs_from=("ENV-024",),
        ),
    ],
)

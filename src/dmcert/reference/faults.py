"""Deliberately broken variants of the reference target, one documented rule broken each.

Each fault is one record: what it breaks, and the requirements the conformance suite must
blame it on. Self-validation (tests/self_validation) starts `dmcert serve --fault NAME`, runs
`dmcert check --requirement ID ...` for exactly those requirements and asserts the suite
fails each of them; so the registry is also the index requirement -> the fault that proves
its check can fail. The target consults a fault at the one place its rule lives, via
`Settings.has(name)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmcert.contract.requirements import area_of
from dmcert.reference.registry import Registry


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    blamed_on: tuple[str, ...] = ()
    """Requirement ids the suite, run on the tests naming them, must report failed."""
    schema_blamed_on: tuple[str, ...] = ()
    """Ids the schema-driven tests alone (test_schema.py) must report failed too: generated
    requests and the spec's links find the fault without a hand-written check."""
    caught_elsewhere: str = ""
    """For a fault whose rule is a load SLO rather than a requirement: where it is caught."""

    def __post_init__(self) -> None:
        if bool(self.blamed_on) == bool(self.caught_elsewhere):
            raise ValueError(f"fault {self.name}: blamed on requirements or caught elsewhere")
        for req_id in (*self.blamed_on, *self.schema_blamed_on):
            area_of(req_id)  # ValueError on a malformed id; tests check it is catalogued


FAULTS: Registry[Fault] = Registry(
    "fault",
    [
        # envelope
        Fault(
            "list_without_pagination",
            "list responses omit the pagination object",
            ("ENV-002",),
            schema_blamed_on=("VER-002",),
        ),
        Fault(
            "error_success_true",
            "error bodies say success: true",
            ("ENV-004",),
            schema_blamed_on=("ENV-004",),
        ),
        Fault(
            "text_plain_content_type",
            "JSON bodies are served as text/plain",
            ("ENV-006",),
            schema_blamed_on=("ENV-006",),
        ),
        Fault(
            "product_read_as_list",
            "GET of one product answers it in a one-element list (data: [{...}])",
            ("ENV-001",),
        ),
        Fault(
            "error_message_outside_error",
            "error bodies put the message beside the error object, not in it",
            ("ENV-003",),
        ),
        Fault(
            "order_line_integer_ids",
            "order line ids are integers (the line's position), not UUIDs",
            ("ENV-009",),
        ),
        Fault(
            "line_sku_as_request_field",
            "order lines answer the SKU as sku_code (the request's name), not sku: {sku}",
            ("ENV-013",),
        ),
        Fault(
            "timestamps_without_offset",
            "record timestamps are written without their UTC offset (2026-04-16T10:00:00)",
            ("ENV-010", "ENV-011"),
        ),
        Fault(
            "not_found_detail_body",
            'every 404 is the framework\'s {"detail": "Not found."}, without the envelope',
            ("ENV-005", "ERR-011"),
        ),
        Fault(
            "body_ignored_without_json_content_type",
            "a body not sent as application/json is read as empty (Express's json parser)",
            ("ENV-007",),
        ),
        Fault(
            "product_put_answers_old_record",
            "a product PUT answers the product as it was before the update",
            ("ENV-008",),
        ),
        Fault(
            "unknown_field_crashes",
            "an unknown request field reaches the row constructor: the create is 500",
            ("ENV-012",),
        ),
        # errors
        Fault(
            "lowercase_error_codes",
            "error codes are lower case (validation_error)",
            ("ERR-001",),
            schema_blamed_on=("ERR-001",),
        ),
        Fault(
            "not_found_as_400",
            "an unknown record is 400 VALIDATION_ERROR instead of 404 NOT_FOUND",
            ("ERR-002", "LOC-007"),
            schema_blamed_on=("ERR-002",),
        ),
        Fault(
            "server_error_on_bad_json",
            "a malformed JSON body is answered 500",
            ("ERR-004",),
            schema_blamed_on=("ERR-004",),
        ),
        Fault(
            "object_taken_as_string",
            "a string field takes an object or array (stored as its JSON text)",
            ("ERR-005",),
        ),
        Fault(
            "bad_json_parse_error_code",
            "a body that is not valid JSON is 400 PARSE_ERROR, not VALIDATION_ERROR",
            ("ERR-006",),
        ),
        Fault(
            "non_object_body_read_as_empty",
            "a JSON body that is not an object (array, null...) is read as {}",
            ("ERR-007",),
        ),
        Fault(
            "validation_message_without_field",
            'validation messages leave out the field ("This field is required.")',
            ("ERR-008",),
        ),
        Fault("nul_accepted", "a string field holding NUL (U+0000) is accepted", ("ERR-009",)),
        Fault(
            "boolean_taken_as_integer",
            "an integer field takes true and false as 1 and 0",
            ("ERR-010",),
        ),
        Fault(
            "numeric_string_taken_as_integer",
            'an integer field takes a numeric string (int("1"))',
            ("ERR-020",),
        ),
        Fault(
            "allow_header_missing",
            "405 answers carry no Allow header",
            ("ERR-012", "ERR-013"),
        ),
        Fault(
            "options_cors_204",
            "every OPTIONS is answered 204 as a CORS preflight, before routing",
            ("ERR-014",),
        ),
        Fault("head_not_routed", "HEAD is 405: only GET is routed", ("ERR-015",)),
        Fault(
            "trailing_slash_optional",
            "a documented path without its trailing / is served as with it",
            ("ERR-016",),
        ),
        Fault(
            "payload_too_large_html",
            "a body over 10 MB is 413 with the web server's HTML page",
            ("ERR-017",),
        ),
        Fault(
            "post_on_record_updates",
            "POST on a single-record path is taken as a PUT of that record",
            ("ERR-018",),
        ),
        # auth
        Fault(
            "missing_key_401", "a request without X-API-Key is 401 instead of 403", ("AUTH-002",)
        ),
        Fault("expired_key_accepted", "an expired key is accepted", ("AUTH-005",)),
        Fault("revoked_key_accepted", "a revoked key is accepted", ("AUTH-006",)),
        Fault(
            "invalid_key_wrong_detail", "an unknown key gets a different detail text", ("AUTH-004",)
        ),
        Fault(
            "revocation_delayed",
            "accepted keys are cached: a key revoked later keeps working",
            ("AUTH-011",),
        ),
        Fault(
            "auth_rejections_logged",
            "401/403 auth-layer rejections are written to the integration log",
            ("AUTH-013",),
        ),
        # scopes
        Fault(
            "read_key_can_delete",
            "a key with <resource>.read may DELETE on that resource",
            ("SCOPE-005",),
        ),
        Fault(
            "resource_wildcard_ignored", "integrations.<resource>.* grants nothing", ("SCOPE-003",)
        ),
        Fault(
            "validation_before_scope",
            "the body is validated before the scope check",
            ("SCOPE-009",),
        ),
        Fault(
            "denied_write_persists",
            "a scope-denied POST still creates the record (answers 403)",
            ("SCOPE-007",),
        ),
        # pagination
        Fault("cursor_skips_record", "each next page skips one record", ("PAG-010",)),
        Fault(
            "limit_not_clamped",
            "limit above 200 is honoured and limit below 1 is rejected",
            ("PAG-006", "PAG-007"),
        ),
        Fault(
            "cursor_not_verified",
            "cursor signatures are not checked; a bad cursor restarts the walk",
            ("PAG-013", "PAG-014"),
        ),
        Fault("oldest_first", "lists are ordered oldest first", ("PAG-011",)),
        Fault(
            "next_cursor_on_last_page",
            "the last page still carries a next_cursor (to an empty page)",
            ("PAG-009",),
        ),
        Fault(
            "unstable_under_inserts",
            "offset pagination: inserts between pages repeat records",
            ("PAG-012",),
        ),
        # soft delete
        Fault("hard_delete_product", "DELETE removes the product (GET then 404)", ("PRD-017",)),
        Fault(
            "inactive_location_listed",
            "inactive locations stay in the location list",
            ("LOC-008", "LOC-013"),
        ),
        Fault(
            "cancel_shipped_order_allowed",
            "DELETE cancels a shipped order",
            ("ORD-033", "CONC-007"),
        ),
        Fault(
            "cancel_twice_error", "DELETE on a cancelled order is 400 SERVICE_ERROR", ("ORD-034",)
        ),
        # products
        Fault(
            "custom_fields_merged",
            "PUT merges custom_fields instead of replacing them",
            ("PRD-013",),
        ),
        Fault(
            "product_create_200",
            "product create answers 200 instead of 201",
            ("PRD-001",),
            schema_blamed_on=("PRD-001",),
        ),
        Fault(
            "duplicate_product_201",
            "a duplicate sku is answered 201 as a new record",
            ("PRD-006", "IDEM-004"),
        ),
        # orders
        Fault(
            "duplicate_order_number_accepted",
            "a duplicate order_number is answered 201",
            ("ORD-011", "IDEM-002", "IDEM-003"),
        ),
        Fault(
            "unknown_sku_accepted",
            "an order line with an unknown sku_code is accepted",
            ("ORD-009",),
        ),
        Fault("put_changes_items", "PUT with items replaces the order lines", ("ORD-023",)),
        Fault("put_ignores_status", "an order PUT leaves the status as it was", ("ORD-021",)),
        Fault(
            "cancel_not_stored",
            "DELETE answers the cancelled order but the order stays as it was",
            ("ORD-029", "ORD-030"),
        ),
        Fault(
            "item_quantity_zero_accepted", "an order line quantity of 0 is accepted", ("ORD-008",)
        ),
        Fault(
            "order_status_not_pending",
            "a created order has status received instead of pending",
            ("ORD-002",),
        ),
        # inventory
        Fault(
            "bulk_counters_wrong",
            "bulk upsert counts updated rows as created",
            ("INV-003", "IDEM-009"),
        ),
        Fault("bulk_row_index_1_based", "bulk row errors give 1-based row indexes", ("INV-008",)),
        Fault("bulk_all_or_nothing", "one bad row rejects the whole batch with 400", ("INV-006",)),
        Fault(
            "negative_quantity_accepted", "a negative inventory quantity is applied", ("INV-011",)
        ),
        Fault("by_sku_ignored", "by=sku answers as by=location", ("INV-025",)),
        Fault("invalid_by_accepted", "an unknown by value is treated as by=location", ("INV-027",)),
        Fault(
            "bulk_returns_201",
            "bulk upsert answers 201 instead of 200",
            ("INV-001",),
            schema_blamed_on=("INV-001",),
        ),
        # identifiers
        Fault(
            "slash_identifier_broken",
            "routing on the decoded path: identifiers with %2F are 404",
            ("IDN-006",),
        ),
        Fault(
            "unicode_identifier_broken",
            "non-ASCII identifiers are not found",
            ("IDN-008",),
        ),
        # transport (ENV-015): faults of `dmcert serve --tls`
        Fault(
            "hsts_missing",
            "HTTPS responses carry no Strict-Transport-Security header",
            ("ENV-015",),
        ),
        Fault(
            "tls_1_1_allowed",
            "a client offering only TLS 1.1 completes the handshake",
            ("ENV-015",),
        ),
        # robustness: the target stops answering (tests/test_run_integrity.py checks the
        # whole outage report: the one ERR-004 finding, its evidence, the tests not run)
        Fault(
            "crash_on_nested_json",
            "a JSON body nested deeper than 1,000 levels makes the server exit",
            caught_elsewhere="tests/test_run_integrity.py: the outage is the one ERR-004 finding",
        ),
        Fault(
            "drop_connection_on_bad_json",
            "a malformed JSON body: the connection is closed, no answer",
            caught_elsewhere="tests/test_run_integrity.py: ERR-004 with the request",
        ),
        # races (conformance/test_concurrency.py): each opens a window between a read and the
        # write that depends on it, so concurrent requests interleave there
        Fault(
            "racy_duplicate_check",
            "creates look for the natural key, pause, then insert without a unique index",
            ("CONC-001", "CONC-002", "CONC-008"),
        ),
        Fault(
            "racy_bulk_upsert",
            "bulk upsert reads which pairs exist, pauses, then inserts or updates without "
            "locking and without a unique index",
            ("CONC-003", "CONC-004"),
        ),
        Fault(
            "torn_put",
            "PUT writes each field in a transaction of its own, in a varying order",
            ("CONC-005",),
        ),
        Fault(
            "stale_cancel",
            "DELETE of an order writes back the whole row it read before a pause",
            ("CONC-006",),
        ),
        # limits and load
        Fault(
            "slow_lists",
            "list GETs sleep 1.2 s before answering",
            caught_elsewhere="tests/test_load.py: the p95 SLO gate names it",
        ),
        Fault(
            "slow_location_list",
            "GET /locations/ answers 30 % later: it sleeps 30 % of the time the answer took",
            caught_elsewhere="tests/test_load_compare.py: --compare flags GET /locations/ only",
        ),
        Fault(
            "flaky_5xx",
            "every 10th API request answers 503",
            ("LIM-004",),
            schema_blamed_on=("ERR-004",),
        ),
        # partner keys and field mapping
        Fault(
            "mapped_error_not_reversed",
            "a validation error of a partner key names the internal field",
            ("ENV-014",),
        ),
        Fault(
            "static_value_dropped",
            "the static values of a mapping are not injected",
            ("ENV-019",),
        ),
        Fault(
            "inactive_mapping_applied",
            "an inactive mapping is applied like an active one",
            ("ENV-020",),
        ),
        Fault(
            "dot_path_written_flat",
            "responses write a partner dot path as one flat key (header.vendor.name)",
            ("ENV-016",),
        ),
        Fault("mapping_error_400", "MAPPING_ERROR is answered with 400", ("ERR-003",)),
        Fault(
            "partner_default_identifier_ignored",
            "a partner key's {identifier} skips the partner default_identifier_field",
            ("IDN-010",),
        ),
        # versioning
        Fault(
            "locations_without_slash",
            "location paths are served without the trailing / (404 with it)",
            ("VER-001",),
        ),
    ],
)

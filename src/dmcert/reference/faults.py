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
            ("ENV-022",),
            schema_blamed_on=("VER-007",),
        ),
        Fault(
            "record_ids_without_dashes",
            "order, product and location ids are written as 32 hex digits (uuid.hex), not as "
            "UUID strings",
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
            schema_blamed_on=("ERR-021",),
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
            ("ERR-005", "INV-031"),
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
        Fault(
            "api_key_header_misnamed",
            "the key is read from a header named X_API_KEY (the CGI-style name), so a key sent "
            "as X-API-Key is never seen (403)",
            ("AUTH-001",),
        ),
        Fault(
            "auth_detail_with_success",
            'auth-layer 401/403 bodies carry "success": false beside "detail"',
            ("AUTH-007",),
        ),
        Fault(
            "bearer_key_accepted",
            "without X-API-Key, a key sent as Authorization: Bearer is accepted",
            ("AUTH-009",),
        ),
        Fault(
            "missing_key_other_detail",
            'a request without X-API-Key gets the detail "API key required."',
            ("AUTH-003",),
        ),
        Fault(
            "empty_key_served",
            "an empty X-API-Key value skips authentication: the request is served with full access",
            ("AUTH-008",),
        ),
        Fault(
            "body_parsed_before_auth",
            "a body that is not a JSON object is 400 before authentication",
            ("AUTH-010",),
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
            "denied_write_persists",
            "a scope-denied POST still creates the record (answers 403)",
            ("SCOPE-007",),
        ),
        Fault(
            "global_wildcard_no_delete",
            "integrations.* grants read and write but not delete",
            ("SCOPE-002",),
        ),
        Fault(
            "scope_action_any_resource",
            "only the action of a scope is compared: integrations.orders.read reads every resource",
            ("SCOPE-004",),
        ),
        Fault(
            "scope_denied_other_detail",
            'a missing scope is 403 with the detail "Insufficient scope."',
            ("SCOPE-006",),
        ),
        Fault(
            "inventory_scope_old_segment",
            "inventory scopes use the old segment inventorys: integrations.inventory.read is void",
            ("SCOPE-008",),
        ),
        Fault(
            "record_lookup_before_scope",
            "the record is looked up before the scope check (404 for an unknown one)",
            ("SCOPE-010",),
        ),
        Fault(
            "inventory_delete_grants_write",
            "integrations.inventory.delete grants the inventory upsert",
            ("SCOPE-011",),
        ),
        Fault(
            "scope_before_method_check",
            "the scope check runs before the method check (PATCH without write scope is 403)",
            ("SCOPE-012",),
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
        Fault(
            "inventory_cursor_refused",
            "the inventory list refuses the cursor query parameter (400 VALIDATION_ERROR)",
            ("PAG-001",),
        ),
        Fault(
            "pagination_limit_string",
            'pagination.limit is a string ("50")',
            ("PAG-002",),
        ),
        Fault(
            "last_page_without_pagination",
            "a page with no next page (the last, or the only one) carries no pagination",
            ("PAG-003",),
        ),
        Fault(
            "default_limit_20",
            "without an integer limit, pages hold 20 records and pagination.limit is 20",
            ("PAG-004",),
        ),
        Fault("page_one_over_limit", "a page holds limit + 1 records", ("PAG-005",)),
        Fault(
            "decimal_limit_truncated",
            "a decimal limit (1.5) is truncated to its integer part instead of ignored",
            ("PAG-008",),
        ),
        Fault(
            "cursor_collection_unchecked",
            "a cursor of another list is accepted and read as a position in this one",
            ("PAG-015",),
        ),
        Fault(
            "page_number_cursor",
            "the cursor holds a page number: sent with another limit it starts elsewhere",
            ("PAG-016",),
        ),
        Fault(
            "full_page_has_cursor",
            "every full page carries a next_cursor, the exactly full last page too",
            ("PAG-017",),
        ),
        Fault(
            "upsert_restamps_created_at",
            "an upsert that updates an inventory row sets its created_at anew (it moves up)",
            ("PAG-018",),
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
        Fault(
            "inactive_product_listed",
            "inactive products stay in the product list",
            ("PRD-011", "PRD-018"),
        ),
        Fault(
            "inactive_sku_400",
            "a create reusing an inactive product's sku is 400 VALIDATION_ERROR, not 409 "
            "(the duplicate check sees active products only; the unique index refuses it)",
            ("PRD-007",),
        ),
        Fault(
            "inactive_code_400",
            "a create reusing an inactive location's code is 400 VALIDATION_ERROR, not 409 "
            "(the duplicate check sees active locations only; the unique index refuses it)",
            ("LOC-005",),
        ),
        Fault(
            "put_ignores_reactivation",
            'PUT {"is_active": true} leaves a deactivated product inactive',
            ("PRD-019",),
        ),
        Fault(
            "location_put_ignores_is_active",
            "is_active in a location PUT body is ignored (as at create)",
            ("LOC-010",),
        ),
        Fault(
            "location_put_cannot_reactivate",
            'PUT {"is_active": true} leaves a deactivated location inactive',
            ("LOC-011",),
        ),
        Fault(
            "hard_delete_location",
            "DELETE removes the location (GET then 404)",
            ("LOC-014",),
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
        Fault(
            "product_inactive_by_default",
            "a product created without is_active is inactive",
            ("PRD-002",),
        ),
        Fault(
            "cost_defaults_to_zero",
            'a product created without cost has cost "0.00" instead of null',
            ("PRD-003",),
        ),
        Fault(
            "custom_fields_ignored_on_create",
            "a create ignores custom_fields (the product starts with {}); a PUT sets them",
            ("PRD-004",),
        ),
        Fault(
            "custom_field_nulls_dropped",
            "a create drops the custom_fields keys whose value is null",
            ("PRD-022",),
        ),
        Fault(
            "missing_sku_422",
            "a product create without sku is 422 instead of 400",
            ("PRD-005",),
        ),
        Fault(
            "put_accepts_negative_quantity",
            "a negative product quantity is refused at create but stored by PUT",
            ("PRD-008",),
        ),
        Fault(
            "product_get_without_custom_fields",
            "GET /products/{sku}/ omits custom_fields",
            ("PRD-009",),
        ),
        Fault(
            "unknown_product_get_200",
            "GET of an unknown sku is 200 with data null",
            ("PRD-010",),
        ),
        Fault(
            "numeric_cost_ignored",
            "a PUT cost sent as a JSON number is ignored (only strings are read)",
            ("PRD-012",),
        ),
        Fault(
            "put_echoes_cost",
            "a PUT answers cost as it was sent (a JSON number stays a number); GET shows the "
            "stored string",
            ("PRD-014",),
        ),
        Fault(
            "list_cost_as_number",
            "product list entries show cost as a JSON number (32.5); GET shows the string",
            ("PRD-014",),
        ),
        Fault("put_renames_product", "sku in a PUT body renames the product", ("PRD-015",)),
        Fault(
            "product_list_without_custom_fields",
            "product list entries omit custom_fields",
            ("PRD-020",),
        ),
        Fault(
            "cost_null_ignored",
            'PUT {"cost": null} leaves the cost as it was',
            ("PRD-021",),
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
        Fault("put_ignores_status", "an order PUT leaves the status as it was", ("ORD-026",)),
        Fault("put_ignores_due_date", "an order PUT leaves due_date as it was", ("ORD-021",)),
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
        Fault("order_create_200", "order create answers 200 instead of 201", ("ORD-001",)),
        Fault(
            "create_ignores_customer_name",
            "a create does not store customer_name (the order shows null)",
            ("ORD-003",),
        ),
        Fault(
            "line_status_unverified",
            "created lines have verification_status unverified instead of pending",
            ("ORD-004",),
        ),
        Fault(
            "order_number_generated",
            "a create without order_number is given a generated one (201)",
            ("ORD-005",),
        ),
        Fault(
            "order_without_items_accepted",
            "a create without items is an order with no lines (201)",
            ("ORD-006",),
        ),
        Fault(
            "line_quantity_defaults_to_1",
            "an order line without quantity gets quantity 1",
            ("ORD-007",),
        ),
        Fault(
            "unparsable_date_stored_null",
            "an order_date or due_date that is not a datetime is stored as null",
            ("ORD-014",),
        ),
        Fault(
            "create_drops_order_dates",
            "a create stores neither order_date nor due_date (the order answers them null)",
            ("ORD-035",),
        ),
        Fault("get_order_without_lines", "GET of an order returns it with no items", ("ORD-016",)),
        Fault(
            "unknown_order_200_null",
            "GET of an unknown order is 200 with data null",
            ("ORD-017",),
        ),
        Fault(
            "order_list_without_customer_name",
            "order list entries omit customer_name",
            ("ORD-018",),
        ),
        Fault(
            "put_answers_changes_only",
            "an order PUT answers only the fields the body named, not the full order",
            ("ORD-020",),
        ),
        Fault(
            "cancel_unknown_order_400",
            "DELETE of an unknown order is 400 SERVICE_ERROR instead of 404",
            ("ORD-032",),
        ),
        Fault(
            "unknown_sku_not_named",
            "the unknown-SKU SERVICE_ERROR message does not name the SKU",
            ("ORD-010",),
        ),
        Fault(
            "external_id_taken_409",
            "a reused external_order_id is 409 DUPLICATE instead of 400 VALIDATION_ERROR",
            ("ORD-012",),
        ),
        Fault("line_notes_dropped", "order line notes are not stored", ("ORD-015",)),
        Fault(
            "put_rejects_items",
            "a PUT carrying items or order_number is 400 VALIDATION_ERROR",
            ("ORD-024",),
        ),
        Fault("put_ignores_order_date", "an order PUT leaves order_date as it was", ("ORD-025",)),
        Fault("empty_status_accepted", "an order PUT stores an empty status", ("ORD-026",)),
        Fault(
            "put_closed_order_refused",
            "PUT on a cancelled or shipped order is 400 SERVICE_ERROR",
            ("ORD-027",),
        ),
        Fault(
            "put_unknown_order_400",
            "PUT of an unknown order is taken as a create: 400 VALIDATION_ERROR",
            ("ORD-028",),
        ),
        Fault("cancel_reason_dropped", "the DELETE reason is not stored", ("ORD-031",)),
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
        Fault(
            "created_counted_as_updated",
            "bulk upsert counts created rows as updated",
            ("INV-002",),
        ),
        Fault(
            "total_excludes_failed",
            "the bulk total counts only the rows that did not fail",
            ("INV-004",),
        ),
        Fault(
            "row_error_rolls_back_batch",
            "a batch with a failing row writes none of its rows, yet reports its good rows created",
            ("INV-005",),
        ),
        Fault(
            "row_error_request_names",
            "row errors name the sent codes location_code and sku_code, not location_id and "
            "product_id",
            ("INV-007",),
        ),
        Fault(
            "unknown_location_under_location_code",
            "an unknown location is reported under errors.location_code",
            ("INV-009",),
        ),
        Fault(
            "source_required",
            "a bulk body without source is 400 (no default)",
            ("INV-016",),
        ),
        Fault(
            "missing_inventory_accepted",
            "a bulk body without inventory is an empty batch: 200 with total 0",
            ("INV-018",),
        ),
        Fault(
            "empty_inventory_accepted",
            "an empty inventory list is 200 with total 0",
            ("INV-019",),
        ),
        Fault(
            "inventory_object_as_row",
            "an inventory object is taken as a batch of that one row",
            ("INV-020",),
        ),
        Fault(
            "inventory_list_id_names",
            "GET /inventory/ entries name the codes location_id and product_id",
            ("INV-023",),
        ),
        Fault(
            "by_defaults_to_sku",
            "GET /inventory/{identifier}/ without by reads by SKU",
            ("INV-024",),
        ),
        Fault(
            "identifier_read_without_success",
            "reads by identifier answer {data: [rows]} without success",
            ("INV-026",),
        ),
        Fault(
            "empty_read_404",
            "a known location or SKU without inventory rows is 404 NOT_FOUND",
            ("INV-028",),
        ),
        Fault(
            "unknown_sku_wrong_message",
            "an unknown SKU's row error says Product does not exist",
            ("INV-010",),
        ),
        Fault(
            "bad_quantity_rejects_request",
            "a row with a bad quantity makes the whole bulk request 400",
            ("INV-012",),
        ),
        Fault(
            "code_errors_under_id_keys",
            "a missing or non-string location_code or sku_code is reported under location_id "
            "or product_id",
            ("INV-013",),
        ),
        Fault(
            "all_failed_success_false",
            "a batch in which every row fails answers 200 with success false",
            ("INV-014",),
        ),
        Fault(
            "repeated_pair_first_wins",
            "a pair repeated in one batch keeps its first quantity",
            ("INV-015",),
        ),
        Fault(
            "unknown_source_accepted",
            "an unknown source is ignored and the rows are applied",
            ("INV-017",),
        ),
        Fault(
            "inactive_product_not_upserted",
            "a row for an inactive product fails with Product not found",
            ("INV-021",),
        ),
        Fault(
            "row_limit_500",
            "a bulk batch of more than 500 rows is 400 VALIDATION_ERROR",
            ("INV-022",),
        ),
        Fault(
            "identifier_read_capped_at_50",
            "reads by identifier return at most 50 rows",
            ("INV-030",),
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
        Fault(
            "orders_addressed_by_order_number",
            "/orders/{identifier}/ resolves order_number whatever the order identifier",
            ("IDN-001",),
        ),
        Fault(
            "product_addressed_by_id",
            "/products/{identifier}/ resolves the record id (the framework default), not sku",
            ("IDN-002",),
        ),
        Fault(
            "location_addressed_by_id",
            "/locations/{identifier}/ resolves the record id (the framework default), not code",
            ("IDN-003",),
        ),
        Fault(
            "inventory_read_by_id",
            "GET /inventory/{identifier}/ looks the location or product up by record id",
            ("IDN-004",),
        ),
        Fault(
            "order_cancel_by_order_number",
            "DELETE /orders/{identifier}/ resolves order_number; GET and PUT the order identifier",
            ("IDN-005",),
        ),
        Fault(
            "plus_read_as_space",
            "a + in a decoded identifier is read as a space (form decoding of the path)",
            ("IDN-011",),
        ),
        Fault(
            "space_identifier_slugified",
            "a path identifier is slugified before the lookup (spaces become -), so identifiers "
            "holding a space are not found",
            ("IDN-007",),
        ),
        Fault(
            "long_identifier_accepted",
            "identifier strings over 255 characters are accepted",
            ("IDN-009",),
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
            "GET /locations/ answers twice as slowly: it sleeps as long as the answer took",
            caught_elsewhere="tests/test_load_compare.py: --compare flags GET /locations/ only",
        ),
        Fault(
            "flaky_5xx",
            "every 10th API request answers 503",
            ("LIM-004",),
            schema_blamed_on=("ERR-004",),
        ),
        Fault(
            "in_flight_over_50_dropped",
            "a gateway holds each request with a key 2 s and closes the connection of any "
            "request beyond 50 in flight, without an answer",
            ("LIM-004",),
        ),
        Fault(
            "body_cap_20_mb",
            "the body cap is 20 MB: a 10.5 MB body is read and handled",
            ("LIM-001",),
        ),
        Fault(
            "body_cap_off_by_one",
            "a body of exactly 10,485,760 bytes is 413 (the cap counts from the limit itself)",
            ("LIM-007",),
        ),
        Fault(
            "body_cap_below_ten_million",
            "a body of exactly 10,000,000 bytes is 413 (the cap is 9,999,999 bytes)",
            ("LIM-002",),
        ),
        Fault(
            "per_key_rate_limit",
            "each key may send 60 requests a minute; more are 429",
            ("LIM-003",),
        ),
        Fault(
            "retry_after_fractional",
            "every response carries Retry-After: 0.5 (fractional seconds)",
            ("LIM-005",),
        ),
        Fault(
            "ratelimit_remaining_negative",
            "every response carries X-RateLimit-Remaining: -1 (the counter underflows)",
            ("LIM-006",),
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
            "mapping_failure_as_validation_error",
            "a payload the mapping cannot apply is 400 VALIDATION_ERROR, not MAPPING_ERROR",
            ("ERR-019",),
        ),
        Fault(
            "array_index_not_reversed",
            "answers keep the internal name of a field mapped from an array-index path",
            ("ENV-017",),
        ),
        Fault(
            "nested_array_items_not_reversed",
            "answers rename a mapped record array (Details) but not its items' fields",
            ("ENV-018",),
        ),
        Fault(
            "bulk_row_errors_not_reversed",
            "a partner key's bulk row errors name the internal fields (location_id)",
            ("ENV-021",),
        ),
        Fault(
            "internal_names_kept",
            "answers to a partner key show each mapped field under its internal name too",
            ("ENV-014", "ENV-016", "ENV-017", "ENV-018"),
        ),
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
        Fault(
            "sunset_iso_date",
            "every response carries Sunset as an ISO date (2027-01-01), not an HTTP-date",
            ("VER-003",),
        ),
        Fault(
            "deprecation_as_date",
            "every response carries Deprecation as a date (@1798761600), not true",
            ("VER-004",),
        ),
        Fault(
            "deprecation_link_unbracketed",
            'every response carries a rel="deprecation" Link without <> around its URI',
            ("VER-005",),
        ),
        Fault(
            "deprecation_alone",
            "every response carries Deprecation: true without Sunset or a deprecation Link",
            ("VER-006",),
        ),
        # idempotency
        Fault(
            "idempotency_key_replayed",
            "a POST repeating an Idempotency-Key is answered the first answer, nothing created",
            ("IDEM-001",),
        ),
        Fault(
            "order_put_appends_notes",
            "an order PUT appends its notes to the stored notes instead of replacing them",
            ("IDEM-005",),
        ),
        Fault(
            "product_put_adds_quantity",
            "a product PUT adds its quantity to the stored one instead of setting it",
            ("IDEM-006",),
        ),
        Fault(
            "recancel_overwrites_reason",
            "DELETE of a cancelled order stores the new reason as cancel_reason",
            ("IDEM-007",),
        ),
        Fault(
            "inactive_product_delete_404",
            "DELETE of an inactive product is 404 NOT_FOUND (it looks up active products only)",
            ("IDEM-008",),
        ),
        # locations
        Fault(
            "location_create_200",
            "location create answers 200 instead of 201",
            ("LOC-001",),
        ),
        Fault(
            "location_create_drops_metadata",
            "a location create ignores metadata (answers {})",
            ("LOC-002",),
        ),
        Fault(
            "location_code_generated",
            "a location create without code gets a generated code (201)",
            ("LOC-003",),
        ),
        Fault(
            "duplicate_location_400",
            "a duplicate location code is 400 VALIDATION_ERROR instead of 409 DUPLICATE",
            ("LOC-004",),
        ),
        Fault(
            "location_get_without_aisle",
            "GET /locations/{code}/ omits aisle",
            ("LOC-006",),
        ),
        Fault(
            "location_put_ignores_zone",
            "zone in a location PUT body is ignored",
            ("LOC-009",),
        ),
        Fault(
            "put_renames_location",
            "code in a PUT body renames the location",
            ("LOC-012",),
        ),
        Fault(
            "put_creates_unknown_location",
            "PUT on an unknown code creates the location (200)",
            ("LOC-015",),
        ),
        Fault(
            "location_list_without_is_active",
            "location list entries omit is_active",
            ("LOC-016",),
        ),
    ],
)

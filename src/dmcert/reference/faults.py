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
            "custom_field_nulls_dropped",
            "a create drops the custom_fields keys whose value is null",
            ("PRD-004",),
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
        Fault("put_renames_product", "sku in a PUT body renames the product", ("PRD-015",)),
        Fault(
            "delete_unknown_product_204",
            "DELETE of an unknown sku answers 204 instead of 404",
            ("PRD-016",),
        ),
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

"""Which requirement each deliberately broken reference target must be blamed on.

One row per fault of dmcert.reference.faults.FAULTS: the pytest -k expression that selects
the conformance tests of its rule, and every requirement the suite must report failed. A
fault that breaks a rule of two areas (say a duplicate order_number accepted: ORD and IDEM)
lists both, and one run checks both.
"""

from __future__ import annotations

from typing import NamedTuple


class Catch(NamedTuple):
    select: str
    requirements: tuple[str, ...]


def injections() -> list[tuple[str, Catch]]:
    """Every (fault, catch) pair the self-validation runs."""
    pairs = list(CATCHES.items())
    pairs += [(fault, Catch("test_schema", ids)) for fault, ids in SCHEMA_CATCHES.items()]
    return pairs


CATCHES: dict[str, Catch] = {
    # envelope
    "list_without_pagination": Catch("test_envelope", ("ENV-002",)),
    "error_success_true": Catch("test_envelope", ("ENV-004",)),
    "text_plain_content_type": Catch("test_envelope", ("ENV-006",)),
    # errors
    "lowercase_error_codes": Catch("test_errors", ("ERR-001",)),
    "not_found_as_400": Catch(
        "test_errors or (test_locations and unknown_code)", ("ERR-002", "LOC-007")
    ),
    "server_error_on_bad_json": Catch("test_errors", ("ERR-004",)),
    # auth
    "missing_key_401": Catch("test_auth", ("AUTH-002",)),
    "invalid_key_wrong_detail": Catch("test_auth", ("AUTH-004",)),
    "expired_key_accepted": Catch("test_auth", ("AUTH-005",)),
    "revoked_key_accepted": Catch("test_auth", ("AUTH-006",)),
    # scopes
    "resource_wildcard_ignored": Catch("test_scopes", ("SCOPE-003",)),
    "read_key_can_delete": Catch("test_scopes", ("SCOPE-005",)),
    "denied_write_persists": Catch("test_scopes", ("SCOPE-007",)),
    "validation_before_scope": Catch("test_scopes", ("SCOPE-009",)),
    # pagination
    "cursor_skips_record": Catch("test_pagination and each_record_once", ("PAG-010",)),
    "limit_not_clamped": Catch(
        "test_pagination and (above_200 or below_1)", ("PAG-006", "PAG-007")
    ),
    "cursor_not_verified": Catch(
        "test_pagination and (tampered or malformed)", ("PAG-013", "PAG-014")
    ),
    "oldest_first": Catch("test_pagination and each_record_once", ("PAG-011",)),
    "next_cursor_on_last_page": Catch("test_pagination and next_cursor_null", ("PAG-009",)),
    "unstable_under_inserts": Catch("test_pagination and inserts_between_pages", ("PAG-012",)),
    # products
    "product_create_200": Catch("test_products and create_is_201", ("PRD-001",)),
    "duplicate_product_201": Catch(
        "(test_products and duplicate_sku) or (test_idempotency and product_or_location_create)",
        ("PRD-006", "IDEM-004"),
    ),
    "custom_fields_merged": Catch("test_products and replaces_the_whole", ("PRD-013",)),
    "hard_delete_product": Catch("test_products and delete_deactivates", ("PRD-017",)),
    # locations
    "inactive_location_listed": Catch(
        "test_locations and (active_locations_only or delete_deactivates)",
        ("LOC-008", "LOC-013"),
    ),
    # orders
    "order_status_not_pending": Catch("test_orders and create_is_201", ("ORD-002",)),
    "item_quantity_zero_accepted": Catch("test_orders and quantity_below_one", ("ORD-008",)),
    "unknown_sku_accepted": Catch("test_orders and unknown_sku", ("ORD-009",)),
    "duplicate_order_number_accepted": Catch(
        "(test_orders and duplicate_order) or (test_idempotency and "
        "(identical_order or different_body))",
        ("ORD-011", "IDEM-002", "IDEM-003"),
    ),
    "put_changes_items": Catch("test_orders and never_changes_lines", ("ORD-023",)),
    "cancel_shipped_order_allowed": Catch(
        "(test_orders and shipped_order_is_400) or (test_concurrency and shipped_order)",
        ("ORD-033", "CONC-007"),
    ),
    "cancel_twice_error": Catch("test_orders and cancelling_a_cancelled", ("ORD-034",)),
    # inventory
    "bulk_returns_201": Catch("test_inventory and is_200_with_a_summary", ("INV-001",)),
    "bulk_counters_wrong": Catch(
        "(test_inventory and updated_in_place) or (test_idempotency and bulk_batch)",
        ("INV-003", "IDEM-009"),
    ),
    "bulk_all_or_nothing": Catch("test_inventory and bad_row_fails_alone", ("INV-006",)),
    "bulk_row_index_1_based": Catch("test_inventory and bad_row_fails_alone", ("INV-008",)),
    "negative_quantity_accepted": Catch("test_inventory and bad_row_fails_alone", ("INV-011",)),
    "by_sku_ignored": Catch("test_inventory and by_location_and_by_sku", ("INV-025",)),
    "invalid_by_accepted": Catch("test_inventory and other_than_location_or_sku", ("INV-027",)),
    # identifiers
    "slash_identifier_broken": Catch("test_identifiers and slash", ("IDN-006",)),
    "unicode_identifier_broken": Catch("test_identifiers and unicode", ("IDN-008",)),
    # limits: a target shedding load with 503s
    "flaky_5xx": Catch("test_limits", ("LIM-004",)),
    # races (conformance/test_concurrency.py)
    "racy_duplicate_check": Catch(
        "test_concurrency and (creates or retried)", ("CONC-001", "CONC-002", "CONC-008")
    ),
    "racy_bulk_upsert": Catch("test_concurrency and bulk_upserts", ("CONC-003", "CONC-004")),
    "torn_put": Catch("test_concurrency and racing_puts", ("CONC-005",)),
    "stale_cancel": Catch("test_concurrency and cancels_and_updates", ("CONC-006",)),
}

# The schema-driven tests alone (`-k test_schema`) must catch these too, under these ids:
# generated requests and the spec's links find them without a hand-written check.
SCHEMA_CATCHES: dict[str, tuple[str, ...]] = {
    "server_error_on_bad_json": ("ERR-004",),
    "flaky_5xx": ("ERR-004",),
    "text_plain_content_type": ("ENV-006",),
    "error_success_true": ("ENV-004",),
    "lowercase_error_codes": ("ERR-001",),
    "product_create_200": ("PRD-001",),
    "bulk_returns_201": ("INV-001",),
    "not_found_as_400": ("ERR-002",),
    "list_without_pagination": ("VER-002",),
    "unicode_identifier_broken": ("LOC-009", "LOC-013"),
}

# Faults whose rule belongs to the load gates, not to a conformance requirement.
CAUGHT_ELSEWHERE = {"slow_lists": "tests/test_load.py: the p95 SLO gate names it"}

"""Deliberately broken variants of the reference target, one documented rule broken each.

The self-validation tests start `dmcert serve --fault NAME` and assert the conformance suite
notices. Each fault is consulted at the one place its rule lives, via `Settings.has(name)`.
"""

from __future__ import annotations

FAULTS: dict[str, str] = {
    # envelope
    "list_without_pagination": "list responses omit the pagination object",
    "error_success_true": "error bodies say success: true",
    "text_plain_content_type": "JSON bodies are served as text/plain",
    # errors
    "lowercase_error_codes": "error codes are lower case (validation_error)",
    "not_found_as_400": "an unknown record is 400 VALIDATION_ERROR instead of 404 NOT_FOUND",
    "server_error_on_bad_json": "a malformed JSON body is answered 500",
    # auth
    "missing_key_401": "a request without X-API-Key is 401 instead of 403",
    "expired_key_accepted": "an expired key is accepted",
    "revoked_key_accepted": "a revoked key is accepted",
    "invalid_key_wrong_detail": "an unknown key gets a different detail text",
    # scopes
    "read_key_can_delete": "a key with <resource>.read may DELETE on that resource",
    "resource_wildcard_ignored": "integrations.<resource>.* grants nothing",
    "validation_before_scope": "the body is validated before the scope check",
    "denied_write_persists": "a scope-denied POST still creates the record (answers 403)",
    # pagination
    "cursor_skips_record": "each next page skips one record",
    "limit_not_clamped": "limit above 200 is honoured and limit below 1 is rejected",
    "cursor_not_verified": "cursor signatures are not checked; a bad cursor restarts the walk",
    "oldest_first": "lists are ordered oldest first",
    "next_cursor_on_last_page": "the last page still carries a next_cursor (to an empty page)",
    "unstable_under_inserts": "offset pagination: inserts between pages repeat records",
    # soft delete
    "hard_delete_product": "DELETE removes the product (GET then 404)",
    "inactive_location_listed": "inactive locations stay in the location list",
    "cancel_shipped_order_allowed": "DELETE cancels a shipped order",
    "cancel_twice_error": "DELETE on a cancelled order is 400 SERVICE_ERROR",
    # products
    "custom_fields_merged": "PUT merges custom_fields instead of replacing them",
    "product_create_200": "product create answers 200 instead of 201",
    "duplicate_product_201": "a duplicate sku is answered 201 as a new record",
    # orders
    "duplicate_order_number_accepted": "a duplicate order_number is answered 201",
    "unknown_sku_accepted": "an order line with an unknown sku_code is accepted",
    "put_changes_items": "PUT with items replaces the order lines",
    "item_quantity_zero_accepted": "an order line quantity of 0 is accepted",
    "order_status_not_pending": "a created order has status received instead of pending",
    # inventory
    "bulk_counters_wrong": "bulk upsert counts updated rows as created",
    "bulk_row_index_1_based": "bulk row errors give 1-based row indexes",
    "bulk_all_or_nothing": "one bad row rejects the whole batch with 400",
    "negative_quantity_accepted": "a negative inventory quantity is applied",
    "by_sku_ignored": "by=sku answers as by=location",
    "invalid_by_accepted": "an unknown by value is treated as by=location",
    "bulk_returns_201": "bulk upsert answers 201 instead of 200",
    # identifiers
    "slash_identifier_broken": "routing on the decoded path: identifiers with %2F are 404",
    "unicode_identifier_broken": "non-ASCII identifiers are not found",
    # limits and load
    "slow_lists": "list GETs sleep 1.2 s before answering",
    "flaky_5xx": "every 10th API request answers 503",
    # races (conformance/test_concurrency.py): each opens a window between a read and the
    # write that depends on it, so concurrent requests interleave there
    "racy_duplicate_check": (
        "creates look for the natural key, pause, then insert without a unique index"
    ),
    "racy_bulk_upsert": (
        "bulk upsert reads which pairs exist, pauses, then inserts or updates without "
        "locking and without a unique index"
    ),
    "torn_put": "PUT writes each field in a transaction of its own, in a varying order",
    "stale_cancel": "DELETE of an order writes back the whole row it read before a pause",
}

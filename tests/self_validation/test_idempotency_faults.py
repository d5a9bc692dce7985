"""Self-validation of area IDEM: faults that break natural-key idempotency are caught by the
IDEM requirements too, not only by their own area's."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("duplicate_order_number_accepted", "IDEM-002", "test_idempotency and identical_order"),
        ("duplicate_order_number_accepted", "IDEM-003", "test_idempotency and different_body"),
        ("duplicate_product_201", "IDEM-004", "test_idempotency and product_or_location_create"),
        ("bulk_counters_wrong", "IDEM-009", "test_idempotency and bulk_batch"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

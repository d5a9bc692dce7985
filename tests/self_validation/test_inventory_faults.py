"""Self-validation of area INV: each inventory fault of the reference target is caught by
the requirement whose rule it breaks."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("bulk_returns_201", "INV-001", "test_inventory and is_200_with_a_summary"),
        ("bulk_counters_wrong", "INV-003", "test_inventory and updated_in_place"),
        ("bulk_all_or_nothing", "INV-006", "test_inventory and bad_row_fails_alone"),
        ("bulk_row_index_1_based", "INV-008", "test_inventory and bad_row_fails_alone"),
        ("negative_quantity_accepted", "INV-011", "test_inventory and bad_row_fails_alone"),
        ("by_sku_ignored", "INV-025", "test_inventory and by_location_and_by_sku"),
        ("invalid_by_accepted", "INV-027", "test_inventory and other_than_location_or_sku"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

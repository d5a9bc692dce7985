"""Self-validation of area ORD (orders and their soft delete): each orders fault of the
reference target is caught by the requirement whose rule it breaks."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("order_status_not_pending", "ORD-002", "test_orders and create_is_201"),
        ("item_quantity_zero_accepted", "ORD-008", "test_orders and quantity_below_one"),
        ("unknown_sku_accepted", "ORD-009", "test_orders and unknown_sku"),
        ("duplicate_order_number_accepted", "ORD-011", "test_orders and duplicate_order"),
        ("put_changes_items", "ORD-023", "test_orders and never_changes_lines"),
        ("cancel_shipped_order_allowed", "ORD-033", "test_orders and shipped_order_is_400"),
        ("cancel_twice_error", "ORD-034", "test_orders and cancelling_a_cancelled"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

"""Self-validation of area PRD (products and their soft delete): each products fault of the
reference target is caught by the requirement whose rule it breaks."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("product_create_200", "PRD-001", "test_products and create_is_201"),
        ("duplicate_product_201", "PRD-006", "test_products and duplicate_sku"),
        ("custom_fields_merged", "PRD-013", "test_products and replaces_the_whole"),
        ("hard_delete_product", "PRD-017", "test_products and delete_deactivates"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

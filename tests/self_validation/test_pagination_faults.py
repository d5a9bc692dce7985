"""Self-validation of area PAG (cursor pagination): each pagination fault of the reference
target is caught by the requirement whose rule it breaks."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("cursor_skips_record", "PAG-010", "test_pagination and each_record_once"),
        ("limit_not_clamped", "PAG-007", "test_pagination and above_200"),
        ("limit_not_clamped", "PAG-006", "test_pagination and below_1"),
        ("cursor_not_verified", "PAG-014", "test_pagination and tampered"),
        ("cursor_not_verified", "PAG-013", "test_pagination and malformed"),
        ("oldest_first", "PAG-011", "test_pagination and each_record_once"),
        ("next_cursor_on_last_page", "PAG-009", "test_pagination and next_cursor_null"),
        ("unstable_under_inserts", "PAG-012", "test_pagination and inserts_between_pages"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

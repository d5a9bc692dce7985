"""Self-validation of area IDN (identifiers in paths): each identifier fault of the
reference target is caught by the requirement whose rule it breaks."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("slash_identifier_broken", "IDN-006", "test_identifiers and slash"),
        ("unicode_identifier_broken", "IDN-008", "test_identifiers and unicode"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

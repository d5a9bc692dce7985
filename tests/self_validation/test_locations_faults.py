"""Self-validation of area LOC (locations and their soft delete): each fault of the
reference target that breaks a location rule is caught by the requirement of that rule.
not_found_as_400 belongs to the error area but breaks LOC-007 as well."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("inactive_location_listed", "LOC-008", "test_locations and active_locations_only"),
        ("inactive_location_listed", "LOC-013", "test_locations and delete_deactivates"),
        ("not_found_as_400", "LOC-007", "test_locations and unknown_code"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

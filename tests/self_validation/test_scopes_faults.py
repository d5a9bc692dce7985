"""Self-validation of area SCOPE: each scope fault of the reference target is caught."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("resource_wildcard_ignored", "SCOPE-003", "test_scopes"),
        ("read_key_can_delete", "SCOPE-005", "test_scopes"),
        ("denied_write_persists", "SCOPE-007", "test_scopes"),
        ("validation_before_scope", "SCOPE-009", "test_scopes"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

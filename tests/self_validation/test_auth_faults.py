"""Self-validation of area AUTH: each authentication fault of the reference target is caught."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("missing_key_401", "AUTH-002", "test_auth"),
        ("invalid_key_wrong_detail", "AUTH-004", "test_auth"),
        ("expired_key_accepted", "AUTH-005", "test_auth"),
        ("revoked_key_accepted", "AUTH-006", "test_auth"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

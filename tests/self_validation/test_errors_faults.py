"""Self-validation of area ERR: each error-handling fault of the reference target is caught."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("lowercase_error_codes", "ERR-001", "test_errors"),
        ("not_found_as_400", "ERR-002", "test_errors"),
        ("server_error_on_bad_json", "ERR-004", "test_errors"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

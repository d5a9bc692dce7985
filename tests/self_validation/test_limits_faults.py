"""Self-validation of area LIM: a target that sheds load with 503s is caught."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [("flaky_5xx", "LIM-004", "test_limits")],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

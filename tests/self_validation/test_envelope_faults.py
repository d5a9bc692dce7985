"""Self-validation of area ENV: each envelope fault of the reference target is caught."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement", "select"),
    [
        ("list_without_pagination", "ENV-002", "test_envelope"),
        ("error_success_true", "ENV-004", "test_envelope"),
        ("text_plain_content_type", "ENV-006", "test_envelope"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement, select):
    assert_caught(fault, requirement, select)

"""Self-validation of the schema-driven tests (conformance/test_schema.py): each fault of the
reference target that breaks the contract's statuses, content type or shapes is caught by
the generated requests and blamed on the requirement schema_checks.py names for it; and
every schemathesis built-in check is decided, used or excluded with a reason."""

from __future__ import annotations

import importlib

import pytest
from schemathesis.checks import CHECKS, load_all_checks

from dmcert.bundle import bundle_dir


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "requirement"),
    [
        ("server_error_on_bad_json", "ERR-004"),
        ("flaky_5xx", "ERR-004"),
        ("text_plain_content_type", "ENV-006"),
        ("error_success_true", "ENV-004"),
        ("lowercase_error_codes", "ERR-001"),
        ("product_create_200", "PRD-001"),
        ("bulk_returns_201", "INV-001"),
        ("not_found_as_400", "ERR-002"),
        ("list_without_pagination", "VER-002"),
        ("unicode_identifier_broken", "LOC-009"),
    ],
)
def test_fault_is_caught(assert_caught, fault, requirement):
    assert_caught(fault, requirement, "test_schema")


def test_every_builtin_check_is_used_or_excluded_for_a_reason(monkeypatch):
    monkeypatch.syspath_prepend(bundle_dir("conformance"))  # the suite imports it as a sibling
    registry = importlib.import_module("schema_checks")
    load_all_checks()
    used = {rule.name for rule in registry.RULES}
    excluded = registry.EXCLUDED
    assert not used & excluded.keys()
    assert used | excluded.keys() == set(CHECKS.get_all_names())
    assert all(len(reason) > 40 for reason in excluded.values())

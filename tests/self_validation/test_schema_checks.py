"""Every schemathesis built-in check is decided for this API: used under a requirement, or
excluded for a written reason (conformance/schema_checks.py). Which faults the schema-driven
tests catch is each fault's `schema_blamed_on` (dmcert.reference.faults)."""

from __future__ import annotations

import importlib

from schemathesis.checks import CHECKS, load_all_checks

from dmcert.contract.files import data_dir


def test_every_builtin_check_is_used_or_excluded_for_a_reason(monkeypatch):
    monkeypatch.syspath_prepend(data_dir("conformance"))  # the suite imports it as a sibling
    registry = importlib.import_module("schema_checks")
    load_all_checks()
    used = {rule.name for rule in registry.RULES}
    excluded = registry.EXCLUDED
    assert not used & excluded.keys()
    assert used | excluded.keys() == set(CHECKS.get_all_names())
    assert all(len(reason) > 40 for reason in excluded.values())

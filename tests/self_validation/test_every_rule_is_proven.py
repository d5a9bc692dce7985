"""Every check the suite makes is proven able to fail: each testable requirement is named by a
fault that self-validation injects (the suite must then fail it) or by a conformant variant
that departs from it (the suite must then warn on it, a SHOULD). A requirement with neither
is listed in UNPROVEN with the reason, so the gap is visible rather than silent."""

from __future__ import annotations

from dmcert.contract.requirements import load_requirements
from dmcert.reference.faults import FAULTS
from dmcert.reference.variants import VARIANTS

UNPROVEN: dict[str, str] = {}
"""Testable requirements no fault or variant proves yet, and why."""


def proven() -> set[str]:
    """Requirements whose check a fault or a variant shows failing."""
    by_faults = {
        r for fault in FAULTS.values() for r in (*fault.blamed_on, *fault.schema_blamed_on)
    }
    return by_faults | {r for variant in VARIANTS.values() for r in variant.departs_from}


def test_every_testable_requirement_has_a_check_proven_to_fail():
    catalogue = load_requirements()
    testable = {r for r, requirement in catalogue.items() if requirement.testable}
    missing = sorted(testable - proven() - set(UNPROVEN))
    assert not missing, f"no fault or variant proves these checks can fail: {missing}"


def test_the_unproven_list_is_current():
    catalogue = load_requirements()
    assert not set(UNPROVEN) & proven(), "proven now: remove from UNPROVEN"
    assert all(catalogue[r].testable for r in UNPROVEN)

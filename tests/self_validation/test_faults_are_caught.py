"""The suite catches each deliberately broken reference target, and blames the right rule:
run on exactly the tests of the requirements the fault names, it fails each of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dmcert.reference.faults import FAULTS

SCHEMA_ONLY = ("-k", "test_schema")
"""The schema-driven tests alone: they must find some faults without a hand-written check."""


def injections() -> Iterator[object]:
    """One injection per fault and set of tests: its own checks, and the schema-driven
    tests where the fault names requirements for them."""
    for fault in FAULTS.values():
        if fault.blamed_on:
            yield pytest.param(fault.name, fault.blamed_on, (), id=f"{fault.name}-checks")
        if fault.schema_blamed_on:
            yield pytest.param(
                fault.name, fault.schema_blamed_on, SCHEMA_ONLY, id=f"{fault.name}-schema"
            )


@pytest.mark.slow
@pytest.mark.parametrize(("fault", "requirements", "extra"), list(injections()))
def test_fault_is_caught_by_its_requirements(
    assert_caught, fault: str, requirements: tuple[str, ...], extra: tuple[str, ...]
):
    assert_caught(fault, requirements, *extra)

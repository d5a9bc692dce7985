"""The suite catches each deliberately broken reference target, and blames the right rule."""

from __future__ import annotations

import pytest

from dmcert.reference.faults import FAULTS
from tests.self_validation.catalogue import CATCHES, CAUGHT_ELSEWHERE, Catch, injections


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "catch"),
    injections(),
    ids=[
        f"{fault}-{'schema' if c.select == 'test_schema' else 'checks'}"
        for fault, c in injections()
    ],
)
def test_fault_is_caught_by_its_requirements(assert_caught, fault: str, catch: Catch):
    assert_caught(fault, catch.requirements, catch.select, tls=catch.tls)


def test_every_fault_of_the_reference_target_is_injected_somewhere():
    covered = set(CATCHES) | set(CAUGHT_ELSEWHERE)
    assert covered == set(FAULTS)

"""Soft expectations: how a conformance test checks one written rule.

A test names the requirements it verifies (`@pytest.mark.requirement(...)`) and records
each rule it checks with `expect(requirement_id, condition, message, *replies)`, so a
failure is attributed to exactly the rule that broke, with the exchanges as evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from dmcert.testkit._burst import Burst
from dmcert.testkit._client import Reply
from dmcert.testkit._exchange import Exchange

MAX_EVIDENCE = 3


class PreconditionFailed(Exception):
    """The target could not be brought into the state a check needs (e.g. a create failed).
    The check's requirements get the verdict `error`: not verified, and the run fails."""


SUCCESS = range(200, 300)
"""Any 2xx: the status a step must answer where the docs give none (DELETE, gap 5)."""


def must(reply: Reply, status: int | range, what: str) -> Reply:
    """A precondition: the step must answer `status` (or a status in that range), else the
    check cannot be verified."""
    if reply.status not in (status if isinstance(status, range) else (status,)):
        raise PreconditionFailed(f"{what}: {reply.exchange.summary()}")
    return reply


@dataclass(frozen=True)
class Observation:
    """One checked rule in one test: held or not, why, and the exchanges that show it."""

    requirement: str
    passed: bool
    message: str
    test: str
    evidence: tuple[dict[str, Any], ...] = ()


class Expect:
    """Soft assertions of one test, each attributed to a requirement the test declares."""

    def __init__(
        self, test: str, declared: Iterable[str], redact: Callable[[str], str] = str
    ) -> None:
        self.test = test
        self.declared = frozenset(declared)
        self.redact = redact  # messages may quote a response: keep keys out of them
        self.observations: list[Observation] = []

    def __call__(
        self, requirement: str, condition: bool, message: str, *evidence: Reply | Exchange | Burst
    ) -> bool:
        """Record one check. Evidence: the last MAX_EVIDENCE replies or exchanges, plus every
        request of each burst given (a race is only readable whole)."""
        if requirement not in self.declared:
            raise ValueError(f"{self.test} checks {requirement} but does not declare it")
        singles = [item for item in evidence if not isinstance(item, Burst)][-MAX_EVIDENCE:]
        exchanges: list[dict[str, Any]] = []
        for item in evidence:
            if isinstance(item, Burst):
                exchanges.extend(item.evidence())
            elif any(item is single for single in singles):
                exchanges.append(_to_dict(item))
        self.observations.append(
            Observation(
                requirement, bool(condition), self.redact(message), self.test, tuple(exchanges)
            )
        )
        return bool(condition)

    def failures(self) -> list[Observation]:
        return [obs for obs in self.observations if not obs.passed]


def _to_dict(item: Reply | Exchange) -> dict[str, Any]:
    return (item.exchange if isinstance(item, Reply) else item).to_dict()

"""Noticing when the target stops answering, and saying so once.

The suite's HTTP client reports every answered and unanswered request here. One unanswered
request is a finding against ERR-004 (no request may break the service) with that request as
evidence. If the target then does not answer a probe either, that request took it down: the
finding names the last requests before the outage, the watch waits a bounded time for the
target to come back, and if it does not, every later request is refused without being sent so
the tests that could not run are reported as not run — not as hundreds of failures.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from dmcert.contract.probe import probe
from dmcert.errors import UnreachableError
from dmcert.testkit._exchange import Exchange
from dmcert.testkit._expect import Observation
from dmcert.testkit._transport import TargetDown

REQUIREMENT = "ERR-004"
RECENT = 3  # exchanges kept as the evidence of an outage (the unanswered one included)
RECOVERY_WAIT_S = 10.0
PROBE_TIMEOUT_S = 5.0
PROBE_INTERVAL_S = 0.5


@dataclass(frozen=True)
class TransportFinding:
    """One unanswered request, or the outage it started, as evidence for ERR-004."""

    message: str
    evidence: tuple[Exchange, ...]
    outage: bool

    def observation(self, test: str) -> Observation:
        """The finding as a failed ERR-004 check of `test`, whatever the test declares."""
        evidence = tuple(exchange.to_dict() for exchange in self.evidence)
        return Observation(REQUIREMENT, False, self.message, test, evidence)


class OutageWatch:
    """Transport failures of one run (dmcert.testkit's TransportWatch)."""

    def __init__(
        self,
        root: str,
        recovery_wait: float = RECOVERY_WAIT_S,
        answers: Callable[[str], bool] | None = None,
    ) -> None:
        self.root = root
        self.recovery_wait = recovery_wait
        self._answers = answers or _answers_probe
        self._recent: deque[Exchange] = deque(maxlen=RECENT - 1)
        self._pending: list[TransportFinding] = []
        self.down: str | None = None  # why, while the target is down for good

    def before_send(self) -> None:
        if self.down is not None:
            raise TargetDown(self.down)

    def answered(self, exchange: Exchange) -> None:
        self._recent.append(exchange)

    def unanswered(self, exchange: Exchange) -> None:
        if self._answers(self.root):
            self._pending.append(
                TransportFinding(
                    f"{exchange.request_line()} got no answer: the target {exchange.no_answer}",
                    (exchange,),
                    outage=False,
                )
            )
            return
        evidence = (*self._recent, exchange)
        self._recent.clear()
        back_after = self._wait_for_recovery()
        what = (
            f"the target stopped answering after {exchange.request_line()}: it "
            f"{exchange.no_answer}, and then did not answer a probe either"
        )
        if back_after is None:
            self.down = (
                f"{what}; it did not come back within {self.recovery_wait:g} s, so the "
                "tests after it were not run"
            )
            message = self.down
        else:
            message = f"{what}; it answered again after {back_after:.1f} s"
        self._pending.append(TransportFinding(message, evidence, outage=True))

    def take(self) -> list[TransportFinding]:
        """The findings since the last call (the plugin attributes them to the current test)."""
        pending, self._pending = self._pending, []
        return pending

    def _wait_for_recovery(self) -> float | None:
        start = time.monotonic()
        while time.monotonic() - start < self.recovery_wait:
            time.sleep(PROBE_INTERVAL_S)
            if self._answers(self.root):
                return time.monotonic() - start
        return None


def _answers_probe(root: str) -> bool:
    try:
        probe(root, timeout=PROBE_TIMEOUT_S)
    except UnreachableError:
        return False
    return True

"""How far a run got. A run that was interrupted, crashed, or did not get through the tests
it collected is INCOMPLETE, whatever the requirements it reached said: a gate must never
read a partial run as a pass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Progress:
    collected: int = 0
    finished: int = 0  # tests that reached their end, however they ended
    not_run: int = 0  # of those, tests not run because the target was down
    stopped_by: str | None = None  # "SIGINT", "internal error", "collection error", ...

    @property
    def complete(self) -> bool:
        return self.stopped_by is None and self.finished >= self.collected

    @property
    def ran(self) -> int:
        return self.finished - self.not_run

    def describe(self) -> str:
        """`interrupted by SIGINT after 238 of 418 tests`."""
        why = self.stopped_by or "stopped"
        if why.startswith("SIG"):
            why = f"interrupted by {why}"
        return f"{why} after {self.ran} of {self.collected} tests"

    def to_dict(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "tests_collected": self.collected,
            "tests_run": self.ran,
            "tests_not_run_target_down": self.not_run,
            "stopped_by": self.stopped_by,
        }

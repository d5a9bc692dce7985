"""`dmcert load WORKLOAD --find-capacity`: the highest open-model arrival rate at which every
SLO holds, found by steps on one prepared data set, within a time budget.

The rate doubles from the start rate until a step breaks an SLO, then the search bisects
between the highest rate that held and the lowest that broke, until they are within
RESOLUTION of each other or the budget would be overspent by another step. (When the very
first step breaks, the rate halves until one holds.)

A step where the generator could not keep up (more than LAG_LIMIT of the users that slept
for their slot woke up late: the Locust process itself was overloaded) says nothing about
the target: it is reported as the generator's limit, bounds the search from above like a
breach, and is never taken for the target's capacity.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from dmcert.errors import EXIT_FAILED, EXIT_OK
from dmcert.load.repeats import Leg
from dmcert.load.slo import SloFile

DEFAULT_START_RATE = 10.0  # requests/s, when --rate does not give one
RESOLUTION = 0.1  # stop bisecting once the bracket is within 10 % of the rate that held
MIN_RATE = 0.5  # below this, give up: not even a trickle holds the SLOs
LAG_LIMIT = 0.05
USERS_PER_RATE = 1.0  # users per request/s: one second of latency before users run out
CAPACITY_FILE = "capacity.json"
CAPACITY_PLOT = "capacity.png"


@dataclass(frozen=True)
class Step:
    rate: float
    users: int
    outcome: str  # "held" | "breached" | "generator"
    achieved_rps: float
    latency_ms: dict[str, float | None]
    error_ratio: float
    late_ratio: float
    breaches: list[str]
    folder: str


@dataclass
class Capacity:
    steps: list[Step] = field(default_factory=list)
    stopped_by: str = ""  # "resolution" | "budget" | "floor"

    @property
    def capacity(self) -> float | None:
        held = [step.rate for step in self.steps if step.outcome == "held"]
        return max(held) if held else None

    @property
    def generator_limit(self) -> float | None:
        limited = [step.rate for step in self.steps if step.outcome == "generator"]
        return min(limited) if limited else None


def step_folder(rate: float) -> str:
    return f"steps/rate-{rate:g}"


def users_for(rate: float, min_users: int) -> int:
    return max(min_users, math.ceil(rate * USERS_PER_RATE))


def judge_step(leg: Leg, rate: float, users: int) -> Step:
    summary = leg.summary
    generator = summary["checks"]["generator"]
    late = generator["late_after_wait"] / generator["sends"] if generator["sends"] else 0.0
    if late > LAG_LIMIT:
        outcome = "generator"
    else:
        outcome = "held" if summary["verdict"] == "pass" else "breached"
    total = summary["total"]
    return Step(
        rate=rate,
        users=users,
        outcome=outcome,
        achieved_rps=total["rps"],
        latency_ms={k: total["latency_ms"][k] for k in ("p50", "p95", "p99")},
        error_ratio=total["error_ratio"],
        late_ratio=late,
        breaches=summary["breaches"],
        folder=str(leg.folder),
    )


def search_capacity(
    run: Callable[[float, int], Leg],
    *,
    start_rate: float,
    min_users: int,
    budget_s: float,
    step_s: float,
) -> Capacity:
    """Run steps (`run(rate, users)`) until the bracket is tight or the budget is spent."""
    found = Capacity()
    deadline = time.monotonic() + budget_s
    held: float | None = None
    broke: float | None = None
    rate = start_rate
    longest = step_s
    while True:
        if time.monotonic() + longest > deadline and found.steps:
            found.stopped_by = "budget"
            return found
        began = time.monotonic()
        users = users_for(rate, min_users)
        step = judge_step(run(rate, users), rate, users)
        longest = max(longest, time.monotonic() - began)
        found.steps.append(step)
        if step.outcome == "held":
            held = rate
        else:
            broke = rate if broke is None else min(broke, rate)
        if held is None:
            rate = rate / 2
            if rate < MIN_RATE:
                found.stopped_by = "floor"
                return found
        elif broke is None:
            rate = rate * 2
        elif (broke - held) / held <= RESOLUTION:
            found.stopped_by = "resolution"
            return found
        else:
            rate = round((held + broke) / 2, 2)


def report_capacity(
    found: Capacity, reports: Path, slo: SloFile, workload: str, console: Console
) -> int:
    document: dict[str, Any] = {
        "schema": "dmcert-load-capacity/1",
        "workload": workload,
        "capacity_rps": found.capacity,
        "generator_limit_rps": found.generator_limit,
        "stopped_by": found.stopped_by,
        "slo_file": slo.path,
        "steps": [asdict(step) for step in found.steps],
    }
    (reports / CAPACITY_FILE).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    from dmcert.load.plots import write_capacity_plot

    write_capacity_plot(found, slo, reports / CAPACITY_PLOT, f"dmcert load {workload}")
    table = Table(title=f"capacity search ({workload}): steps in the order run")
    for column in ("offered/s", "users", "achieved/s", "p50", "p95", "p99", "errors", "late", ""):
        table.add_column(column, justify="right")
    for step in found.steps:
        table.add_row(
            f"{step.rate:g}",
            str(step.users),
            f"{step.achieved_rps:.1f}",
            *(_ms(step.latency_ms[k]) for k in ("p50", "p95", "p99")),
            f"{step.error_ratio * 100:.2f} %",
            f"{step.late_ratio * 100:.1f} %",
            {"held": "SLOs hold", "breached": "SLO breached", "generator": "GENERATOR LIMIT"}[
                step.outcome
            ],
        )
    console.print(table)
    if found.generator_limit is not None:
        console.print(
            f"the generator could not keep up at {found.generator_limit:g}/s (more than "
            f"{LAG_LIMIT:.0%} of slots sent late): that step says nothing about the target; "
            "add --workers or hosts"
        )
    console.print(f"stopped by {found.stopped_by}; plot: {reports / CAPACITY_PLOT}")
    if found.capacity is None:
        console.print("capacity: no rate tried held every SLO")
        return EXIT_FAILED
    console.print(f"capacity: {found.capacity:g} requests/s with every SLO held")
    return EXIT_OK


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"

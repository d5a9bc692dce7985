"""This Locust process's part in a `dmcert load` run, and the Locust event hooks that drive it.

Each process records its requests in HDR histograms (latency from the intended start, so the
open model is corrected for coordinated omission) and takes an even share of the request
budget and of the arrival rate. Workers ship their histograms to the master; the master (or
the local runner) stops the run at the time limit or when the budget is spent, prints a
progress line every few seconds, and writes the merged recording for the parent `dmcert`
process. Importing this module registers the hooks; `user` imports it, so every locustfile
that subclasses `ApiUser` takes part.

Keys never travel in Locust options (the master forwards options to workers and shows them
in its reports): each process reads the keys file named by $DMCERT_LOAD_KEYS.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from dmcert.contract.partners import Partner
from dmcert.contract.redaction import Redactor
from dmcert.contract.target_profile import load_profile
from dmcert.load.hdr import Recording
from dmcert.load.plan import (
    KEY_NAME_ENV,
    KEYS_ENV,
    PROGRESS_MARK,
    RECORDING_FILE,
    USERS_COUNTER,
    RunSettings,
)

PROGRESS_INTERVAL_S = 2.0
FINAL_REPORT_WAIT_S = 30.0


class _Process:
    """This Locust process's share of the run: its recording, budget and schedule."""

    def __init__(self) -> None:
        self.settings: RunSettings | None = None
        self.recording = Recording()
        self.redactor = Redactor()
        self.key: str | None = None
        self.partner: Partner | None = None  # the key's partner: its payloads use the mapping
        self.key_problem: str | None = None
        self.budget: int | None = None
        self.rate = 0.0
        self.schedule_start: float | None = None
        self.scheduled = 0
        self.users = 0
        self.exhausted = False
        self.in_flight = 0
        self.done_sent = False
        self.stop_requested = Event()
        self.stopped_by = ""
        self.started = 0.0
        self.finished = 0.0
        self.finals: set[str] = set()
        self.exhausted_workers: set[str] = set()
        self.written = False
        self.controller_started = False

    def begin(self, environment: Environment) -> None:
        """At test start (each node): read the settings, split budget and rate."""
        self.settings = RunSettings.from_json(environment.parsed_options.dmcert_run)
        self.recording = Recording(bucket_s=self.settings.bucket_s)
        runner = environment.runner
        processes, index = 1, 0
        if isinstance(runner, WorkerRunner):
            processes = max(1, int(getattr(environment.parsed_options, "expect_workers", 1) or 1))
            index = max(0, runner.worker_index)
        if self.settings.max_requests:
            share, extra = divmod(self.settings.max_requests, processes)
            self.budget = share + (1 if index < extra else 0)
        self.rate = self.settings.rate / processes
        self._load_key()

    def _load_key(self) -> None:
        path = os.environ.get(KEYS_ENV)
        if not path:
            self.key_problem = f"${KEYS_ENV} is not set: it must name the keys file"
            return
        try:
            target_profile = load_profile(path)
        except Exception as exc:  # a UsageError, already one line
            self.key_problem = str(exc)
            return
        name = os.environ.get(KEY_NAME_ENV)
        key = target_profile.keys.get(name) if name else target_profile.full_key()
        if key is None:
            self.key_problem = f"no usable key {name or 'with integrations.*'} in {path}"
            return
        self.key = key.value
        self.partner = key.partner
        self.redactor = Redactor(target_profile.secrets())

    def next_user(self) -> int:
        self.users += 1
        return self.users

    def next_slot(self) -> float:
        """Open model: the intended start (monotonic seconds) of the next request."""
        now = time.monotonic()
        if self.schedule_start is None:
            self.schedule_start = now
        slot = self.schedule_start + self.scheduled / self.rate
        self.scheduled += 1
        return slot

    def spend(self, environment: Environment) -> bool:
        """Take one request from the budget; False once this process has used its share."""
        if self.budget is None:
            return True
        if self.budget > 0:
            self.budget -= 1
            self.in_flight += 1
            return True
        self.exhausted = True
        self.settle(environment)
        return False

    def finish(self, environment: Environment) -> None:
        """A request that `spend` allowed has finished (or was abandoned)."""
        if self.budget is None:
            return
        self.in_flight -= 1
        self.exhausted = self.exhausted or self.budget == 0
        self.settle(environment)

    def settle(self, environment: Environment) -> None:
        """A request finished: once the budget is spent and nothing is in flight, this
        process is done (a worker tells the master, which stops when all are)."""
        if self.budget is None or not self.exhausted or self.in_flight or self.done_sent:
            return
        self.done_sent = True
        runner = environment.runner
        if isinstance(runner, WorkerRunner):
            runner.send_message("dmcert_exhausted", {})
        else:
            self.request_stop("max_requests")

    def request_stop(self, reason: str) -> None:
        if not self.stop_requested.is_set():
            self.stopped_by = reason
            self.stop_requested.set()

    def write(self, stopped_by: str, workers_expected: int) -> None:
        """The merged recording, for the parent process (master or local runner only)."""
        if self.written or self.settings is None or not self.settings.out:
            return
        self.written = True
        document = {
            "started": self.started,
            "finished": self.finished or time.time(),
            "stopped_by": stopped_by,
            "workers": {"expected": workers_expected, "final_reports": len(self.finals)},
            "recording": self.recording.to_json(),
        }
        target = Path(self.settings.out) / RECORDING_FILE
        partial = target.with_suffix(".part")
        partial.write_text(json.dumps(document), encoding="utf-8")
        partial.replace(target)


STATE = _Process()


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    parser.add_argument(
        "--dmcert-run",
        default="",
        include_in_web_ui=False,
        help="dmcert run settings (JSON); set by `dmcert load`",
    )


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        runner.register_message("dmcert_final", _on_final)
        runner.register_message("dmcert_exhausted", _on_exhausted)
        environment.events.worker_report.add_listener(_on_worker_report)
    elif isinstance(runner, WorkerRunner):
        environment.events.report_to_master.add_listener(_on_report_to_master)
    environment.events.test_start.add_listener(_on_test_start)
    environment.events.test_stop.add_listener(_on_test_stop)
    environment.events.quitting.add_listener(_on_quitting)
    environment.events.request.add_listener(_on_request)


def _on_test_start(environment: Environment, **_: Any) -> None:
    if STATE.settings is None:
        STATE.begin(environment)
    if not isinstance(environment.runner, WorkerRunner) and not STATE.controller_started:
        STATE.controller_started = True
        STATE.started = time.time()
        gevent.spawn(_control, environment)
        gevent.spawn(_progress, environment)
        gevent.spawn(_sample_users, environment)


def _on_test_stop(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.send_message("dmcert_final", STATE.recording.drain().to_json())


def _on_quitting(environment: Environment, **_: Any) -> None:
    # Reached without _control having written: the process was told to stop (SIGTERM).
    if not isinstance(environment.runner, WorkerRunner):
        STATE.finished = STATE.finished or time.time()
        STATE.write("terminated", len(STATE.finals))


def _on_report_to_master(client_id: str, data: dict[str, Any]) -> None:
    if not STATE.recording.empty:
        data["dmcert"] = STATE.recording.drain().to_json()


def _on_worker_report(client_id: str, data: dict[str, Any]) -> None:
    if "dmcert" in data:
        STATE.recording.merge(Recording.from_json(data["dmcert"]))


def _on_final(environment: Environment, msg: Any, **_: Any) -> None:
    STATE.recording.merge(Recording.from_json(msg.data))
    STATE.finals.add(msg.node_id)


def _on_exhausted(environment: Environment, msg: Any, **_: Any) -> None:
    # A worker used its share of --max-requests; the run stops when all have.
    STATE.exhausted_workers.add(msg.node_id)
    if len(STATE.exhausted_workers) >= int(environment.parsed_options.expect_workers):
        STATE.request_stop("max_requests")


def _on_request(
    name: str,
    response_time: float,
    context: dict[str, Any],
    exception: BaseException | None,
    **_: Any,
) -> None:
    lateness = float(context.get("dmcert_lateness_ms", 0.0)) if context else 0.0
    rows = int(context.get("dmcert_rows", 0)) if context else 0
    error = None if exception is None else STATE.redactor.text(str(exception))[:200]
    STATE.recording.record(
        name, response_time + lateness, response_time, error=error, rows=rows, at=time.time()
    )


def _control(environment: Environment) -> None:
    """Master or local runner: stop at the time limit or when the request budget is spent,
    collect every worker's final histograms, write the recording, quit."""
    settings = STATE.settings
    STATE.stop_requested.wait(timeout=settings.duration_s)
    reason = STATE.stopped_by or "duration"
    runner = environment.runner
    workers = (
        [client.id for client in runner.clients.all] if isinstance(runner, MasterRunner) else []
    )
    runner.stop()
    STATE.finished = time.time()
    deadline = time.monotonic() + FINAL_REPORT_WAIT_S
    while not STATE.finals.issuperset(workers) and time.monotonic() < deadline:
        gevent.sleep(0.1)
    STATE.write(reason, len(workers))
    runner.quit()


def _progress(environment: Environment) -> None:
    """One machine-readable progress line every few seconds; `dmcert load` renders it."""
    while True:
        gevent.sleep(PROGRESS_INTERVAL_S)
        total = environment.runner.stats.total
        line = {
            "elapsed_s": round(time.time() - STATE.started, 1),
            "users": environment.runner.user_count,
            "requests": total.num_requests,
            "failures": total.num_failures,
            "rps": round(total.current_rps, 1),
            "p95_ms": total.get_current_response_time_percentile(0.95),
        }
        print(PROGRESS_MARK + json.dumps(line), flush=True)


USERS_SAMPLE_S = 0.25


def _sample_users(environment: Environment) -> None:
    """The most users active in each time bucket, for the throughput plot (the master's
    count covers every worker; only the master writes these counters)."""
    counters = STATE.recording.counters
    width = STATE.settings.bucket_s
    while True:
        bucket = int(time.time() // width) * width
        key = f"{USERS_COUNTER}{bucket}"
        counters[key] = max(counters.get(key, 0), environment.runner.user_count)
        gevent.sleep(USERS_SAMPLE_S)

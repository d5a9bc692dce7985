"""The Locust side of `dmcert load`, imported by every locustfile in load/.

It records each request in HDR histograms (latency from the intended start, so the open
model is corrected for coordinated omission), ships the histograms from workers to the
master, enforces the time and request bounds, prints a progress line every few seconds, and
writes the merged recording for the parent `dmcert` process. Only Locust processes import
this module (Locust monkey-patches the standard library with gevent).

Keys never travel in Locust options (the master forwards options to workers and shows them
in its reports): each process reads the keys file named by $DMCERT_LOAD_KEYS.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gevent
from gevent.event import Event
from locust import FastHttpUser, events
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

from dmcert.contract.redaction import Redactor
from dmcert.contract.target_profile import load_profile
from dmcert.load import checks
from dmcert.load.hdr import Recording
from dmcert.load.plan import (
    KEY_NAME_ENV,
    KEYS_ENV,
    PROGRESS_MARK,
    RECORDING_FILE,
    RunSettings,
)

BASE_PATH = "/api/integrations/v1"
PROGRESS_INTERVAL_S = 2.0
FINAL_REPORT_WAIT_S = 30.0
LIST_LIMIT = 200
WALK_LISTS = ("locations", "products", "orders", "inventory")
BULK_SOURCE = "erp_sync"
SENT_PAIRS_KEPT = 20_000  # window of upserted pairs a bulk user picks its updates from

log = logging.getLogger("dmcert.load")


class _Process:
    """This Locust process's share of the run: its recording, budget and schedule."""

    def __init__(self) -> None:
        self.settings: RunSettings | None = None
        self.recording = Recording()
        self.redactor = Redactor()
        self.key: str | None = None
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
            profile = load_profile(path)
        except Exception as exc:  # a UsageError, already one line
            self.key_problem = str(exc)
            return
        name = os.environ.get(KEY_NAME_ENV)
        key = profile.keys.get(name) if name else profile.full_key()
        if key is None:
            self.key_problem = f"no usable key {name or 'with integrations.*'} in {path}"
            return
        self.key = key.value
        self.redactor = Redactor(profile.secrets())

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


class ApiUser(FastHttpUser):
    """A user of the integrations API: one request per task, each validated and recorded.

    Closed model: Locust's loop with the run's wait time. Open model (`--rate`): each request
    waits for its slot in the process's fixed-rate schedule, and its latency counts from that
    slot, however late the user was to take it.
    """

    abstract = True
    connection_timeout = 10.0
    network_timeout = 60.0
    concurrency = 1  # one request in flight per user: connections = users

    def wait_time(self) -> float:
        settings = STATE.settings
        if settings is None or settings.open_model:
            return 0.0
        low, high = settings.wait
        return random.uniform(low, high)

    def on_start(self) -> None:
        if STATE.key is None:
            log.error("dmcert load: %s", STATE.key_problem)
            raise StopUser()
        self.settings = STATE.settings
        self.plan = self.settings.plan
        self.user_id = STATE.next_user()
        self.worker_id = max(0, self.environment.runner.worker_index)
        self.headers = {"X-API-Key": STATE.key}

    def call(
        self,
        method: str,
        path: str,
        name: str,
        *,
        json: Any = None,
        expect: int = 200,
        check: Callable[[Any], str | None] | None = None,
        rows: int = 0,
        scheduled: bool = True,
    ) -> Any:
        """Send one request under the base path; the decoded body, or None on failure."""
        if not STATE.spend(self.environment):
            gevent.sleep(self.settings.duration_s + 60)  # idle until the run stops
            raise StopUser()
        try:
            lateness_ms = self._wait_for_slot() if scheduled else 0.0
            return self._send(method, path, name, json, expect, check, rows, lateness_ms)
        finally:
            STATE.finish(self.environment)

    def _wait_for_slot(self) -> float:
        """Open model: sleep until this request's slot; how late (ms) it is sent."""
        if not self.settings.open_model:
            return 0.0
        slot = STATE.next_slot()
        delay = slot - time.monotonic()
        if delay > 0:
            gevent.sleep(delay)
        return max(0.0, (time.monotonic() - slot) * 1000)

    def _send(
        self,
        method: str,
        path: str,
        name: str,
        json: Any,
        expect: int,
        check: Callable[[Any], str | None] | None,
        rows: int,
        lateness_ms: float,
    ) -> Any:
        with self.client.request(
            method,
            BASE_PATH + path,
            name=name,
            json=json,
            headers=self.headers,
            catch_response=True,
            context={"dmcert_lateness_ms": lateness_ms},
        ) as response:
            body, problem = _judge(response, expect, check)
            if problem is not None:
                response.failure(problem)
                return None
            response.request_meta["context"]["dmcert_rows"] = rows
            response.success()
            return body


def _judge(
    response: Any, expect: int, check: Callable[[Any], str | None] | None
) -> tuple[Any, str | None]:
    status = response.status_code or 0
    if not status:
        error = getattr(response, "error", None)
        return None, f"connection error: {error.__class__.__name__ if error else 'no response'}"
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return None, f"HTTP {status}: body is not JSON"
    if status != expect:
        code = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            code = body["error"].get("code")
        return None, f"HTTP {status} {code or ''}".rstrip()
    problem = check(body) if check else None
    return body, problem


def encoded(identifier: str) -> str:
    return quote(identifier, safe="")


class ListWalker:
    """Full cursor walks of each list in turn, one page per step; a record seen twice in one
    walk fails the page that repeated it."""

    def __init__(self, user: ApiUser) -> None:
        self.user = user
        self.list_index = user.user_id % len(WALK_LISTS)  # users start on different lists
        self._reset()

    def _reset(self) -> None:
        self.cursor: str | None = None
        self.seen: set[Any] = set()

    def step(self) -> None:
        collection = WALK_LISTS[self.list_index]
        path = f"/{collection}/?limit={LIST_LIMIT}"
        if self.cursor:
            path += f"&cursor={encoded(self.cursor)}"
        new_ids: list[Any] = []

        def check(body: Any) -> str | None:
            problem = checks.page_problem(body, LIST_LIMIT)
            if problem:
                return problem
            ids = [checks.record_identity(collection, record) for record in body["data"]]
            if len(set(ids)) != len(ids) or self.seen.intersection(ids):
                STATE.recording.count("walk duplicates")
                return "list walk: a record appeared twice in one walk"
            new_ids.extend(ids)
            return None

        body = self.user.call("GET", path, f"GET /{collection}/", check=check)
        if body is None:  # failed page: abandon this walk, start the next list afresh
            self._next_list()
            return
        self.seen.update(new_ids)
        self.cursor = body["pagination"].get("next_cursor")
        if self.cursor is None:
            STATE.recording.count(f"walks {collection}")
            self._next_list()

    def _next_list(self) -> None:
        self.list_index = (self.list_index + 1) % len(WALK_LISTS)
        self._reset()


class BulkWriter:
    """POST /inventory/ batches of `batch_size` rows: half updates of pairs this user already
    wrote (when it has written that many), the rest creates of new pairs. Each user owns the
    locations it creates, so it knows exactly how many rows must be created and updated."""

    def __init__(self, user: ApiUser, batch_size: int) -> None:
        self.user = user
        self.batch_size = batch_size
        self.sent: deque[tuple[str, str]] = deque(maxlen=SENT_PAIRS_KEPT)
        self.fresh: deque[tuple[str, str]] = deque()
        self.locations_made = 0

    def step(self) -> None:
        updates = random.sample(list(self.sent), min(len(self.sent), self.batch_size // 2))
        creating = self.batch_size - len(updates)
        while len(self.fresh) < creating:
            if not self._new_location():
                return
        creates = [self.fresh.popleft() for _ in range(creating)]
        pairs = updates + creates
        random.shuffle(pairs)
        rows = [
            {"location_code": location, "sku_code": sku, "quantity": random.randrange(1000)}
            for location, sku in pairs
        ]
        body = self.user.call(
            "POST",
            "/inventory/",
            "POST /inventory/",
            json={"inventory": rows, "source": BULK_SOURCE},
            check=lambda body: checks.bulk_summary_problem(
                body, total=len(rows), created=len(creates), updated=len(updates)
            ),
            rows=len(rows),
        )
        if body is not None:
            self.sent.extend(creates)
        # On failure the new pairs are in an unknown state: they are never reused.

    def _new_location(self) -> bool:
        plan = self.user.plan
        code = plan.fresh_location(self.user.worker_id, self.user.user_id, self.locations_made)
        self.locations_made += 1
        created = self.user.call(
            "POST",
            "/locations/",
            "POST /locations/",
            json={"code": code, "name": "dmcert load"},
            expect=201,
            scheduled=False,
        )
        if created is None:
            return False
        self.fresh.extend((code, plan.sku(index)) for index in range(plan.products))
        return True


class Lookups:
    """GET /inventory/{code}/ by location and by SKU over the seeded rows."""

    def __init__(self, user: ApiUser) -> None:
        self.user = user
        self.plan = user.plan

    def by_location(self) -> None:
        code = self.plan.location(random.randrange(self.plan.locations))
        self.user.call(
            "GET",
            f"/inventory/{encoded(code)}/",
            "GET /inventory/{code}/",
            check=lambda body: checks.lookup_problem(
                body,
                field="location_code",
                identifier=code,
                at_least=self.plan.rows_per_location(),
            ),
        )

    def by_sku(self) -> None:
        sku = self.plan.sku(random.randrange(self.plan.skus_with_rows()))
        self.user.call(
            "GET",
            f"/inventory/{encoded(sku)}/?by=sku",
            "GET /inventory/{code}/?by=sku",
            check=lambda body: checks.lookup_problem(
                body, field="sku_code", identifier=sku, at_least=self.plan.locations
            ),
        )

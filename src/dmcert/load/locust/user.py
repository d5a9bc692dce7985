"""`ApiUser`: the Locust user every locustfile subclasses, and how it judges each response.

One request per task, sent under the spec's base path with the run's key, paced by the
closed model's wait or the open model's schedule, and counted against the request budget.
A response passes only with the expected status, a JSON body and, where the task gives
one, a body check (`checks`); anything else is a Locust failure with a short message free of
per-request values, so failures group into a few kinds.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import gevent
import orjson
from locust import FastHttpUser
from locust.exception import StopUser

from dmcert.contract.spec import BASE_PATH
from dmcert.load.locust import checks
from dmcert.load.locust.runtime import STATE

log = logging.getLogger("dmcert.load")
GENERATOR_LATE_S = 0.010  # a slept user woken this late: its process is overloaded


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
        page: int | None = None,
    ) -> Any:
        """Send one request under the base path; the decoded body, or None on failure.
        `page`: the answer is a list page of at most this many entries, decoded as a
        `checks.ListPage` (shape checked while parsing) rather than as plain JSON."""
        if not STATE.spend(self.environment):
            gevent.sleep(self.settings.duration_s + 60)  # idle until the run stops
            raise StopUser()
        try:
            lateness_ms = self._wait_for_slot() if scheduled else 0.0
            judged = (expect, check, page)
            return self._send(method, path, name, json, judged, rows, lateness_ms)
        finally:
            STATE.finish(self.environment)

    def _wait_for_slot(self) -> float:
        """Open model: sleep until this request's slot; how late (ms) it is sent.

        A user that reaches its slot late was busy with its previous request: the target's
        slowness, counted in the latency. A user that slept and woke late was kept waiting
        by this process itself: the generator could not keep up, which is counted apart."""
        if not self.settings.open_model:
            return 0.0
        slot = STATE.next_slot()
        delay = slot - time.monotonic()
        counters = STATE.recording.counters
        counters["open-model sends"] += 1
        if delay > 0:
            gevent.sleep(delay)
            if time.monotonic() - slot > GENERATOR_LATE_S:
                counters["generator late"] += 1
        return max(0.0, (time.monotonic() - slot) * 1000)

    def _send(
        self,
        method: str,
        path: str,
        name: str,
        json: Any,
        judged: tuple[int, Callable[[Any], str | None] | None, int | None],
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
            body, problem = _judge(response, *judged)
            if problem is not None:
                response.failure(problem)
                return None
            response.request_meta["context"]["dmcert_rows"] = rows
            response.success()
            return body


def _judge(
    response: Any, expect: int, check: Callable[[Any], str | None] | None, page: int | None
) -> tuple[Any, str | None]:
    status = response.status_code or 0
    if not status:
        error = getattr(response, "error", None)
        return None, f"connection error: {error.__class__.__name__ if error else 'no response'}"
    content = response.content or b"null"
    if status == expect and page is not None:
        body, problem = checks.decode_page(content, page)
        if problem is not None:
            return None, problem
    else:
        try:
            body = orjson.loads(content)  # ~5x the standard library's speed
        except orjson.JSONDecodeError:
            return None, f"HTTP {status}: body is not JSON"
        if status != expect:
            code = None
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                code = body["error"].get("code")
            return None, f"HTTP {status} {code or ''}".rstrip()
    problem = check(body) if check else None
    return body, problem

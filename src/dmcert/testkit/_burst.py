"""Bursts of concurrent requests: how a test makes clients race.

Each request of a burst goes over a connection of its own (a client of its own, opened
before the start) and waits at a barrier, so all are released together and really overlap
at the target. A request may be held back by a delay after the release, e.g. a retry sent
while the original is in flight. The burst keeps every request with its answer and its
start and end time, and that whole list is the evidence of a failed expectation: a reader
sees who raced whom.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from dmcert.testkit._client import ApiClient, Reply
from dmcert.testkit._transport import TargetDown, TargetNotAnswering

MAX_BURST = 16
"""At most this many requests per burst: well under the 50 in flight the gateway queues."""
_BARRIER_TIMEOUT = 10.0


@dataclass(frozen=True)
class Send:
    """One request of a burst, sent `delay` seconds after the release."""

    method: str
    path: str
    json: Any = ...
    delay: float = 0.0

    def describe(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Shot:
    """One sent request of a burst: its answer (None if the connection failed, then
    `error` says how) and when it started and ended, in ms after the release."""

    index: int
    send: Send
    started_ms: float
    ended_ms: float
    reply: Reply | None
    error: str | None = None

    @property
    def status(self) -> int | None:
        return self.reply.status if self.reply is not None else None

    def to_dict(self) -> dict[str, Any]:
        """An exchange as evidence, plus the shot's place and timing in the burst."""
        if self.reply is not None:
            exchange = self.reply.exchange.to_dict()
        else:
            body = None if self.send.json is ... else repr(self.send.json)
            exchange = {
                "method": self.send.method,
                "url": self.send.path,
                "request_headers": {},
                "request_body": body,
                "status": 0,
                "response_headers": {},
                "response_body": f"no answer: {self.error}",
            }
        timing = {"started_ms": round(self.started_ms, 1), "ended_ms": round(self.ended_ms, 1)}
        return {**exchange, "burst_index": self.index, **timing}

    def line(self) -> str:
        """`#3 PUT /products/X/ 1.2-14.8 ms -> 200`."""
        answer = self.reply.said.removeprefix("answered ") if self.reply else self.error
        span = f"{self.started_ms:.1f}-{self.ended_ms:.1f} ms"
        return f"#{self.index} {self.send.describe()} {span} -> {answer}"


@dataclass(frozen=True)
class Burst:
    """The shots of one burst, in the order they were planned."""

    shots: tuple[Shot, ...]

    @property
    def replies(self) -> list[Reply]:
        return [shot.reply for shot in self.shots if shot.reply is not None]

    @property
    def lost(self) -> list[Shot]:
        """The shots that got no answer."""
        return [shot for shot in self.shots if shot.reply is None]

    def answered(self, method: str) -> list[Shot]:
        return [s for s in self.shots if s.reply is not None and s.send.method == method]

    def statuses(self) -> list[int | None]:
        return [shot.status for shot in self.shots]

    def evidence(self) -> tuple[dict[str, Any], ...]:
        return tuple(shot.to_dict() for shot in self.shots)

    def timeline(self) -> str:
        """Every shot on one line each, for messages and debugging."""
        return "\n".join(shot.line() for shot in self.shots)


def fire(api: ApiClient, sends: Sequence[Send]) -> Burst:
    """Send `sends` concurrently, each over its own connection, released together."""
    if not 1 <= len(sends) <= MAX_BURST:
        raise ValueError(f"a burst has 1..{MAX_BURST} requests, not {len(sends)}")
    clients = [api.twin() for _ in sends]
    released: list[float] = []
    barrier = threading.Barrier(
        len(sends), action=lambda: released.append(time.perf_counter()), timeout=_BARRIER_TIMEOUT
    )

    def shoot(index: int) -> Shot:
        send, client = sends[index], clients[index]
        reply, error, started = None, None, None
        try:
            barrier.wait()
            time.sleep(send.delay)
            started = time.perf_counter()
            reply = client.request(send.method, send.path, json=send.json)
        except (TargetNotAnswering, TargetDown, threading.BrokenBarrierError) as exc:
            error = exc.__class__.__name__
        ended = time.perf_counter()
        zero = released[0] if released else ended
        began = zero if started is None else started
        return Shot(index, send, 1000 * (began - zero), 1000 * (ended - zero), reply, error)

    try:
        with ThreadPoolExecutor(max_workers=len(sends)) as pool:
            shots = tuple(pool.map(shoot, range(len(sends))))
    finally:
        for client in clients:
            client.close()
    return Burst(shots)

"""When the target gives no answer at all: a closed or reset connection, a refused connection
or a timeout. That is a finding about the target (ERR-004: no request may break the
service), reported with the request as evidence, never an empty test failure."""

from __future__ import annotations

from typing import Protocol

import httpx

from dmcert.testkit._exchange import Exchange


class TargetNotAnswering(Exception):
    """A request got no HTTP answer. The test that sent it could not run its checks."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__(exchange.summary())
        self.exchange = exchange


class ClosedWhileSending(Exception):
    """A request the target may refuse by closing the connection (an oversized body: RFC 9110
    §15.5.14 lets a server close rather than read on) got no HTTP answer. No finding: the
    target refused the request, and the check that sent it has no status to judge."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__(exchange.summary())
        self.exchange = exchange


CLOSED_CONNECTION = (httpx.WriteError, httpx.ReadError, httpx.RemoteProtocolError)
"""The transport errors of a connection the target closed or reset, as opposed to one it
refused (ConnectError) or a target that stayed silent (timeouts)."""


class TransportWatch(Protocol):
    """Who the client tells about answered and unanswered requests (the suite's outage
    tracking); `before_send` may refuse to send because the target is known to be down."""

    down: str | None  # why, once the target stopped answering for good

    def before_send(self) -> None: ...

    def answered(self, exchange: Exchange) -> None: ...

    def unanswered(self, exchange: Exchange) -> None: ...


def why_no_answer(error: Exception, timeout: float | None = None) -> str:
    """What the target did, in words, from the transport error the client saw."""
    if isinstance(error, httpx.TimeoutException):
        within = f" within {timeout:g} s" if timeout else ""
        return f"did not answer{within} ({type(error).__name__})"
    if isinstance(error, httpx.ConnectError):
        return f"refused the connection ({error or type(error).__name__})"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"closed the connection without a complete answer ({error})"
    if isinstance(error, httpx.ReadError | httpx.WriteError):
        return f"reset the connection ({error or type(error).__name__})"
    return f"gave no answer ({type(error).__name__}: {error})"


class TargetDown(Exception):
    """The target stopped answering earlier in the run and did not come back: the request
    was not sent, and the test that wanted it is not run."""

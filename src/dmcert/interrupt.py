"""Signals that end a run early, for `dmcert check` and `dmcert load` alike. SIGINT, SIGTERM
and SIGHUP all stop a run the way Ctrl-C stops pytest (a KeyboardInterrupt), so fixtures are
torn down, Locust is stopped, the embedded target is stopped and the reports are still
written, as INCOMPLETE; the exit code then says which signal it was (128 + its number). A
signal the process was started ignoring (`nohup`) stays ignored."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import FrameType

from dmcert.errors import EXIT_SIGNAL_BASE

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class _Signals:
    """What this process has been told: the signals received, whether the first one has
    been raised yet, and how many deferred() blocks are open."""

    received: list[int] = field(default_factory=list)
    delivered: bool = False
    holding: int = 0


_state = _Signals()
_previous: dict[int, object] = {}


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def install() -> None:
    """Turn the handled signals into Interrupted (idempotent; main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in HANDLED:
        current = signal.getsignal(signum)
        if current is _on_signal or current is signal.SIG_IGN:
            continue
        if not _previous:
            _state.received.clear()
            _state.delivered = False
        _previous[signum] = current
        signal.signal(signum, _on_signal)


def uninstall() -> None:
    """Give the signals back their previous handlers."""
    while _previous:
        signum, handler = _previous.popitem()
        signal.signal(signum, handler)


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    _state.received.append(signum)
    if not _state.holding:
        _deliver()
    # A second signal arrives while the run is already stopping: the cleanup (stopping the
    # embedded target, writing the reports) is bounded, so it is allowed to finish. A first
    # one inside `deferred()` is raised when that block ends.


def _deliver() -> None:
    """Raise Interrupted for the first signal, once."""
    if _state.received and not _state.delivered:
        _state.delivered = True
        raise Interrupted(_state.received[0])


@contextlib.contextmanager
def deferred(*, then_raise: bool = True) -> Iterator[None]:
    """Work a signal must not cut short (starting or stopping processes, cleaning up): a
    first signal that arrives inside is raised as Interrupted once the block is done, or,
    with then_raise=False (a `finally` that must not replace the result it guards), left
    pending for the next deferred block or for `received()`."""
    _state.holding += 1
    try:
        yield
    finally:
        _state.holding -= 1
    if then_raise and not _state.holding:
        _deliver()


def received() -> int | None:
    """The first signal that stopped this run, if one did."""
    return _state.received[0] if _state.received else None


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def exit_code(signum: int) -> int:
    return EXIT_SIGNAL_BASE + signum

"""Signals that end a run early, for `dmcert check` and `dmcert load` alike. SIGINT, SIGTERM
and SIGHUP all stop a run the way Ctrl-C stops pytest (a KeyboardInterrupt), so fixtures are
torn down, Locust is stopped, the embedded target is stopped and the reports are still
written, as INCOMPLETE; the exit code then says which signal it was (128 + its number). A
signal the process was started ignoring (`nohup`) stays ignored."""

from __future__ import annotations

import signal
import threading
from types import FrameType

from dmcert.errors import EXIT_SIGNAL_BASE

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_received: list[int] = []
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
            _received.clear()
        _previous[signum] = current
        signal.signal(signum, _on_signal)


def uninstall() -> None:
    """Give the signals back their previous handlers."""
    while _previous:
        signum, handler = _previous.popitem()
        signal.signal(signum, handler)


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    first = not _received
    _received.append(signum)
    if first:
        raise Interrupted(signum)
    # A second signal arrives while the run is already stopping: the cleanup (stopping the
    # embedded target, writing the reports) is bounded, so it is allowed to finish.


def received() -> int | None:
    """The first signal that stopped this run, if one did."""
    return _received[0] if _received else None


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def exit_code(signum: int) -> int:
    return EXIT_SIGNAL_BASE + signum

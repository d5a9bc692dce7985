"""dmcert.interrupt: a signal stops a run like Ctrl-C, except inside work it must not cut
short (deferred), where it is raised once that work is done, or left pending for the exit
code."""

from __future__ import annotations

import os
import signal

import pytest

from dmcert import interrupt


@pytest.fixture
def installed():
    interrupt.install()
    yield
    interrupt.uninstall()


def test_a_signal_is_raised_as_interrupted_at_once(installed):
    with pytest.raises(interrupt.Interrupted) as raised:
        os.kill(os.getpid(), signal.SIGTERM)
    assert raised.value.signum == signal.SIGTERM
    assert interrupt.received() == signal.SIGTERM


def test_a_signal_inside_deferred_work_is_raised_when_the_work_is_done(installed):
    done = []
    with pytest.raises(interrupt.Interrupted), interrupt.deferred():
        os.kill(os.getpid(), signal.SIGHUP)
        done.append("the rest of the work")
    assert done == ["the rest of the work"]


def test_a_held_signal_stays_pending_until_the_next_deferred_block(installed):
    with interrupt.deferred(then_raise=False):
        os.kill(os.getpid(), signal.SIGINT)
    assert interrupt.received() == signal.SIGINT
    with pytest.raises(interrupt.Interrupted), interrupt.deferred():
        pass
    with interrupt.deferred():  # raised once only
        pass


def test_a_second_signal_does_not_interrupt_the_stopping(installed):
    with pytest.raises(interrupt.Interrupted):
        os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGTERM)  # no exception: the cleanup is allowed to finish
    assert interrupt.received() == signal.SIGTERM

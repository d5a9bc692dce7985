"""Starting Locust for one run: a headless local runner, or a master and N local worker
processes (plus any remote workers that connect to the master), each a subprocess so
gevent's monkey-patching never touches the `dmcert` process.

The master's output is read line by line: progress lines are handed to a callback,
everything else goes to `locust.log` in the reports directory. A hard wall-clock limit
terminates every process that outlives it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from dmcert import interrupt
from dmcert.contract.redaction import Redactor
from dmcert.load.plan import KEY_NAME_ENV, KEYS_ENV, PROGRESS_MARK, RunSettings

STARTUP_ALLOWANCE_S = 60.0  # workers connecting, Locust importing
STOP_ALLOWANCE_S = 60.0  # users stopping, final reports arriving
TERMINATE_GRACE_S = 10.0
WORKERS_MAX_WAIT_S = 60


@dataclass(frozen=True)
class Launch:
    locustfile: Path
    target: str
    users: int
    spawn_rate: float
    settings: RunSettings
    reports: Path
    keys_path: Path
    key_name: str
    workers: int = 0
    remote_workers: int = 0
    master_bind: str = "127.0.0.1"
    master_port: int | None = None

    @property
    def distributed(self) -> bool:
        return self.workers + self.remote_workers > 0

    @property
    def hard_limit_s(self) -> float:
        return self.settings.duration_s + STARTUP_ALLOWANCE_S + STOP_ALLOWANCE_S


@dataclass(frozen=True)
class Outcome:
    exit_code: int | None
    hard_stopped: bool
    log_tail: list[str]
    interrupted: int | None = None
    """The signal that stopped dmcert during the run; Locust was then told to stop, and
    what it recorded up to then is in the recording."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def master_command(launch: Launch, port: int) -> list[str]:
    reports = launch.reports
    command = [
        sys.executable, "-m", "locust",
        "-f", str(launch.locustfile),
        "--headless",
        "--host", launch.target,
        "--users", str(launch.users),
        "--spawn-rate", str(launch.spawn_rate),
        "--only-summary",
        "--csv", str(reports / "locust"),
        "--html", str(reports / "locust.html"),
        "--exit-code-on-error", "0",
        "--loglevel", "INFO",
        "--dmcert-run", launch.settings.to_json(),
    ]  # fmt: skip
    if launch.distributed:
        command += [
            "--master",
            "--master-bind-host", launch.master_bind,
            "--master-bind-port", str(port),
            "--expect-workers", str(launch.workers + launch.remote_workers),
            "--expect-workers-max-wait", str(WORKERS_MAX_WAIT_S),
        ]  # fmt: skip
    return command


def worker_command(launch: Launch, port: int) -> list[str]:
    return [
        sys.executable, "-m", "locust",
        "-f", str(launch.locustfile),
        "--worker",
        "--master-host", "127.0.0.1",
        "--master-port", str(port),
        "--loglevel", "WARNING",
    ]  # fmt: skip


def run_locust(
    launch: Launch, redactor: Redactor, on_progress: Callable[[dict[str, Any]], None]
) -> Outcome:
    """Run Locust to completion (or to the hard limit) and return how it ended."""
    port = launch.master_port or free_port()
    env = {
        **os.environ,
        KEYS_ENV: str(launch.keys_path),
        KEY_NAME_ENV: launch.key_name,
        "PYTHONUNBUFFERED": "1",
    }
    scratch = Path(tempfile.mkdtemp(prefix="dmcert-load-"))
    workers: list[tuple[subprocess.Popen, IO[bytes], Path]] = []
    master: subprocess.Popen | None = None
    try:
        with interrupt.deferred():  # every process started is in hand before a signal acts
            master = subprocess.Popen(
                master_command(launch, port),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                text=True,
                bufsize=1,
            )
            for index in range(launch.workers):
                log_path = scratch / f"worker-{index + 1}.log"
                handle = log_path.open("wb")
                workers.append((_start_worker(launch, port, env, handle), handle, log_path))
        hard_stopped, tail, interrupted = _follow(master, launch, redactor, on_progress)
        with interrupt.deferred():
            for process, _, _ in workers:
                _finish(process, TERMINATE_GRACE_S)
        return Outcome(master.returncode, hard_stopped, tail, interrupted)
    finally:
        with interrupt.deferred(then_raise=False):  # no Locust process is left running
            for process in [master, *(process for process, _, _ in workers)]:
                if process is not None:
                    _finish(process, 0)
            for _, handle, log_path in workers:
                handle.close()
                _copy_redacted(log_path, launch.reports / log_path.name, redactor)
                log_path.unlink(missing_ok=True)
            shutil.rmtree(scratch, ignore_errors=True)


def _start_worker(launch: Launch, port: int, env: dict[str, str], log: IO[bytes]):
    return subprocess.Popen(
        worker_command(launch, port),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )


def _follow(
    master: subprocess.Popen,
    launch: Launch,
    redactor: Redactor,
    on_progress: Callable[[dict[str, Any]], None],
) -> tuple[bool, list[str], int | None]:
    """Relay the master's output until it ends. A signal to dmcert (dmcert.interrupt) tells
    Locust to stop: it writes what it recorded, and the run is reported as interrupted."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in master.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + launch.hard_limit_s
    tail: list[str] = []
    hard_stopped = False
    interrupted: int | None = None
    with (launch.reports / "locust.log").open("w", encoding="utf-8") as log:
        while True:
            try:
                remaining = deadline - time.monotonic()
                if remaining <= 0 and not (hard_stopped or interrupted):
                    hard_stopped = True
                    master.terminate()
                    deadline = time.monotonic() + TERMINATE_GRACE_S
                    continue
                if remaining <= 0:
                    master.kill()
                    break
                try:
                    line = lines.get(timeout=min(remaining, 1.0))
                except queue.Empty:
                    continue
                if line is None:
                    break
                if line.startswith(PROGRESS_MARK):
                    with contextlib.suppress(ValueError):
                        on_progress(json.loads(line[len(PROGRESS_MARK) :]))
                    continue
                text = redactor.text(line.rstrip("\n"))
                log.write(text + "\n")
                tail = [*tail[-19:], text]
            except KeyboardInterrupt as stop:
                if interrupted is None:
                    interrupted = getattr(stop, "signum", signal.SIGINT)
                    master.terminate()
                    deadline = time.monotonic() + TERMINATE_GRACE_S
    try:
        with interrupt.deferred():
            master.wait()
    except KeyboardInterrupt as stop:
        interrupted = interrupted or getattr(stop, "signum", signal.SIGINT)
    return hard_stopped, tail, interrupted


def _finish(process: subprocess.Popen, grace: float) -> None:
    if process.poll() is not None:
        return
    try:
        process.wait(grace)
        return
    except subprocess.TimeoutExpired:
        process.terminate()
    try:
        process.wait(TERMINATE_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _copy_redacted(source: Path, target: Path, redactor: Redactor) -> None:
    if source.exists():
        text = source.read_text(encoding="utf-8", errors="replace")
        target.write_text(redactor.text(text), encoding="utf-8")

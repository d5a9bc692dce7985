"""Shared fixtures of dmcert's own tests."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Completed:
    exit_code: int
    stdout: str
    stderr: str


def user_environment() -> dict[str, str]:
    """The environment a user's shell would give dmcert. Without PYTHONDONTWRITEBYTECODE,
    pytest caches its rewrite of the suite's plugins instead of redoing it (4 s) per run."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run_dmcert(*args: str, cwd: Path | None = None, timeout: float = 300) -> Completed:
    """Run the `dmcert` command as a user would, in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "dmcert", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
        env=user_environment(),
    )
    return Completed(proc.returncode, proc.stdout, proc.stderr)


def check_against(
    target, reports: Path, *extra: str, cwd: Path | None = None, timeout: float = 300
) -> Completed:
    """`dmcert check` as a user runs it against a running target (a RunningTarget)."""
    return run_dmcert(
        "check",
        "--target",
        target.url,
        "--keys",
        str(target.keys_path),
        "--reports",
        str(reports),
        *extra,
        cwd=cwd,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url() -> str:
    """The PostgreSQL server of the development and CI machines, or skip (fail in CI)."""
    url = os.environ.get("DMCERT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            pass
    except Exception as exc:  # any failure to connect means: not available here
        message = f"PostgreSQL not reachable at {url}: {exc.__class__.__name__}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must provide it)")
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def html_server():
    """A loopback web server that answers every GET with an HTML page (not this API)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Html(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>Welcome</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Html)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def pytest_terminal_summary(terminalreporter) -> None:
    from tests.self_validation.tally import write_tallies

    write_tallies(terminalreporter)


@contextlib.contextmanager
def machine_share(exclusive: bool, root: Path) -> Iterator[None]:
    """Under pytest-xdist: a test marked `timing` (it judges latencies, SLOs or capacity)
    runs while no other test of this session runs; every other test shares the machine.
    A reader-writer lock over two files, the writer preferred: a waiting timing test holds
    the gate, so no new test starts before it has run."""
    tag = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    base = Path(tempfile.gettempdir()) / f"dmcert-tests-{os.getuid()}-{tag}"
    with open(f"{base}.gate", "a") as gate, open(f"{base}.share", "a") as share:
        fcntl.flock(gate, fcntl.LOCK_EX)
        fcntl.flock(share, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        if not exclusive:
            fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(share, fcntl.LOCK_UN)
            fcntl.flock(gate, fcntl.LOCK_UN)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    exclusive = item.get_closest_marker("timing") is not None
    with machine_share(exclusive, item.config.rootpath):
        yield

"""A verdict a gate can trust: an interrupted run never passes and leaves nothing behind, a
target that stops answering is reported as exactly that, and the user's configuration
mistakes end before the first test in one line with exit 2 (issue 8)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dmcert.contract.redaction import Redactor
from dmcert.reference.server import RunningTarget
from dmcert.testkit import ApiClient, ClosedWhileSending, Exchange, TargetNotAnswering
from tests.conftest import check_against, run_dmcert, user_environment

DMCERT = [sys.executable, "-m", "dmcert"]
PYTEST_WITH_PLUGIN = [
    sys.executable,
    "-m",
    "pytest",
    "-p",
    "no:cacheprovider",
    "-p",
    "dmcert.suite.plugin",
]


def _environment(tmp: Path) -> dict[str, str]:
    """The user's environment with a private TMPDIR, so leftovers of this run are visible."""
    return {**user_environment(), "TMPDIR": str(tmp)}


def _children_of_run(tmp: Path) -> list[str]:
    """Processes whose command line names the run's private temp dir (the embedded target)."""
    found = subprocess.run(
        ["pgrep", "-af", str(tmp)], capture_output=True, text=True, check=False
    ).stdout
    return [line for line in found.splitlines() if "pgrep" not in line]


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "exit_code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_a_signal_mid_run_exits_128_plus_n_with_incomplete_reports_and_no_leftovers(
    tmp_path: Path, signum: int, exit_code: int
):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    reports = tmp_path / "reports"
    proc = subprocess.Popen(
        [*DMCERT, "check", "--quick", "--reports", str(reports)],
        cwd=tmp_path,
        env=_environment(scratch),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        # signal once the embedded target is up and the tests have begun
        assert _wait_for(lambda: _children_of_run(scratch), 60), "embedded target never started"
        time.sleep(3)
        os.kill(proc.pid, signum)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == exit_code, output[-3000:]
    document = json.loads((reports / "results.json").read_text())
    assert document["verdict"] == "incomplete"
    progress = document["progress"]
    assert progress["stopped_by"] == signal.Signals(signum).name
    assert progress["tests_run"] < progress["tests_collected"]
    assert "INCOMPLETE" in (reports / "report.html").read_text()
    assert (reports / "junit.xml").exists()
    assert "INCOMPLETE" in output
    verified = run_dmcert("verify", str(reports / "bundle.dmcert"), timeout=60)
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    assert "verdict: INCOMPLETE" in verified.stdout
    assert _wait_for(lambda: not _children_of_run(scratch), 10), _children_of_run(scratch)
    assert list(scratch.iterdir()) == []
    assert {p.name for p in tmp_path.iterdir()} == {"reports", "tmp"}


_STOPPED_WHERE_NO_LINE_IS_KNOWN = """
import os, signal, sys, time, types

import pytest


@pytest.mark.requirement("ENV-001")
def test_stopped_by_sigterm():
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
    except KeyboardInterrupt as exc:
        # the frame a signal can leave on Python 3.11: an instruction without a line number
        no_line = types.TracebackType(exc.__traceback__, sys._getframe(), 10**6, -1)
        raise exc.with_traceback(no_line)
"""


def test_a_stop_whose_traceback_pytest_cannot_render_is_still_an_incomplete_run(
    tmp_path: Path,
):
    (tmp_path / "test_stop.py").write_text(_STOPPED_WHERE_NO_LINE_IS_KNOWN)
    reports = tmp_path / "reports"
    proc = subprocess.run(
        [*PYTEST_WITH_PLUGIN, "--reports", str(reports), "test_stop.py"],
        cwd=tmp_path,
        env=user_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, output[-3000:]
    assert "TypeError" not in output
    progress = json.loads((reports / "results.json").read_text())["progress"]
    assert progress["stopped_by"] == "SIGTERM"
    assert "INCOMPLETE" in output


@pytest.mark.slow
def test_a_request_that_crashes_the_target_is_the_one_finding_and_later_tests_are_not_run(
    tmp_path: Path,
):
    with RunningTarget(faults=("crash_on_nested_json",)) as target:
        result = check_against(
            target,
            tmp_path / "reports",
            "-k",
            "test_malformed_bodies or test_envelope",
            "--max-examples",
            "2",
        )
    assert result.exit_code == 1, result.stdout[-3000:] + result.stderr[-2000:]
    document = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert document["verdict"] == "fail"
    (err004,) = [row for row in document["requirements"] if row["id"] == "ERR-004"]
    assert err004["verdict"] == "fail"
    (finding,) = err004["evidence"]
    assert finding["message"].startswith("the target stopped answering after POST ")
    assert "did not come back" in finding["message"]
    last = finding["exchanges"][-1]
    assert last["status"] == 0 and last["no_answer"] and last["request_body"].startswith("[[[")
    assert last["request_headers"]["x-api-key"] != target.profile.keys["full"].value
    outcomes = [test["outcome"] for test in document["tests"]]
    assert "not run" in outcomes
    assert "failed" not in outcomes and "error" not in outcomes
    assert document["progress"]["tests_not_run_target_down"] > 0
    failed = [row["id"] for row in document["requirements"] if row["verdict"] == "fail"]
    assert failed == ["ERR-004"]


@pytest.mark.slow
def test_a_dropped_connection_is_an_err_004_finding_with_its_request(tmp_path: Path):
    with RunningTarget(faults=("drop_connection_on_bad_json",)) as target:
        result = check_against(
            target, tmp_path / "reports", "--quick", "-k", "test_malformed_bodies"
        )
    assert result.exit_code == 1, result.stdout[-3000:] + result.stderr[-2000:]
    document = json.loads((tmp_path / "reports" / "results.json").read_text())
    (err004,) = [row for row in document["requirements"] if row["id"] == "ERR-004"]
    assert err004["verdict"] == "fail"
    assert err004["evidence"]
    for finding in err004["evidence"]:
        assert "got no answer: the target closed the connection" in finding["message"]
        (exchange,) = finding["exchanges"]
        assert exchange["status"] == 0 and exchange["request_body"] is not None
    assert document["progress"]["tests_not_run_target_down"] == len(err004["evidence"])


class _Watch:
    """The TransportWatch of a run, recording what the client reports."""

    down = None

    def __init__(self) -> None:
        self.unanswered_requests: list[Exchange] = []

    def before_send(self) -> None:
        pass

    def answered(self, exchange: Exchange) -> None:
        pass

    def unanswered(self, exchange: Exchange) -> None:
        self.unanswered_requests.append(exchange)


@contextlib.contextmanager
def _closing_server(answer: bytes) -> Iterator[str]:
    """A server that reads each request's headers only, writes `answer` (maybe nothing) and
    resets the connection while the client is still sending its body (SO_LINGER 0)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(4096)
                conn.sendall(answer)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


OVERSIZED = b"x" * 11_010_048
_TOO_LARGE_BODY = b'{"success": false, "error": {"code": "PAYLOAD_TOO_LARGE", "message": "x"}}'
TOO_LARGE = (
    b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nConnection: "
    b"close\r\nContent-Length: %d\r\n\r\n%s" % (len(_TOO_LARGE_BODY), _TOO_LARGE_BODY)
)


def test_a_connection_closed_on_an_oversized_body_is_no_err_004_finding():
    """LIM-001's request may be refused by closing the connection (RFC 9110 §15.5.14): a 413
    sent before the reset is read; a reset without one is ClosedWhileSending, and neither is
    reported to the outage watch. Any other request closed so is still ERR-004's."""
    with _closing_server(TOO_LARGE) as root:
        watch = _Watch()
        api = ApiClient(root, Redactor(), watch=watch)
        reply = api.post("/products/", content=OVERSIZED, may_close=True)
        assert (reply.status, reply.error_code) == (413, "PAYLOAD_TOO_LARGE")
        assert watch.unanswered_requests == []
    with _closing_server(b"") as root:
        watch = _Watch()
        api = ApiClient(root, Redactor(), watch=watch)
        with pytest.raises(ClosedWhileSending) as closed:
            api.post("/products/", content=OVERSIZED, may_close=True)
        assert closed.value.exchange.no_answer
        assert watch.unanswered_requests == []
        with pytest.raises(TargetNotAnswering):
            api.post("/products/", content=OVERSIZED)
        assert len(watch.unanswered_requests) == 1


def _keys(tmp_path: Path, text: str) -> Path:
    keys = tmp_path / "keys.toml"
    keys.write_text(text)
    return keys


def test_an_unknown_field_in_a_key_entry_is_named_with_exit_2(tmp_path: Path):
    keys = _keys(tmp_path, '[keys.full]\nkey = "k"\nscope = ["integrations.*"]\n')
    result = run_dmcert("check", "--target", "http://127.0.0.1:9", "--keys", str(keys))
    assert result.exit_code == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "[keys.full]" in result.stderr and "unknown field 'scope'" in result.stderr


def test_an_unwritable_reports_directory_is_exit_2_before_any_test(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_dmcert("check", "--quick", "--reports", str(blocker / "reports"), cwd=tmp_path)
    assert result.exit_code == 2, result.stdout[-2000:] + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot write there" in result.stderr
    assert result.stdout == ""


@pytest.mark.slow
def test_a_key_the_target_rejects_is_a_configuration_error_naming_it(tmp_path: Path):
    with RunningTarget() as target:
        full = target.profile.keys["full"]
        keys = _keys(
            tmp_path,
            f'[keys.full]\nkey = "{full.value}"\nscopes = ["integrations.*"]\n\n'
            '[keys.typo]\nkey = "not-a-key-of-this-target"\nscopes = ["integrations.*"]\n',
        )
        result = run_dmcert(
            "check", "--target", target.url, "--keys", str(keys), "--reports", str(tmp_path / "r")
        )
    assert result.exit_code == 2, result.stdout[-2000:] + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "'typo'" in result.stderr and "401" in result.stderr
    assert full.value not in result.stderr


@pytest.mark.slow
def test_the_run_ignores_modules_in_the_working_directory_and_leaves_no_litter(tmp_path: Path):
    (tmp_path / "secrets.py").write_text("raise ImportError('the user secrets.py was imported')\n")
    (tmp_path / "conftest.py").write_text(
        "raise ImportError('the user conftest.py was imported')\n"
    )
    reports = tmp_path / "reports"
    result = run_dmcert(
        "check", "--quick", "-k", "test_envelope", "--reports", str(reports), cwd=tmp_path
    )
    assert result.exit_code == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert {p.name for p in tmp_path.iterdir()} == {"secrets.py", "conftest.py", "reports"}


def test_a_test_that_breaks_on_a_bug_of_dmcert_is_an_internal_error_not_a_failure(
    tmp_path: Path,
):
    """A conformance test that raises anything but its checks' failure (here a TypeError) is
    dmcert's bug: its requirement is `error`, not `fail`, and the run is INCOMPLETE, which
    `dmcert check` turns into exit 4 — never blamed on the target."""
    suite = tmp_path / "suite"
    suite.mkdir()
    conformance = Path(__file__).resolve().parents[1] / "conformance"
    for name in ("conftest.py", "pytest.ini"):
        (suite / name).write_text((conformance / name).read_text(encoding="utf-8"))
    (suite / "test_broken.py").write_text(
        "import pytest\n\n\n"
        '@pytest.mark.requirement("PAG-004")\n'
        "def test_broken(expect):\n"
        '    expect("PAG-004", True, "held")\n'
        "    None + 1\n"
    )
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "pytest", str(suite), "-c", str(suite / "pytest.ini")]
    proc = subprocess.run(
        [*command, "--rootdir", str(suite), "-q", "--reports", str(reports)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=user_environment(),
        check=False,
    )
    document = json.loads((reports / "results.json").read_text(encoding="utf-8"))
    row = next(r for r in document["requirements"] if r["id"] == "PAG-004")
    assert row["verdict"] == "error", proc.stdout[-3000:]
    assert "TypeError" in " ".join(row["notes"])
    assert document["verdict"] == "incomplete"
    assert document["progress"]["internal_errors"] == 1
    assert "internal error of dmcert" in document["badge"]

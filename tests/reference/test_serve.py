"""`dmcert serve` as a user runs it: the ready line, clean exits on signals, one-line errors
with exit 2 for bad options, and a keys file whose keys the database never stores."""

from __future__ import annotations

import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dmcert.contract.target_profile import load_profile
from dmcert.contract.tls import client_context
from dmcert.reference.server import RunningTarget
from tests.conftest import run_dmcert

READY = re.compile(r"dmcert reference target ready at http://127\.0\.0\.1:(\d+)\n")


def start(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "dmcert", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    return process, line


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_prints_one_ready_line_serves_and_exits_0_on_signal(signum, tmp_path: Path):
    process, line = start("--keys-out", str(tmp_path / "keys.toml"))
    try:
        match = READY.fullmatch(line)
        assert match, line
        url = line.split()[-1]
        assert httpx.get(f"{url}/_reference/health").json() == {"status": "ok"}
        assert httpx.get(f"{url}/api/integrations/v1/orders/").status_code == 403
    finally:
        process.send_signal(signum)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert out == ""


def test_keys_file_is_private_complete_and_keys_are_stored_hashed(tmp_path: Path):
    keys = tmp_path / "keys.toml"
    database = tmp_path / "ref.db"
    process, line = start("--keys-out", str(keys), "--db", f"sqlite:///{database}")
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=10)
    assert READY.fullmatch(line)
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    profile = load_profile(keys)
    assert profile.keys["full"].scopes == ("integrations.*",)
    assert profile.keys["orders_all"].scopes == ("integrations.orders.*",)
    assert len(profile.keys["read_only"].scopes) == 4
    assert profile.keys["expired"].expired and profile.keys["revoked"].revoked
    assert all(re.fullmatch(r"sk_test_[\w-]{32}", k.value) for k in profile.keys.values())
    assert profile.admin_token and profile.shipped_order
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("ref.db*"))
    assert stored
    for key in profile.keys.values():
        assert key.value.encode() not in stored


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "no_such_fault"], "unknown fault: no_such_fault"),
        (["--variant", "no_such_variant"], "unknown variant: no_such_variant"),
        (["--db", "mysql://localhost/x"], "unsupported database"),
        (["--db", "::not a url::"], "not a database URL"),
        (["--db", "sqlite://"], "needs a file path"),
        (["--db", "postgresql://postgres@127.0.0.1:1/none"], "cannot use database"),
        (["--parent-pid", "1"], "is not the process that started dmcert serve"),
    ],
)
def test_bad_options_exit_2_with_one_line(args, message):
    result = run_dmcert("serve", "--port", "0", *args, timeout=60)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_a_port_in_use_exits_2(tmp_path: Path):
    with RunningTarget() as target:
        port = target.url.rsplit(":", 1)[1]
        result = run_dmcert("serve", "--port", port, timeout=60)
    assert result.exit_code == 2
    assert "cannot listen" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_running_target_reports_a_child_that_dies():
    with pytest.raises(RuntimeError, match="unknown fault"), RunningTarget(faults=("nope",)):
        pass


def test_running_target_stops_its_child():
    with RunningTarget() as target:
        process = target.process
        assert process.poll() is None
    assert process.poll() == 0


KILLED_RUN = """
import os, signal
from dmcert.reference.server import RunningTarget
target = RunningTarget().__enter__()
print(target.process.pid, target.keys_path.parent, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie waiting for its reaper."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def test_an_embedded_target_stops_and_cleans_up_when_its_run_is_killed():
    """SIGKILL gives a run no chance to stop its embedded target: the target notices its
    parent is gone, stops, and removes the run's scratch directory itself."""
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    pid, scratch = killed.stdout.split()
    deadline = time.monotonic() + 15
    while _running(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(int(pid))
    assert not Path(scratch).exists()


def test_tls_serves_https_with_hsts_and_no_plain_http(tmp_path: Path):
    """--tls: the keys file names the test CA, which verifies the server; every answer has
    HSTS; plain HTTP on the same port gets no HTTP answer at all."""
    keys = tmp_path / "keys.toml"
    process, line = start("--tls", "--keys-out", str(keys))
    try:
        assert re.fullmatch(r"dmcert reference target ready at https://127\.0\.0\.1:\d+\n", line)
        url = line.split()[-1]
        profile = load_profile(keys)
        assert profile.ca_file == tmp_path / "keys.ca.pem"
        assert "PRIVATE KEY" not in profile.ca_file.read_text()
        verified = client_context(profile.ca_file)
        response = httpx.get(f"{url}/api/integrations/v1/orders/", verify=verified)
        assert response.status_code == 403
        assert response.headers["strict-transport-security"] == "max-age=31536000"
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{url}/api/integrations/v1/orders/")
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http{url[5:]}/api/integrations/v1/orders/", timeout=5)
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err


def test_running_target_with_tls_removes_its_ca_file(tmp_path: Path):
    with RunningTarget(tls=True, keys_out=tmp_path / "keys.toml") as target:
        ca_file = target.profile.ca_file
        assert target.url.startswith("https://") and ca_file.is_file()
        assert target.audit_writes() == 0  # the admin routes verify against the test CA too
    assert not ca_file.exists()

"""Remote Locust workers, proven over a network: the reference target, the `dmcert load`
master and two workers each run in a Linux network namespace of their own (four "hosts"),
joined by veth links to a bridge, and the master's merged HDR statistics must hold every
request both workers made.

Needs root and `ip netns`. Where namespaces cannot be created the test is skipped with the
reason, except under CI=true, where it fails: CI runs as root, and a skip there would hide
a broken proof (the same rule as the PostgreSQL tests).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dmcert.load.workloads import WORKLOADS

pytestmark = [pytest.mark.slow, pytest.mark.netns]

SUBNET = "10.213.7"
HOSTS = {"target": 10, "master": 1, "worker-1": 2, "worker-2": 3}
TARGET_PORT = 8800
MASTER_PORT = 5557
START_TIMEOUT_S = 60


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI runs as root and must be able to create namespaces)")
    pytest.skip(reason)


class Network:
    """A bridge in a hub namespace and one namespace per host, linked to it by a veth pair."""

    def __init__(self) -> None:
        tag = f"{os.getpid() % 100000}"
        self.hub = f"dmc-hub-{tag}"
        self.namespaces = {host: f"dmc-{host[:1]}{host[-1]}-{tag}" for host in HOSTS}
        self.processes: list[subprocess.Popen] = []

    def create(self) -> None:
        ip("netns", "add", self.hub)
        ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
        ip("-n", self.hub, "link", "set", "br0", "up")
        for index, (host, namespace) in enumerate(self.namespaces.items()):
            ip("netns", "add", namespace)
            ip("-n", namespace, "link", "set", "lo", "up")
            near, far = f"h{index}", f"eth{index}"
            ip("-n", self.hub, "link", "add", near, "type", "veth", "peer", "name", far)
            ip("-n", self.hub, "link", "set", far, "netns", namespace)
            ip("-n", self.hub, "link", "set", near, "master", "br0")
            ip("-n", self.hub, "link", "set", near, "up")
            ip("-n", namespace, "addr", "add", f"{self.address(host)}/24", "dev", far)
            ip("-n", namespace, "link", "set", far, "up")

    def address(self, host: str) -> str:
        return f"{SUBNET}.{HOSTS[host]}"

    def start(self, host: str, command: list[str], log: Path, **env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            ["ip", "netns", "exec", self.namespaces[host], *command],
            stdin=subprocess.DEVNULL,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
        )
        self.processes.append(process)
        return process

    def destroy(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for namespace in [*self.namespaces.values(), self.hub]:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)


@pytest.fixture
def network() -> Iterator[Network]:
    if shutil.which("ip") is None:
        unavailable("no `ip` command (iproute2) on this machine")
    net = Network()
    try:
        net.create()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        net.destroy()
        detail = exc.stderr.decode(errors="replace").strip() if exc.stderr else str(exc)
        unavailable(f"cannot create network namespaces here: {detail}")
    try:
        yield net
    finally:
        net.destroy()  # always: a leftover namespace outlives the test run


def wait_for_line(log: Path, text: str, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if text in line:
                return line
        if process.poll() is not None:
            pytest.fail(f"exited {process.returncode}: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    pytest.fail(f"no {text!r} within {START_TIMEOUT_S} s: {log.read_text()[-2000:]}")


def test_master_and_two_workers_on_other_hosts_merge_their_statistics(
    network: Network, tmp_path: Path
):
    keys = tmp_path / "keys.toml"
    target_url = f"http://{network.address('target')}:{TARGET_PORT}"
    serve = network.start(
        "target",
        [sys.executable, "-m", "dmcert", "serve", "--host", network.address("target"),
         "--port", str(TARGET_PORT), "--keys-out", str(keys)],
        tmp_path / "target.log",
    )  # fmt: skip
    wait_for_line(tmp_path / "target.log", "ready at", serve)
    reports = tmp_path / "reports"
    master = network.start(
        "master",
        [sys.executable, "-m", "dmcert", "load", "lookup",
         "--target", target_url, "--keys", str(keys), "--reports", str(reports),
         "--remote-workers", "2", "--master-bind", network.address("master"),
         "--master-port", str(MASTER_PORT),
         "--users", "4", "--duration", "30s", "--max-requests", "120"],
        tmp_path / "master.log",
    )  # fmt: skip
    worker_command = [
        sys.executable, "-m", "locust", "-f", str(WORKLOADS["lookup"].locustfile), "--worker",
        "--master-host", network.address("master"), "--master-port", str(MASTER_PORT),
    ]  # fmt: skip
    workers = [
        network.start(host, worker_command, tmp_path / f"{host}.log", DMCERT_LOAD_KEYS=str(keys))
        for host in ("worker-1", "worker-2")
    ]
    exit_code = master.wait(240)
    log = (tmp_path / "master.log").read_text(errors="replace")
    assert exit_code == 0, log[-4000:]
    for worker in workers:
        assert worker.wait(30) == 0, "a worker did not quit with the master"

    summary = json.loads((reports / "summary.json").read_text())
    assert summary["workers"] == {"expected": 2, "final_reports": 2}
    assert summary["environment"]["workers"] == {"local": 0, "remote": 2}
    # each worker stops at its share (60) of the cap; the run stops when both have
    assert summary["stopped_by"] == "max_requests"
    assert summary["total"]["requests"] == 120 and summary["total"]["failures"] == 0
    merged = sum(stats["requests"] for stats in summary["endpoints"].values())
    assert merged == 120
    with (reports / "locust_stats.csv").open(newline="") as handle:
        aggregated = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    assert int(aggregated["Request Count"]) == 120  # Locust's own count agrees with the HDR one
    latency = summary["total"]["latency_ms"]
    assert 0 < latency["p50"] <= latency["p99"] <= latency["max"]
    for host in ("worker-1", "worker-2"):
        connected = (tmp_path / f"{host}.log").read_text(errors="replace")
        assert "Traceback" not in connected, connected[-2000:]

"""Generator ceiling: how many requests/s dmcert's Locust generator drives, next to bare
Locust and wrk, against a server that costs nearly nothing (nginx serving a fixed page),
so the figures are the generators' own.

    python benchmarks/load_generator.py [--connections 8] [--seconds 5] [--repeats 3]
        [--reference]

nginx (Debian package; installed with apt-get when absent) runs with its own configuration
in a temporary directory, one worker process, on a free loopback port, serving a fixed
50-row page of locations as the reference target renders it. Each of these runs `--repeats`
times for `--seconds` with `--connections` connections, in turn within each round, and the
median req/s is printed:
- wrk, 1 thread (Debian package, installed when absent);
- bare Locust: FastHttpUser with a plain GET, nothing checked (benchmarks/locust_bare.py),
  one process;
- dmcert's list-page user (benchmarks/locust_list_page.py): every response's status, JSON
  body and page shape checked and recorded in HDR histograms, as the workloads do; one
  process.
The ratios dmcert / bare Locust and dmcert / wrk are measured within the same rounds, so a
busy machine slows all three alike. `--reference` adds the older run against the reference
target (SQLite), where the target is the ceiling, not the generator.
No assertion is made on speed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from dmcert.contract.redaction import Redactor
from dmcert.contract.spec import BASE_PATH
from dmcert.load.dataset import ApiSession, prepare
from dmcert.load.launcher import Launch, free_port, run_locust
from dmcert.load.plan import RECORDING_FILE, DataPlan, RunSettings, new_run_prefix
from dmcert.load.workloads import LIST_PAGE_LIMIT
from dmcert.reference.server import RunningTarget

PATH = f"{BASE_PATH}/locations/?limit={LIST_PAGE_LIMIT}"
STATIC_ROWS = 50
STATIC_PATH = f"{BASE_PATH}/locations/?limit={STATIC_ROWS}"
HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "locust_list_page.py"
BARE_LOCUSTFILE = HERE / "locust_bare.py"
# wrk reads the key from the environment, so it never appears in a process listing.
WRK_SCRIPT = 'wrk.headers["X-API-Key"] = os.getenv("DMCERT_BENCH_KEY")\n'
NGINX_CONF = """worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 60s;
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp; uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = {path} {{
            default_type application/json;
            try_files /page.json =404;
        }}
    }}
}}
"""


def ensure_package(command: str, package: str) -> str:
    """The command, installed from the Debian package when absent (benchmarks may install)."""
    found = shutil.which(command)
    if found:
        return found
    install = ["apt-get", "install", "-y", "-q", package]
    if subprocess.run(install, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=True)
        subprocess.run(install, capture_output=True, check=True)
    return shutil.which(command) or sys.exit(f"{command} could not be installed")


class StaticServer:
    """nginx serving one fixed page on a free loopback port, started and stopped here."""

    def __init__(self, nginx: str, page: bytes, scratch: Path) -> None:
        self.root = scratch / "nginx"
        (self.root / "tmp").mkdir(parents=True)
        (self.root / "page.json").write_bytes(page)
        for folder in (scratch, self.root):  # nginx's worker runs as an unprivileged user
            folder.chmod(0o755)
        self.port = free_port()
        conf = self.root / "nginx.conf"
        path = STATIC_PATH.split("?")[0]
        conf.write_text(NGINX_CONF.format(root=self.root, port=self.port, path=path))
        self.process = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(self.root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                if httpx.get(self.url + STATIC_PATH, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        sys.exit(f"nginx did not serve the page; see {self.root / 'error.log'}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def reference_page(target: RunningTarget) -> bytes:
    """A 50-row page of locations exactly as the reference target renders it."""
    key = target.profile.full_key().value
    session = ApiSession(target.url, key)
    prepare(session, DataPlan(new_run_prefix(), locations=STATIC_ROWS))
    session.close()
    response = httpx.get(target.url + STATIC_PATH, headers={"X-API-Key": key}, timeout=30)
    response.raise_for_status()
    page = response.json()
    page["pagination"]["next_cursor"] = None  # one fixed page, no walk
    return json.dumps(page).encode()


def wrk_rps(
    wrk: str, url: str, key: str, connections: int, seconds: int, scratch: Path, threads: int
) -> float:
    script = scratch / "key.lua"
    script.write_text(WRK_SCRIPT)
    output = subprocess.run(
        [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
         "-s", str(script), url],
        capture_output=True,
        text=True,
        env={**os.environ, "DMCERT_BENCH_KEY": key},
        check=True,
    ).stdout  # fmt: skip
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        sys.exit(f"wrk got {non_2xx.group(1)} non-2xx answers: the key was not accepted")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def aggregated_rps(stats_csv: Path) -> tuple[float, int]:
    """Locust's own Aggregated req/s and failure count from its stats CSV."""
    with stats_csv.open(newline="") as handle:
        row = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    return float(row["Requests/s"]), int(row["Failure Count"])


def bare_locust_rps(url: str, connections: int, seconds: int, scratch: Path) -> tuple[float, int]:
    reports = Path(tempfile.mkdtemp(dir=scratch))
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(BARE_LOCUSTFILE), "--headless",
         "--host", url, "--users", str(connections), "--spawn-rate", "1000",
         "--run-time", f"{seconds}s", "--only-summary", "--csv", str(reports / "locust"),
         "--loglevel", "WARNING"],
        capture_output=True,
        check=True,
        timeout=seconds + 120,
    )  # fmt: skip
    return aggregated_rps(reports / "locust_stats.csv")


def dmcert_locust_rps(
    url: str, keys_path: Path, key_name: str, secrets: list[str], connections: int,
    seconds: int, workers: int, scratch: Path, locust_csv: bool = False,
) -> tuple[float, int]:  # fmt: skip
    """dmcert's list-page user: req/s from its own recording (or Locust's CSV, to compare
    like with like against bare Locust), and its failures."""
    reports = Path(tempfile.mkdtemp(dir=scratch))
    settings = RunSettings(
        workload="bench", plan=DataPlan("unused-"), duration_s=seconds, out=str(reports)
    )
    launch = Launch(
        locustfile=LOCUSTFILE,
        target=url,
        users=connections,
        spawn_rate=1000,
        settings=settings,
        reports=reports,
        keys_path=keys_path,
        key_name=key_name,
        workers=workers,
    )
    run_locust(launch, Redactor(secrets), lambda line: None)
    if locust_csv:
        return aggregated_rps(reports / "locust_stats.csv")
    document = json.loads((reports / RECORDING_FILE).read_text())
    record = document["recording"]["endpoints"]["GET /locations/"]
    elapsed = document["finished"] - document["started"]
    return record["requests"] / elapsed, record["failures"]


def list_walk_rps(target: RunningTarget, connections: int, seconds: int, scratch: Path) -> float:
    reports = Path(tempfile.mkdtemp(dir=scratch))
    command = [
        sys.executable, "-m", "dmcert", "load", "list_walk",
        "--target", target.url, "--keys", str(target.keys_path),
        "--users", str(connections), "--spawn-rate", "1000",
        "--duration", f"{seconds}s", "--reports", str(reports),
    ]  # fmt: skip
    subprocess.run(command, capture_output=True, check=False)
    return json.loads((reports / "summary.json").read_text())["total"]["rps"]


def report(title: str, figures: dict[str, list[float]], baseline: str) -> dict[str, float]:
    medians = {name: statistics.median(values) for name, values in figures.items()}
    print(title)
    for name, values in figures.items():
        runs = ", ".join(f"{value:.0f}" for value in values)
        ratio = medians[name] / medians[baseline]
        print(f"  {name:<26} median {medians[name]:9.1f} req/s  ({runs})  / {baseline} {ratio:.2f}")
    return medians


def static_run(args: argparse.Namespace, wrk: str, nginx: str, scratch: Path) -> None:
    with RunningTarget() as target:
        page = reference_page(target)
        keys_path, profile = target.keys_path, target.profile
        key = profile.full_key()
        server = StaticServer(nginx, page, scratch)
        try:
            c, s, n = args.connections, args.seconds, args.repeats
            figures: dict[str, list[float]] = {"wrk, 1 thread": [], "bare Locust": [],
                                               "dmcert list-page user": []}  # fmt: skip
            failures = 0
            url = server.url
            for _ in range(n):
                figures["wrk, 1 thread"].append(
                    wrk_rps(wrk, url + STATIC_PATH, key.value, c, s, scratch, threads=1)
                )
                rps, failed = bare_locust_rps(url, c, s, scratch)
                figures["bare Locust"].append(rps)
                rps, failed_d = dmcert_locust_rps(
                    url, keys_path, key.name, profile.secrets(), c, s, 0, scratch,
                    locust_csv=True,
                )  # fmt: skip
                figures["dmcert list-page user"].append(rps)
                failures += failed + failed_d
        finally:
            server.stop()
    medians = report(
        f"nginx static {STATIC_ROWS}-row page ({len(page):,} bytes), {c} connections, one "
        f"process each, {s} s x {n}; {os.cpu_count()} CPUs; load before: {args.load_before}",
        figures,
        "bare Locust",
    )
    dmcert = medians["dmcert list-page user"]
    print(f"  dmcert / bare Locust {dmcert / medians['bare Locust']:.2f}; "
          f"dmcert / wrk {dmcert / medians['wrk, 1 thread']:.3f}; failures {failures}")  # fmt: skip


def reference_run(args: argparse.Namespace, wrk: str, scratch: Path) -> None:
    with RunningTarget() as target:
        key = target.profile.full_key()
        session = ApiSession(target.url, key.value)
        prepare(session, DataPlan(new_run_prefix(), locations=200))
        session.close()
        c, s, n = args.connections, args.seconds, args.repeats
        figures: dict[str, list[float]] = {
            "wrk": [], "locust, 1 process": [], "locust, 2 workers": [], "list_walk": []
        }  # fmt: skip
        secrets = target.profile.secrets()
        for _ in range(n):
            figures["wrk"].append(
                wrk_rps(wrk, target.url + PATH, key.value, c, s, scratch, threads=2)
            )
            for workers, name in ((0, "locust, 1 process"), (2, "locust, 2 workers")):
                rps, _ = dmcert_locust_rps(
                    target.url, target.keys_path, key.name, secrets, c, s, workers, scratch
                )
                figures[name].append(rps)
            figures["list_walk"].append(list_walk_rps(target, c, s, scratch))
    report(f"GET {PATH} on the reference target (SQLite), {c} connections, {s} s x {n}",
           figures, "wrk")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference", action="store_true", help="also the reference target")
    args = parser.parse_args()
    args.load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    wrk = ensure_package("wrk", "wrk")
    nginx = ensure_package("nginx", "nginx")
    scratch = Path(tempfile.mkdtemp(prefix="dmcert-bench-"))
    try:
        static_run(args, wrk, nginx, scratch)
        if args.reference:
            reference_run(args, wrk, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

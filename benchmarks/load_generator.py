"""Generator ceiling: how many requests/s dmcert's Locust generator drives against the
reference target, next to wrk on the same endpoint with the same number of connections.

    python benchmarks/load_generator.py [--connections 8] [--seconds 5] [--repeats 3]

Against one reference target (`dmcert serve` on loopback, SQLite) holding a full page of
locations, each of these runs `--repeats` times for `--seconds`, and the median req/s is
printed:
- wrk (Debian package; installed with apt-get when absent) on GET /locations/?limit=200,
  `--connections` connections, 2 threads;
- dmcert's Locust generator on the same request with as many users (one connection each,
  no wait), one Locust process, and again with 2 worker processes;
- the list_walk workload (`dmcert load list_walk`) with as many users, for context: it walks
  four lists with cursors, so its requests differ from wrk's.
A ratio near 1 means the generator is not the bottleneck: the target is. On a 2-core
machine the target, the generator and wrk share the cores, so each figure is the ceiling
of that whole setup, not of the generator alone. No assertion is made on speed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from dmcert.contract.redaction import Redactor
from dmcert.contract.spec import BASE_PATH
from dmcert.load.dataset import ApiSession, prepare
from dmcert.load.launcher import Launch, run_locust
from dmcert.load.plan import RECORDING_FILE, DataPlan, RunSettings, new_run_prefix
from dmcert.load.workloads import LIST_PAGE_LIMIT
from dmcert.reference.server import RunningTarget

PATH = f"{BASE_PATH}/locations/?limit={LIST_PAGE_LIMIT}"
LOCUSTFILE = Path(__file__).resolve().parent / "locust_list_page.py"
# wrk reads the key from the environment, so it never appears in a process listing.
WRK_SCRIPT = 'wrk.headers["X-API-Key"] = os.getenv("DMCERT_BENCH_KEY")\n'


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=True)
        subprocess.run(install, capture_output=True, check=True)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def wrk_rps(wrk: str, url: str, key: str, connections: int, seconds: int, scratch: Path) -> float:
    script = scratch / "key.lua"
    script.write_text(WRK_SCRIPT)
    output = subprocess.run(
        [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        env={**os.environ, "DMCERT_BENCH_KEY": key},
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        sys.exit(f"wrk got {non_2xx.group(1)} non-2xx answers: the key was not accepted")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def locust_rps(
    target: RunningTarget, connections: int, seconds: int, workers: int, scratch: Path
) -> tuple[float, int]:
    reports = Path(tempfile.mkdtemp(dir=scratch))
    settings = RunSettings(
        workload="bench", plan=DataPlan("unused-"), duration_s=seconds, out=str(reports)
    )
    launch = Launch(
        locustfile=LOCUSTFILE,
        target=target.url,
        users=connections,
        spawn_rate=1000,
        settings=settings,
        reports=reports,
        keys_path=target.keys_path,
        key_name=target.profile.full_key().name,
        workers=workers,
    )
    run_locust(launch, Redactor(target.profile.secrets()), lambda line: None)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    wrk = ensure_wrk()
    scratch = Path(tempfile.mkdtemp(prefix="dmcert-bench-"))
    try:
        with RunningTarget() as target:
            key = target.profile.full_key().value
            session = ApiSession(target.url, key)
            prepare(session, DataPlan(new_run_prefix(), locations=200))
            session.close()
            c, s, n = args.connections, args.seconds, args.repeats
            figures: dict[str, list[float]] = {
                "wrk": [], "locust, 1 process": [], "locust, 2 workers": [], "list_walk": []
            }  # fmt: skip
            failures = 0
            for _ in range(n):
                figures["wrk"].append(wrk_rps(wrk, target.url + PATH, key, c, s, scratch))
                rps, failed = locust_rps(target, c, s, 0, scratch)
                figures["locust, 1 process"].append(rps)
                rps, failed_w = locust_rps(target, c, s, 2, scratch)
                figures["locust, 2 workers"].append(rps)
                failures += failed + failed_w
                figures["list_walk"].append(list_walk_rps(target, c, s, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    medians = {name: statistics.median(values) for name, values in figures.items()}
    print(f"GET {PATH} on the reference target (SQLite), {c} connections, {s} s x {n}")
    print(f"{os.cpu_count()} CPUs shared by the target, the generator and wrk")
    for name, values in figures.items():
        runs = ", ".join(f"{value:.0f}" for value in values)
        ratio = medians[name] / medians["wrk"]
        print(f"  {name:<18} median {medians[name]:8.1f} req/s  ({runs})  ratio to wrk {ratio:.2f}")
    print(f"  locust failures: {failures}")


if __name__ == "__main__":
    main()

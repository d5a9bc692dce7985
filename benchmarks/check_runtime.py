"""How long `dmcert check` takes against the embedded reference target, as a user sees it
(wall clock from the command to its exit, server start included).

    python benchmarks/check_runtime.py [--repeats 3]

Prints the median and the spread of the default run and of `--quick`; the targets are
under 60 s and under 15 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def wall_seconds(*flags: str) -> float:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as reports:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "dmcert", "check", "--reports", reports, *flags],
            capture_output=True,
            env=environment,
            check=False,
        )
        elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"dmcert check {' '.join(flags)} exited {proc.returncode}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    wall_seconds("--quick", "-k", "test_auth")  # warm the byte-code caches once
    for label, flags in (("default", ()), ("--quick", ("--quick",))):
        runs = [wall_seconds(*flags) for _ in range(args.repeats)]
        print(
            f"dmcert check {label:9} median {statistics.median(runs):5.1f} s "
            f"(min {min(runs):.1f}, max {max(runs):.1f}, n={len(runs)})"
        )


if __name__ == "__main__":
    main()

"""`dmcert check`: validate the arguments, make sure the target is this API, run the suite
under pytest, and turn the per-requirement verdicts into the documented exit code."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pytest

from dmcert.contract.files import data_dir
from dmcert.contract.probe import normalise_target, probe
from dmcert.contract.requirements import load_requirements, select
from dmcert.contract.target_profile import load_profile
from dmcert.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from dmcert.options import check_target_and_keys, reports_dir

QUICK_MAX_EXAMPLES = 5


def check_command(args: argparse.Namespace) -> int:
    check_target_and_keys(args.target, args.keys)
    if args.max_examples is not None and args.max_examples < 1:
        raise UsageError("--max-examples must be at least 1")
    try:
        select(load_requirements(), args.requirement)
    except ValueError as exc:
        raise UsageError(f"--requirement: {exc}") from None
    if args.target:
        target = normalise_target(args.target)
        profile = load_profile(args.keys)  # fail on a bad keys file before anything runs
        probe(target, ca_file=profile.ca_file)
    reports = reports_dir(args.reports)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    status = pytest.main(_pytest_args(args, reports, seed))
    return _exit_code(reports, status)


def _pytest_args(args: argparse.Namespace, reports: Path, seed: int) -> list[str]:
    suite = data_dir("conformance")
    argv = [
        str(suite),
        "-c",
        str(suite / "pytest.ini"),
        "--rootdir",
        str(suite),
        "-q",
        f"--junitxml={reports / 'junit.xml'}",
        "--reports",
        str(reports),
        "--seed",
        str(seed),
        f"--hypothesis-seed={seed}",
    ]
    if args.target:
        argv += ["--target", args.target, "--keys", args.keys]
    max_examples = args.max_examples or (QUICK_MAX_EXAMPLES if args.quick else None)
    if max_examples:
        argv += ["--max-examples", str(max_examples)]
    argv += [
        flag
        for flag, on in (
            ("--read-only", args.read_only),
            ("--dmcert-strict", args.strict),
            ("--quick", args.quick),
        )
        if on
    ]
    if args.select:
        argv += ["-k", args.select]
    for selector in args.requirement:
        argv += ["--requirement", selector]
    return argv


def _exit_code(reports: Path, pytest_status: int) -> int:
    results = reports / "results.json"
    if (
        pytest_status in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERRUPTED)
        and not results.exists()
    ):
        return EXIT_USAGE
    if not results.exists():
        return EXIT_FAILED
    verdict = json.loads(results.read_text(encoding="utf-8"))["verdict"]
    return EXIT_OK if verdict == "pass" else EXIT_FAILED

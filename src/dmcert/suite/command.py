"""`dmcert check`: validate the arguments, make sure the target is this API, run the suite
under pytest, and turn the per-requirement verdicts into the documented exit code.

Exit codes (README, `dmcert check --help`): 0 conforms, 1 does not conform, 2 usage or
configuration error, 3 target unreachable or not this API, 4 internal error of dmcert,
128 + N interrupted by signal N. A run that did not complete never exits 0.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pytest

from dmcert import interrupt
from dmcert.contract.files import data_dir
from dmcert.contract.probe import normalise_target, probe
from dmcert.contract.requirements import load_requirements, select
from dmcert.contract.target_profile import TargetProfile, load_profile
from dmcert.errors import EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError
from dmcert.options import (
    certification_options,
    check_target_and_keys,
    create_reports_dir,
    reports_dir,
)
from dmcert.suite import preflight
from dmcert.suite.report import clear_reports, write_junit_placeholder, write_reports
from dmcert.suite.run import Run
from dmcert.suite.verdicts import aggregate

QUICK_MAX_EXAMPLES = 5


def check_command(args: argparse.Namespace) -> int:
    check_target_and_keys(args.target, args.keys)
    if args.max_examples is not None and args.max_examples < 1:
        raise UsageError("--max-examples must be at least 1")
    try:
        select(load_requirements(), args.requirement)
    except ValueError as exc:
        raise UsageError(f"--requirement: {exc}") from None
    certification = certification_options(args.bundle, args.sign_key, args.waivers)
    reports = reports_dir(args.reports)
    create_reports_dir(reports)
    clear_reports(reports, certification["bundle"])
    if args.target:
        target = normalise_target(args.target)
        profile = load_profile(args.keys)  # fail on a bad keys file before anything runs
        preflight.check_usable_key(profile)
        probe(target, ca_file=profile.ca_file)
        preflight.check_keys_accepted(target, profile)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    interrupt.install()
    try:
        try:
            status = pytest.main(_pytest_args(args, reports, seed))
        except KeyboardInterrupt:  # before pytest's session began: its reports are ours to write
            status = pytest.ExitCode.INTERRUPTED
        except Exception:
            if interrupt.received() is None:
                raise
            status = pytest.ExitCode.INTERRUPTED  # pytest broke while stopping: still a stop
        return _exit_code(args, reports, seed, status)
    finally:
        interrupt.uninstall()


def _pytest_args(args: argparse.Namespace, reports: Path, seed: int) -> list[str]:
    suite = data_dir("conformance")
    argv = [
        str(suite),
        "-c",
        str(suite / "pytest.ini"),
        "--rootdir",
        str(suite),
        "--confcutdir",
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
    for option in ("bundle", "sign_key", "waivers"):
        if getattr(args, option):
            argv += [f"--{option.replace('_', '-')}", getattr(args, option)]
    return argv


def _exit_code(args: argparse.Namespace, reports: Path, seed: int, pytest_status: int) -> int:
    """The documented exit code of the run pytest ended with `pytest_status`."""
    results = reports / "results.json"
    signum = interrupt.received()
    if signum is not None:
        if not results.exists():
            _write_unstarted_reports(args, reports, seed, interrupt.signal_name(signum))
        return interrupt.exit_code(signum)
    if pytest_status == pytest.ExitCode.USAGE_ERROR and not results.exists():
        return EXIT_USAGE
    if pytest_status in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.INTERRUPTED):
        if not results.exists():
            _write_unstarted_reports(args, reports, seed, "internal error")
        return EXIT_INTERNAL  # a crash or a collection error of the suite, not the target's
    if not results.exists():
        return EXIT_INTERNAL
    verdict = json.loads(results.read_text(encoding="utf-8"))["verdict"]
    if verdict == "pass":
        return EXIT_OK
    return EXIT_FAILED if verdict == "fail" else EXIT_INTERNAL


def _write_unstarted_reports(
    args: argparse.Namespace, reports: Path, seed: int, stopped_by: str
) -> None:
    """Reports of a run stopped before the suite's plugin could write them: INCOMPLETE,
    with no test run, so that no earlier or missing file can be read as a verdict."""
    run = Run(
        target=args.target or "embedded reference target",
        profile=load_profile(args.keys) if args.keys else TargetProfile(),
        embedded=not args.target,
        reports=reports,
        strict=args.strict,
        read_only=args.read_only,
        quick=args.quick,
        seed=seed,
        max_examples=args.max_examples,
        **certification_options(args.bundle, args.sign_key, args.waivers),
    )
    run.progress.stopped_by = stopped_by
    results = aggregate(list(load_requirements().values()), [], [], strict=args.strict)
    write_junit_placeholder(reports)
    written = write_reports(run, results, [])
    print(f"bundle: {written.paths['bundle']} sha256:{written.bundle_sha256}")

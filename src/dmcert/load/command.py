"""`dmcert load WORKLOAD`: validate, reach the target (or start the reference target),
prepare the data set, run Locust headless, clean up, then gate on the SLOs.

Exit 0: every SLO met. 1: an SLO breached, or the run could not be carried out. 2: usage.
3: target unreachable.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

from rich.console import Console

from dmcert import __version__, interrupt
from dmcert.contract.files import data_dir
from dmcert.contract.probe import normalise_target, probe
from dmcert.contract.redaction import Redactor
from dmcert.contract.target_profile import ApiKey, TargetProfile, load_profile
from dmcert.errors import EXIT_FAILED, EXIT_OK, UsageError
from dmcert.load import options
from dmcert.load.capacity import (
    DEFAULT_START_RATE,
    report_capacity,
    search_capacity,
    step_folder,
)
from dmcert.load.compare import compare_command
from dmcert.load.dataset import ApiSession, DataSet, count_lists, prepare, teardown
from dmcert.load.errors import LoadRunError
from dmcert.load.launcher import Launch, Outcome, run_locust
from dmcert.load.plan import RECORDING_FILE, RunSettings, new_run_prefix
from dmcert.load.plots import write_plots
from dmcert.load.repeats import Leg, write_aggregate
from dmcert.load.report import print_progress, print_report
from dmcert.load.slo import load_slo
from dmcert.load.summary import build_summary
from dmcert.load.workloads import LIST_PAGE_LIMIT, WORKLOADS, Workload
from dmcert.options import check_target_and_keys, create_reports_dir, reports_dir

SERIES_POINTS = 150  # at most this many time buckets in the plots
REPORT_WIDTH = 150
DEFAULT_MAX_REQUESTS = 1_000_000  # every run is bounded in count too, not only in time


def load_command(args: argparse.Namespace) -> int:
    """`dmcert load`; SIGINT, SIGTERM and SIGHUP stop it like Ctrl-C (dmcert.interrupt)."""
    interrupt.install()
    try:
        code = _load(args)
    finally:
        interrupt.uninstall()
    signum = interrupt.received()  # one that arrived where it could not stop the run at once
    return interrupt.exit_code(signum) if signum else code


def _load(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = REPORT_WIDTH  # CI logs: do not squeeze the table into 80 columns
    if args.compare:
        if args.workload:
            raise UsageError("--compare takes two reports (summary.json or folders), no workload")
        return compare_command(args, console)
    workload = _workload(args.workload)
    settings_args = _validate(args)
    slo = load_slo(args.slo or data_dir("load") / "slo.toml")
    reports = reports_dir(args.reports)
    if args.target:
        target = normalise_target(args.target)
        _run_keys(load_profile(args.keys), args.key, workload, args.keys)
        probe(target)
    create_reports_dir(reports)
    (reports / RECORDING_FILE).unlink(missing_ok=True)

    written: list[Path] = []
    with _target(args) as (root, keys_path, keys, embedded):
        key, sender = _run_keys(keys, args.key, workload, str(keys_path))
        redactor = Redactor(keys.secrets())
        plan = workload.plan(new_run_prefix(), args.batch_size)
        session = ApiSession(root, key.value)
        data_set = DataSet()  # what a failed preparation leaves is cleaned up too

        def leg(folder: Path, rate: float | None = None, users: int | None = None) -> Leg:
            """One Locust run on the prepared data set: its summary, written to `folder`."""
            folder.mkdir(parents=True, exist_ok=True)
            (folder / RECORDING_FILE).unlink(missing_ok=True)
            step_args = {**settings_args, "rate": settings_args["rate"] if rate is None else rate}
            settings = RunSettings(
                workload=workload.name, plan=plan, out=str(folder.resolve()), **step_args
            )
            launch = Launch(
                locustfile=workload.locustfile,
                target=root,
                users=users or args.users,
                spawn_rate=max(args.spawn_rate, users or 0),
                settings=settings,
                reports=folder,
                keys_path=Path(keys_path).resolve(),
                key_name=sender.name,
                workers=args.workers,
                remote_workers=args.remote_workers,
                master_bind=args.master_bind,
                master_port=args.master_port,
            )
            lists = count_lists(session)
            outcome = run_locust(launch, redactor, lambda line: print_progress(line, settings))
            if outcome.interrupted and not (folder / RECORDING_FILE).exists():
                raise interrupt.Interrupted(outcome.interrupted)
            document = _recording(folder, outcome)
            environment = _environment(args, launch, root, embedded, sender, data_set, slo)
            environment["workload_set"] = _workload_set(workload, launch, data_set, lists)
            summary, verdicts = build_summary(
                workload.name, document, slo, environment, _stopped_by(outcome)
            )
            path = folder / "summary.json"
            path.write_text(redactor.text(json.dumps(summary, indent=2)) + "\n", encoding="utf-8")
            written.append(path)
            write_plots(document, folder, f"dmcert load {workload.name}", slo)
            print_report(console, summary, verdicts, folder)
            if outcome.interrupted:  # the partial run is reported; now stop like Ctrl-C
                raise interrupt.Interrupted(outcome.interrupted)
            return Leg(folder, summary)

        try:
            console.print(f"dmcert load {workload.name}: {workload.description}")
            console.print(f"target {redactor.text(root)}; run prefix {plan.prefix}")
            data_set = prepare(session, plan)
            console.print(f"data set prepared: {_counts(data_set)} in {data_set.seconds:.1f} s")
            if args.find_capacity:
                found = search_capacity(
                    lambda rate, users: leg(reports / step_folder(rate), rate, users),
                    start_rate=settings_args["rate"] or DEFAULT_START_RATE,
                    min_users=args.users,
                    budget_s=options.parse_duration(args.budget),
                    step_s=settings_args["duration_s"],
                )
            elif args.repeat > 1:
                legs = [leg(reports / f"run-{n + 1}") for n in range(args.repeat)]
            else:
                legs = [leg(reports)]
        finally:
            with interrupt.deferred():  # a signal does not cut the clean-up short
                residue = _clean_up(session, plan.prefix, data_set, keys, args.keep_data, console)
                session.close()
                for path in written:
                    _record_residue(path, residue)

    if args.find_capacity:
        return report_capacity(found, reports, slo, workload.name, console)
    if args.repeat > 1:
        aggregate = write_aggregate(legs, reports)
        console.print(
            f"{len(legs)} runs: {', '.join(leg.summary['verdict'] for leg in legs)}; "
            f"aggregate: {reports / 'repeats.json'}"
        )
        return EXIT_OK if aggregate["verdict"] == "pass" else EXIT_FAILED
    return EXIT_OK if legs[0].summary["verdict"] == "pass" else EXIT_FAILED


def _stopped_by(outcome: Outcome) -> str | None:
    """How the run ended when dmcert stopped it, rather than Locust's own limits."""
    if outcome.interrupted:
        return f"interrupted ({interrupt.signal_name(outcome.interrupted)})"
    return "hard_limit" if outcome.hard_stopped else None


def _record_residue(path: Path, residue: list[str]) -> None:
    """Each summary names what the clean-up after all the runs left behind."""
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["environment"]["residue"] = residue
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def _workload_set(
    workload: Workload, launch: Launch, data_set: DataSet, lists: dict[str, int | None]
) -> dict[str, Any]:
    """What the run worked on: two runs are comparable only when all of this is equal."""
    settings = launch.settings
    return {
        "workload": workload.name,
        "model": "open" if settings.open_model else "closed",
        "users": launch.users,
        "rate_per_s": settings.rate,
        "wait_s": list(settings.wait),
        "duration_s": settings.duration_s,
        "max_requests": settings.max_requests,
        "batch_size": settings.batch_size,
        "workers": launch.workers + launch.remote_workers,
        "data_set": data_set.counts,
        "records_per_list": lists,
        "pages_per_walk": {
            name: None if count is None else max(1, math.ceil(count / LIST_PAGE_LIMIT))
            for name, count in lists.items()
        },
        "dmcert_version": __version__,
    }


def _workload(name: str | None) -> Workload:
    if not name:
        raise UsageError(f"name a workload: {', '.join(WORKLOADS)} (or use --compare A B)")
    if name not in WORKLOADS:
        raise UsageError(f"unknown workload {name!r}; choose one of {', '.join(WORKLOADS)}")
    return WORKLOADS[name]


def _validate(args: argparse.Namespace) -> dict[str, Any]:
    """Check every option before anything runs; the RunSettings fields they give."""
    check_target_and_keys(args.target, args.keys)
    options.check_bounds(
        users=args.users,
        spawn_rate=args.spawn_rate,
        batch_size=args.batch_size,
        workers=args.workers,
        remote_workers=args.remote_workers,
        max_requests=args.max_requests,
    )
    duration = options.parse_duration(args.duration)
    rate = options.parse_rate(args.rate) if args.rate else 0.0
    wait = options.parse_wait(args.wait)
    if rate and wait != (0.0, 0.0):
        raise UsageError("--wait is for the closed model; --rate sets the pace by itself")
    if args.repeat < 1:
        raise UsageError("--repeat must be at least 1")
    if args.find_capacity:
        if args.repeat > 1:
            raise UsageError("--find-capacity runs its own steps; it takes no --repeat")
        if wait != (0.0, 0.0):
            raise UsageError("--find-capacity steps the open model's rate; it takes no --wait")
        options.parse_duration(args.budget)
    return {
        "batch_size": args.batch_size,
        "rate": rate,
        "wait": wait,
        "duration_s": duration,
        "max_requests": args.max_requests or DEFAULT_MAX_REQUESTS,
        "bucket_s": max(1, math.ceil(duration / SERIES_POINTS)),
    }


def _full_key(keys: TargetProfile, source: str) -> ApiKey:
    key = keys.full_key()
    if key is None:
        raise UsageError(
            f"{source}: dmcert load needs a usable key with integrations.* "
            "(it creates, reads and deactivates its own records)"
        )
    return key


def _run_keys(
    keys: TargetProfile, name: str | None, workload: Workload, source: str
) -> tuple[ApiKey, ApiKey]:
    """The pass-through full key, which prepares and cleans up the data set, and the key
    whose requests the workload sends: --key NAME, else the full key too."""
    full = _full_key(keys, source)
    return full, (full if name is None else _named_key(keys, name, workload, source))


def _named_key(keys: TargetProfile, name: str, workload: Workload, source: str) -> ApiKey:
    """--key NAME, if the workload can send all its requests with it."""
    key = keys.keys.get(name)
    if key is None:
        raise UsageError(f"{source}: no key named {name!r} (keys: {', '.join(keys.keys)})")
    refused = [f"{m} /{r}/" for m, r in workload.sends if not key.allows(m, r)]
    if refused:
        raise UsageError(
            f"--key {name}: {workload.name} sends {', '.join(refused)}, which the key's "
            "declared scopes do not allow (or the key is expired or revoked)"
        )
    if key.partner is not None and not workload.partner_shaped:
        raise UsageError(
            f"--key {name} is a partner key: {workload.name} checks answers by internal field "
            "names; only bulk_inventory sends a partner key's payloads in its shape"
        )
    return key


@contextlib.contextmanager
def _target(args: argparse.Namespace) -> Iterator[tuple[str, Path, TargetProfile, bool]]:
    """The target to load: the one named, or a reference target started for this run."""
    if args.target:
        yield normalise_target(args.target), Path(args.keys), load_profile(args.keys), False
        return
    from dmcert.reference.server import RunningTarget

    with RunningTarget() as running:
        yield running.url, running.keys_path, running.profile, True


def _clean_up(
    session: ApiSession,
    prefix: str,
    data_set: DataSet,
    keys: TargetProfile,
    keep: bool,
    console: Console,
) -> list[str]:
    if keep:
        console.print(f"--keep-data: records under {prefix} left in place")
        return [f"kept on request (--keep-data): every record under {prefix}"]
    residue = teardown(session, prefix, data_set.earliest, keys.order_identifier)
    residue.append("inventory rows stay (the API has no DELETE for them)")
    console.print(f"cleaned up records under {prefix}; residue: {'; '.join(residue)}")
    return residue


def _counts(data_set: DataSet) -> str:
    shown = [f"{count} {name}" for name, count in data_set.counts.items() if count]
    return ", ".join(shown) or "nothing"


def _recording(reports: Path, outcome: Outcome) -> dict[str, Any]:
    path = reports / RECORDING_FILE
    if not path.exists():
        last = next((line for line in reversed(outcome.log_tail) if line.strip()), "no output")
        raise LoadRunError(
            f"Locust ended (exit {outcome.exit_code}) without results; see "
            f"{reports / 'locust.log'}; last line: {last[:300]}"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def _environment(
    args: argparse.Namespace,
    launch: Launch,
    root: str,
    embedded: bool,
    sender: ApiKey,
    data_set: DataSet,
    slo: Any,
) -> dict[str, Any]:
    settings = launch.settings
    if settings.open_model:
        model = {"kind": "open", "rate_per_s": settings.rate, "users": launch.users}
    else:
        model = {"kind": "closed", "users": launch.users, "wait_s": list(settings.wait)}
    return {
        "dmcert_version": __version__,
        "locust_version": version("locust"),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
        "target": root,
        "embedded_reference_target": embedded,
        "key": sender.name,
        "partner": sender.partner.name if sender.partner else None,
        "model": {**model, "spawn_rate": launch.spawn_rate},
        "workers": {"local": launch.workers, "remote": launch.remote_workers},
        "batch_size": settings.batch_size,
        "limits": {
            "duration_s": settings.duration_s,
            "max_requests": settings.max_requests,
            "hard_limit_s": launch.hard_limit_s,
        },
        "run_prefix": settings.plan.prefix,
        "data_set": data_set.counts,
        "prepare_s": data_set.seconds,
        "keep_data": bool(args.keep_data),
        "residue": [],  # filled in once the clean-up after the last run is done
        "build_label": args.label,
        "slo_file": slo.path,
        "command": _replay(args),
    }


def _replay(args: argparse.Namespace) -> str:
    """The command that repeats this run (the keys file path generalised)."""
    parts = ["dmcert", "load", args.workload]
    if args.target:
        parts += ["--target", args.target, "--keys", "KEYS.toml"]
    if args.key:
        parts += ["--key", args.key]
    parts += ["--users", str(args.users), "--spawn-rate", f"{args.spawn_rate:g}"]
    parts += ["--rate", args.rate] if args.rate else ["--wait", args.wait]
    parts += ["--duration", args.duration, "--batch-size", str(args.batch_size)]
    if args.max_requests:
        parts += ["--max-requests", str(args.max_requests)]
    if args.workers:
        parts += ["--workers", str(args.workers)]
    if args.slo:
        parts += ["--slo", args.slo]
    if args.repeat > 1:
        parts += ["--repeat", str(args.repeat)]
    if args.find_capacity:
        parts += ["--find-capacity", "--budget", args.budget]
    return " ".join(parts)

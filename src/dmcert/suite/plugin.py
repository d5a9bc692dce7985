"""The pytest plugin behind the conformance suite (loaded by conformance/conftest.py).

It owns the run: options, the target (started here when none is given), requirement
markers, per-test expectations, and at the end one verdict per requirement written as
results.json and report.html beside pytest's junit.xml.
"""

from __future__ import annotations

import contextlib
import random
import warnings
from functools import cache

import pytest

from dmcert import interrupt
from dmcert.contract.probe import normalise_target, probe
from dmcert.contract.requirements import Requirement, load_requirements, select
from dmcert.contract.target_profile import load_profile
from dmcert.errors import DmcertError
from dmcert.options import (
    certification_options,
    check_target_and_keys,
    create_reports_dir,
    reports_dir,
)
from dmcert.suite import isolation, preflight
from dmcert.suite.report import Written, write_reports
from dmcert.suite.report.junit import NODEID_PROPERTY
from dmcert.suite.run import Run
from dmcert.suite.verdicts import INTERNAL, NOT_RUN, TestOutcome, aggregate
from dmcert.testkit._expect import Expect, Observation, PreconditionFailed
from dmcert.testkit._transport import TargetDown, TargetNotAnswering

RUN = pytest.StashKey[Run]()
EXPECT = pytest.StashKey[Expect]()
_OBSERVATIONS = pytest.StashKey[list[Observation]]()
_OUTCOMES = pytest.StashKey[dict[str, TestOutcome]]()
_EMBEDDED = pytest.StashKey[contextlib.ExitStack]()
_SELECTED = pytest.StashKey[tuple[str, ...] | None]()
READ_ONLY_SKIP = "not exercised (read-only): the test sends POST, PUT, PATCH or DELETE"
_NO_ANSWER = pytest.StashKey[set[str]]()  # tests during which the target did not answer


class ExpectationsFailed(AssertionError):
    """Raised after a test body when one of its expect() checks did not hold."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dmcert", "dmcert conformance run")
    group.addoption("--target", help="deployment root URL (default: embedded reference target)")
    group.addoption("--keys", help="target profile (TOML keys file)")
    group.addoption(
        "--read-only", action="store_true", help="send only GET, HEAD and OPTIONS requests"
    )
    # not --strict: pytest 9 has its own --strict option
    group.addoption(
        "--dmcert-strict",
        dest="dmcert_strict",
        action="store_true",
        help="SHOULD requirements fail the run",
    )
    group.addoption("--quick", action="store_true", help="small example budgets")
    group.addoption("--seed", type=int, help="seed for generated data")
    group.addoption("--max-examples", type=int, help="examples per schema-driven test")
    group.addoption("--reports", help="report directory (default reports/<UTC timestamp>/)")
    group.addoption(
        "--requirement",
        action="append",
        default=[],
        metavar="ID",
        help="only tests naming this requirement id or area; repeatable (a partial run)",
    )
    group.addoption("--bundle", help="where to write the signed bundle")
    group.addoption("--sign-key", help="Ed25519 PEM private key that signs the bundle")
    group.addoption("--waivers", help="waivers TOML file")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requirement(*ids): the catalogue requirements this test verifies"
    )
    config.addinivalue_line(
        "markers", "writes: the test sends a method other than GET, HEAD or OPTIONS"
    )
    if config.option.help:
        return
    try:
        config.stash[_SELECTED] = _selected(config.option.requirement)
    except ValueError as exc:
        raise pytest.UsageError(f"--requirement: {exc}") from None
    if config.option.collectonly:
        return
    interrupt.install()
    try:
        config.stash[RUN] = _start_run(config)
    except DmcertError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_OBSERVATIONS] = []
    config.stash[_OUTCOMES] = {}
    config.stash[_NO_ANSWER] = set()


def _start_run(config: pytest.Config) -> Run:
    opt = config.option
    check_target_and_keys(opt.target, opt.keys)
    reports = reports_dir(opt.reports)
    create_reports_dir(reports)
    isolation.keep_hypothesis_in(reports)
    seed = opt.seed if opt.seed is not None else random.SystemRandom().randrange(2**32)
    common = dict(
        reports=reports,
        strict=opt.dmcert_strict,
        read_only=opt.read_only,
        quick=opt.quick,
        seed=seed,
        max_examples=opt.max_examples,
        selectors=tuple(opt.requirement),
        selected=config.stash[_SELECTED] or (),
        **certification_options(opt.bundle, opt.sign_key, opt.waivers),
    )
    if opt.target:
        target = normalise_target(opt.target)
        profile = load_profile(opt.keys)
        preflight.check_usable_key(profile)
        probe(target, ca_file=profile.ca_file)
        preflight.check_keys_accepted(target, profile)
        return Run(target=target, profile=profile, embedded=False, **common)
    from dmcert.reference.server import RunningTarget

    stack = contextlib.ExitStack()
    config.stash[_EMBEDDED] = stack
    # served over TLS, so that the transport rule (ENV-015) is exercised on every default run
    running = stack.enter_context(RunningTarget(tls=True))
    return Run(target=running.url, profile=running.profile, embedded=True, **common)


def pytest_unconfigure(config: pytest.Config) -> None:
    stack = config.stash.get(_EMBEDDED, None)
    if stack is not None:
        stack.close()


def _selected(selectors: list[str]) -> tuple[str, ...] | None:
    """The ids `--requirement` selects, or None when the whole suite runs."""
    return select(_catalogue(), selectors) if selectors else None


def pytest_collection_finish(session: pytest.Session) -> None:
    run = session.config.stash.get(RUN, None)
    if run is not None:
        run.progress.collected = len(session.items)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Once the target is down for good, the remaining tests are not run (not failed)."""
    run = item.config.stash.get(RUN, None)
    if run is not None and run.watch.down is not None:
        item.config.stash[_NO_ANSWER].add(item.nodeid)
        pytest.skip(f"not run: {run.watch.down}")


def requirement_ids(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for marker in item.iter_markers("requirement"):
        ids.extend(marker.args)
    return tuple(dict.fromkeys(ids))


@cache
def _catalogue() -> dict[str, Requirement]:
    return load_requirements()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run = config.stash.get(RUN, None)
    for item in items:
        ids = requirement_ids(item)
        if not ids:
            raise pytest.UsageError(
                f"{item.nodeid} names no requirement: every check traces to one"
            )
        unknown = [req_id for req_id in ids if req_id not in _catalogue()]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid} names unknown requirement ids: {unknown}")
        item.user_properties.append(("requirements", " ".join(ids)))
        item.user_properties.append((NODEID_PROPERTY, item.nodeid))
        if run and run.read_only and item.get_closest_marker("writes"):
            item.add_marker(pytest.mark.skip(reason=READ_ONLY_SKIP))
    _deselect_unselected(config, items)


def _deselect_unselected(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep exactly the tests that name a requirement `--requirement` selected."""
    selected = config.stash.get(_SELECTED, None)
    if selected is None:
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (kept if set(requirement_ids(item)) & set(selected) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def expect_for(item: pytest.Item) -> Expect:
    """The item's Expect, created on first use (fixtures and the test share it)."""
    if EXPECT not in item.stash:
        item.stash[EXPECT] = Expect(
            item.nodeid, requirement_ids(item), item.config.stash[RUN].redactor.text
        )
    return item.stash[EXPECT]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield
    expect = item.stash.get(EXPECT, None)
    if expect is None:
        return result
    failures = expect.failures()
    strict = item.config.stash[RUN].strict
    levels = _catalogue()
    blocking = [f for f in failures if strict or levels[f.requirement].level == "MUST"]
    for failure in failures:
        if failure not in blocking:
            warnings.warn(f"{failure.requirement} (SHOULD): {failure.message}", stacklevel=1)
    if blocking:
        raise ExpectationsFailed("\n".join(f"{f.requirement}: {f.message}" for f in blocking))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if RUN not in item.config.stash:
        return report
    outcomes = item.config.stash[_OUTCOMES]
    ids = requirement_ids(item)
    _record_transport_findings(item, call)
    outcome = _classify(report, call)
    reason = _reason(report, call)
    if outcome is not None and item.nodeid in item.config.stash[_NO_ANSWER]:
        outcome = NOT_RUN
        reason = reason if report.skipped else "not run: the target gave no answer (ERR-004)"
    if outcome is not None:
        previous = outcomes.get(item.nodeid)
        if previous is None or previous.outcome in ("passed", "checked"):
            outcomes[item.nodeid] = TestOutcome(item.nodeid, ids, outcome, reason)
    if report.when == "teardown":
        run = item.config.stash[RUN]
        run.progress.finished += 1
        if item.nodeid in item.config.stash[_NO_ANSWER]:
            run.progress.not_run += 1
        if EXPECT in item.stash:
            item.config.stash[_OBSERVATIONS].extend(item.stash[EXPECT].observations)
    return report


def _record_transport_findings(item: pytest.Item, call: pytest.CallInfo) -> None:
    """Unanswered requests of this test become ERR-004 findings with the request as
    evidence; the test itself could not run its checks, which is no verdict on its rules."""
    run = item.config.stash[RUN]
    findings = run.watch.take()
    excinfo = call.excinfo
    if findings or (
        excinfo is not None and excinfo.errisinstance((TargetNotAnswering, TargetDown))
    ):
        item.config.stash[_NO_ANSWER].add(item.nodeid)
    item.config.stash[_OBSERVATIONS].extend(
        finding.observation(item.nodeid) for finding in findings
    )


def _classify(report: pytest.TestReport, call: pytest.CallInfo) -> str | None:
    if report.skipped:
        return "skipped"
    if report.passed:
        return "passed" if report.when == "call" else None
    excinfo = call.excinfo
    if excinfo is not None and excinfo.errisinstance(ExpectationsFailed):
        return "checked"
    if report.when != "call" or (excinfo is not None and excinfo.errisinstance(PreconditionFailed)):
        return "error"
    if excinfo is not None and not excinfo.errisinstance(AssertionError):
        # Conformance tests check through expect(); any other exception (a TypeError, a
        # read-only violation...) is a bug in the suite, never the target's failure.
        return INTERNAL
    return "failed"


def _reason(report: pytest.TestReport, call: pytest.CallInfo) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if call.excinfo is not None:
        return call.excinfo.exconly().splitlines()[0][:300]
    return ""


@pytest.hookimpl(tryfirst=True)  # before pytest's terminal reporter renders the traceback
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    """Drop the traceback entries without a line number. On Python 3.11 a signal can land on
    an instruction that has none, and pytest's rendering of such an entry raises TypeError,
    which would turn a stopped run (INCOMPLETE, 128 + N) into a crash of dmcert."""
    excinfo.traceback = excinfo.traceback.filter(_has_line_number)


def _has_line_number(entry) -> bool:
    try:
        return entry.lineno is not None
    except TypeError:
        return False


@pytest.hookimpl(trylast=True)  # after pytest's junitxml has written junit.xml
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    run = config.stash.get(RUN, None)
    if run is None:
        return
    run.progress.stopped_by = _stopped_by(session, exitstatus)
    run.progress.internal_errors = sum(
        outcome.outcome == INTERNAL for outcome in config.stash[_OUTCOMES].values()
    )
    results = aggregate(
        list(_catalogue().values()),
        config.stash[_OBSERVATIONS],
        list(config.stash[_OUTCOMES].values()),
        strict=run.strict,
        selected=run.selected or None,
    )
    written = write_reports(run, results, config.stash[_OUTCOMES].values())
    config.stash[_RESULTS] = (results, written)


_RESULTS = pytest.StashKey[tuple[list, Written]]()


def _stopped_by(session: pytest.Session, exitstatus: int) -> str | None:
    """Why the run ended before its end, if it did."""
    signum = interrupt.received()
    if signum is not None:
        return interrupt.signal_name(signum)
    if exitstatus == pytest.ExitCode.INTERNAL_ERROR:
        return "internal error"
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        return "collection error" if session.testscollected == 0 else "interrupted"
    return None


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    stored = config.stash.get(_RESULTS, None)
    if stored is None:
        return
    from dmcert.suite.report.terminal import print_summary

    results, written = stored
    print_summary(results, written, config.stash[RUN], file=terminalreporter._tw)

"""Waivers: a known deviation the gate lets through until a date, in the open.

`--waivers FILE` is TOML, one `[[waiver]]` table per entry:

    [[waiver]]
    requirement = "PAG-010"                 # a catalogue id
    test = "test_pagination.py::test_..."   # optional: only this test's failures
    reason = "cursor skips a record after a concurrent delete"
    ticket = "https://tracker.example/DM-123"
    expires = 2026-03-31                    # last day the waiver holds (UTC)

A waived failure keeps its evidence and is reported `waived`; it stops failing the gate only
while the waiver is in force. An expired waiver waives nothing, so its failures fail the run
again; a waiver that matched no failure is listed as unused, so stale ones get removed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dmcert.errors import UsageError
from dmcert.suite.verdicts import FAIL, WAIVED, RequirementResult, TestOutcome

APPLIED, UNUSED, EXPIRED = "applied", "unused", "expired"
_FIELDS = {"requirement", "test", "reason", "ticket", "expires"}


@dataclass(frozen=True)
class Waiver:
    requirement: str
    reason: str
    ticket: str
    expires: date
    test: str | None = None

    def expired(self, today: date) -> bool:
        return today > self.expires

    def covers(self, requirement: str, test: str) -> bool:
        """Whether a failure of `requirement` in `test` falls under this waiver. A test is
        named by its node id, with or without its parameters."""
        if requirement != self.requirement:
            return False
        return self.test is None or self.test in (test, test.partition("[")[0])

    def label(self) -> str:
        scope = f" in {self.test}" if self.test else ""
        return f"{self.requirement}{scope} ({self.ticket}, expires {self.expires.isoformat()})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "test": self.test,
            "reason": self.reason,
            "ticket": self.ticket,
            "expires": self.expires.isoformat(),
        }


@dataclass(frozen=True)
class Waivers:
    entries: tuple[Waiver, ...] = ()
    source: bytes | None = None
    """The file exactly as given, for the bundle."""

    def in_force(self, today: date) -> tuple[Waiver, ...]:
        return tuple(w for w in self.entries if not w.expired(today))


@dataclass
class WaiverUse:
    """What one waiver did in a run: applied (it waived these failures), unused (it matched
    none) or expired (it waived nothing; `matched` are the failures it would have covered)."""

    waiver: Waiver
    status: str
    matched: list[str] = field(default_factory=list)  # "REQ-ID test-node-id"

    def to_dict(self) -> dict[str, Any]:
        return {**self.waiver.to_dict(), "status": self.status, "matched": self.matched}

    def line(self) -> str:
        """The one line the terminal prints for a waiver that did not simply apply."""
        if self.status == EXPIRED and self.matched:
            return f"waiver expired: {self.waiver.label()}; its failures fail the run again"
        if self.status == EXPIRED:
            return f"waiver expired and unused: {self.waiver.label()}; remove it"
        if self.status == UNUSED and self.matched:
            return (
                f"waiver not applied: {self.waiver.label()}: {self.waiver.requirement} also "
                "fails in tests it does not name"
            )
        if self.status == UNUSED:
            return f"waiver unused (no failure matched it): {self.waiver.label()}"
        return f"waived: {self.waiver.label()}: {self.waiver.reason}"


def load_waivers(path: str | Path | None, catalogue: Collection[str]) -> Waivers:
    """The waivers file, checked entry by entry; any mistake is one line and exit 2."""
    if path is None:
        return Waivers()
    try:
        source = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"--waivers {path}: {exc.strerror or exc}") from None
    try:
        document = tomllib.loads(source.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"--waivers {path}: not valid TOML ({exc})") from None
    unknown_tables = set(document) - {"waiver"}
    if unknown_tables:
        raise UsageError(f"--waivers {path}: unknown key {sorted(unknown_tables)[0]!r}")
    tables = document.get("waiver", [])
    if not isinstance(tables, list):
        raise UsageError(f"--waivers {path}: entries are [[waiver]] tables")
    entries = tuple(
        _entry(table, f"--waivers {path}: waiver {number}", catalogue)
        for number, table in enumerate(tables, 1)
    )
    return Waivers(entries, source)


def _entry(table: Mapping[str, Any], where: str, catalogue: Collection[str]) -> Waiver:
    unknown = set(table) - _FIELDS
    if unknown:
        raise UsageError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    for name in ("requirement", "reason", "ticket"):
        value = table.get(name)
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{where}: `{name}` is required (a non-empty string)")
    if table["requirement"] not in catalogue:
        raise UsageError(f"{where}: unknown requirement id {table['requirement']!r}")
    test = table.get("test")
    if test is not None and (not isinstance(test, str) or "::" not in test):
        raise UsageError(f"{where}: `test` is a test node id (file.py::test_name)")
    return Waiver(
        requirement=table["requirement"],
        reason=table["reason"].strip(),
        ticket=table["ticket"].strip(),
        expires=_expiry(table.get("expires"), where),
        test=test,
    )


def _expiry(value: Any, where: str) -> date:
    """A TOML date (2026-03-31) or the same as a string; a waiver without one never ends,
    which is what expiry is there to prevent, so it is required."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise UsageError(f"{where}: `expires` is required, a date such as 2026-03-31")


def apply_waivers(
    results: Sequence[RequirementResult],
    outcomes: Sequence[TestOutcome],
    waivers: Waivers,
    today: date,
) -> tuple[list[WaiverUse], dict[str, str]]:
    """Turn each failed requirement whose every failing test a waiver in force covers into
    `waived`. Returns what each waiver did, and the waived tests with the reason to show."""
    uses = [WaiverUse(w, EXPIRED if w.expired(today) else UNUSED) for w in waivers.entries]
    failing_by_test: dict[str, set[str]] = {}
    for result in results:
        if result.verdict != FAIL:
            continue
        req_id = result.requirement.id
        tests = _failing_tests(result, outcomes)
        covering: dict[str, WaiverUse] = {}
        for test in tests:
            failing_by_test.setdefault(test, set()).add(req_id)
            for use in uses:
                if use.waiver.covers(req_id, test):
                    use.matched.append(f"{req_id} {test}")
                    if use.status != EXPIRED:
                        covering.setdefault(test, use)
        if tests and len(covering) == len(tests):
            chosen = list({id(use): use for use in covering.values()}.values())
            for use in chosen:
                use.status = APPLIED
            result.verdict = WAIVED
            result.waived_by = [use.waiver.to_dict() for use in chosen]
            result.notes = [f"waived: {u.waiver.reason} ({u.waiver.ticket})" for u in chosen]
    waived_tests = {
        test: "; ".join(
            f"{req_id} waived: {_waiver_of(results, req_id)}" for req_id in sorted(req_ids)
        )
        for test, req_ids in failing_by_test.items()
        if all(_verdict_of(results, req_id) == WAIVED for req_id in req_ids)
    }
    return uses, waived_tests


def _failing_tests(result: RequirementResult, outcomes: Sequence[TestOutcome]) -> list[str]:
    """The tests a failed requirement failed in: its failed checks, and declaring tests that
    failed outside any check (which aggregate() blames on all they declare)."""
    tests = [obs.test for obs in result.failures]
    req_id = result.requirement.id
    tests += [o.test for o in outcomes if o.outcome == "failed" and req_id in o.requirements]
    return list(dict.fromkeys(tests))


def _verdict_of(results: Sequence[RequirementResult], req_id: str) -> str:
    return next(r.verdict for r in results if r.requirement.id == req_id)


def _waiver_of(results: Sequence[RequirementResult], req_id: str) -> str:
    result = next(r for r in results if r.requirement.id == req_id)
    return "; ".join(
        f"{w['reason']} ({w['ticket']}, until {w['expires']})" for w in result.waived_by
    )

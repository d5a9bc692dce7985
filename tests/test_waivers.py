"""Waivers (issue 10): a known deviation passes the gate, in the open, until its waiver
expires; then it fails the run again. A waiver that matched nothing is listed as unused."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dmcert.reference.server import RunningTarget
from dmcert.suite.bundle import read_bundle
from tests.conftest import run_dmcert

TODAY = datetime.now(UTC).date()


def _waivers(path: Path, expires: date) -> Path:
    path.write_text(
        f"""
[[waiver]]
requirement = "PAG-010"
reason = "each next page skips a record; fix in progress"
ticket = "https://tracker.example/DM-123"
expires = {expires.isoformat()}

[[waiver]]
requirement = "PAG-004"
reason = "stale: fixed last quarter"
ticket = "DM-7"
expires = "{(TODAY + timedelta(days=30)).isoformat()}"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def skipping_target():
    with RunningTarget(faults=("cursor_skips_record",), tls=True) as target:
        yield target


def _check(target: RunningTarget, tmp: Path, waivers: Path, *extra: str):
    return run_dmcert(
        "check", "--target", target.url, "--keys", str(target.keys_path),
        "--requirement", "PAG-010", "--quick", "--seed", "1",
        "--reports", str(tmp / "reports"), "--waivers", str(waivers), *extra,
        timeout=300,
    )  # fmt: skip


@pytest.mark.slow
def test_a_waived_failure_passes_in_the_open_and_an_unused_waiver_is_listed(
    skipping_target: RunningTarget, tmp_path: Path
):
    assert run_dmcert("keygen", str(tmp_path / "partner.key")).exit_code == 0
    waivers = _waivers(tmp_path / "waivers.toml", TODAY + timedelta(days=30))
    result = _check(skipping_target, tmp_path, waivers, "--sign-key", str(tmp_path / "partner.key"))
    assert result.exit_code == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "CONFORMS with 1 waiver" in result.stdout
    assert "PAG-010 MUST waived" in result.stdout
    assert "waiver unused (no failure matched it): PAG-004" in result.stdout

    reports = tmp_path / "reports"
    document = json.loads((reports / "results.json").read_text())
    assert document["verdict"] == "pass"
    assert document["badge"] == "CONFORMS with 1 waiver"
    (pag010,) = [r for r in document["requirements"] if r["id"] == "PAG-010"]
    assert pag010["verdict"] == "waived"
    assert pag010["evidence"], "a waived failure keeps its evidence"
    statuses = {w["requirement"]: w["status"] for w in document["waivers"]}
    assert statuses == {"PAG-010": "applied", "PAG-004": "unused"}
    assert any(t["outcome"] == "waived" for t in document["tests"])

    cases = ET.parse(reports / "junit.xml").getroot().iter("testcase")
    skipped = [s for case in cases for s in case.iter("skipped")]
    assert any(s.get("type") == "dmcert.waived" and "DM-123" in s.get("message") for s in skipped)
    assert not list(ET.parse(reports / "junit.xml").getroot().iter("failure"))
    html = (reports / "report.html").read_text()
    assert "CONFORMS with 1 waiver" in html and "https://tracker.example/DM-123" in html

    members = read_bundle(reports / "bundle.dmcert")
    assert members["waivers.toml"] == waivers.read_bytes()
    for name, data in members.items():
        for secret in skipping_target.profile.secrets():
            assert secret.encode() not in data, f"a key in {name}"
    verified = run_dmcert(
        "verify", str(reports / "bundle.dmcert"), "--public-key", str(tmp_path / "partner.key.pub")
    )
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    assert "verdict: CONFORMS with 1 waiver" in verified.stdout
    assert "waiver applied: PAG-010" in verified.stdout


@pytest.mark.slow
def test_the_same_waiver_expired_fails_the_run_naming_it(
    skipping_target: RunningTarget, tmp_path: Path
):
    waivers = _waivers(tmp_path / "waivers.toml", TODAY - timedelta(days=1))
    result = _check(skipping_target, tmp_path, waivers)
    assert result.exit_code == 1, result.stdout[-3000:] + result.stderr[-2000:]
    expired = [line for line in result.stdout.splitlines() if line.startswith("waiver expired")]
    assert len(expired) == 1 and "PAG-010" in expired[0] and "DM-123" in expired[0]
    document = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert document["verdict"] == "fail"
    (pag010,) = [r for r in document["requirements"] if r["id"] == "PAG-010"]
    assert pag010["verdict"] == "fail"
    statuses = {w["requirement"]: w["status"] for w in document["waivers"]}
    assert statuses == {"PAG-010": "expired", "PAG-004": "unused"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[waiver]\nrequirement = 1", "not valid TOML"),
        ('[[waiver]]\nrequirement = "PAG-010"\nticket = "T"\nexpires = 2030-01-01', "`reason`"),
        (
            '[[waiver]]\nrequirement = "NOPE-1"\nreason = "r"\nticket = "T"\nexpires = 2030-01-01',
            "unknown requirement id 'NOPE-1'",
        ),
        ('[[waiver]]\nrequirement = "PAG-010"\nreason = "r"\nticket = "T"', "`expires`"),
        (
            '[[waiver]]\nrequirement = "PAG-010"\nreason = "r"\nticket = "T"\nexpires = "soon"',
            "`expires`",
        ),
    ],
    ids=["toml", "no-reason", "unknown-id", "no-expiry", "bad-date"],
)
def test_a_malformed_waivers_file_is_one_line_and_exit_2(tmp_path: Path, text: str, message: str):
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(text, encoding="utf-8")
    result = run_dmcert("check", "--waivers", str(waivers), timeout=60)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr

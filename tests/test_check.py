"""`dmcert check` end to end against the reference target: it passes on both databases,
writes its reports without any key in them, leaves data alone in --read-only runs, and two
runs at once do not disturb each other."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dmcert.contract.requirements import load_requirements
from dmcert.reference.server import RunningTarget
from tests.conftest import check_against, postgres_url, run_dmcert


def assert_no_secret_in(directory: Path, secrets: list[str]) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for secret in secrets:
                assert secret not in text, f"a key appears in {path.name}"


@pytest.mark.slow
def test_default_run_passes_against_the_embedded_target_and_writes_reports(tmp_path: Path):
    reports = tmp_path / "reports"
    result = run_dmcert("check", "--reports", str(reports), cwd=tmp_path)
    assert result.exit_code == 0, result.stdout[-5000:] + result.stderr[-3000:]
    document = json.loads((reports / "results.json").read_text())
    assert document["verdict"] == "pass"
    assert [row["id"] for row in document["requirements"]] == list(load_requirements())
    assert document["counts"]["pass"] > 0
    assert document["run"]["embedded_reference_target"] is True
    assert len(document["run"]["spec_sha256"]) == 64
    junit = ET.parse(reports / "junit.xml").getroot()
    assert int(junit.find("testsuite").get("tests")) > 0
    html = (reports / "report.html").read_text()
    assert "CONFORMS" in html and document["run"]["spec_sha256"] in html
    assert "CONFORMS" in result.stdout


@pytest.mark.slow
def test_run_against_postgresql_backed_target_passes_without_leaking_keys(tmp_path: Path):
    with RunningTarget(db_url=postgres_url()) as target:
        result = check_against(target, tmp_path / "reports", "--quick")
        secrets = target.profile.secrets()
    assert result.exit_code == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert_no_secret_in(tmp_path / "reports", secrets)
    for secret in secrets:
        assert secret not in result.stdout + result.stderr
    document = json.loads((tmp_path / "reports" / "results.json").read_text())
    verdicts = {row["id"]: row["verdict"] for row in document["requirements"]}
    assert {r: verdicts[r] for r in PARTNER_KEY_RULES} == dict.fromkeys(PARTNER_KEY_RULES, "pass")


PARTNER_KEY_RULES = ("ENV-014", "IDN-010", "ERR-003")
"""Rules only a partner key exercises: the keys `serve --keys-out` mints for the shipped
templates certify them on either database."""


UNEXERCISED_MUST = {
    "AUTH-012": "disabling the workspace integration has no route in the API or the reference",
    "SCOPE-001": "the scope grammar is what a key is issued with, not an API behaviour",
}
"""MUST requirements an embedded --quick run leaves unexercised, each for its reason; any
other unexercised MUST is a check missing by accident."""


@pytest.mark.slow
def test_embedded_quick_run_exercises_every_must_it_can(tmp_path: Path):
    reports = tmp_path / "reports"
    result = run_dmcert("check", "--quick", "--reports", str(reports), cwd=tmp_path)
    assert result.exit_code == 0, result.stdout[-5000:] + result.stderr[-3000:]
    document = json.loads((reports / "results.json").read_text())
    unexercised = {
        r["id"]
        for r in document["requirements"]
        if r["level"] == "MUST" and r["verdict"] == "not exercised"
    }
    assert unexercised == set(UNEXERCISED_MUST), (
        f"new: {sorted(unexercised - set(UNEXERCISED_MUST))}, "
        f"now exercised (drop the exception): {sorted(set(UNEXERCISED_MUST) - unexercised)}"
    )


WRITES_ACCEPTED = ("duplicate_product_201", "unknown_sku_accepted", "denied_write_persists")
"""Faults under which a write the target must refuse is accepted and stored."""


@pytest.mark.slow
def test_read_only_run_sends_only_get_head_and_options(tmp_path: Path):
    """Even against a target that accepts writes it must refuse, a read-only run sends no
    other method (counted at the server's entry, before authentication) and writes nothing."""
    with RunningTarget(faults=WRITES_ACCEPTED) as target:
        before = target.audit_writes()
        result = check_against(target, tmp_path / "reports", "--read-only", "--quick")
        after = target.audit_writes()
        methods = target.methods()
    assert result.exit_code == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert set(methods) <= {"GET", "HEAD", "OPTIONS"}, methods
    assert methods.get("GET", 0) > 0
    assert after == before
    document = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert document["run"]["read_only"] is True
    assert document["run"]["residue"] == []
    done, of = document["run"]["requirements_exercised"], document["run"]["requirements_testable"]
    assert 0 < done < of
    badge = f"CONFORMS — read-only: {done} of {of} requirements exercised"
    assert document["badge"] == badge
    assert badge in (tmp_path / "reports" / "report.html").read_text()
    assert badge in result.stdout
    skipped = [r for r in document["requirements"] if r["verdict"] == "not exercised"]
    assert any("not exercised (read-only)" in "; ".join(r["notes"]) for r in skipped)


@pytest.mark.slow
def test_two_runs_at_once_against_one_target_both_pass(tmp_path: Path):
    with RunningTarget() as target, ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(check_against, target, tmp_path / f"reports-{n}", "--quick") for n in (1, 2)
        ]
        results = [run.result() for run in runs]
    for result in results:
        assert result.exit_code == 0, result.stdout[-5000:] + result.stderr[-3000:]
    prefixes = {
        json.loads((tmp_path / f"reports-{n}" / "results.json").read_text())["run"]["run_prefix"]
        for n in (1, 2)
    }
    assert len(prefixes) == 2


@pytest.mark.slow
def test_a_failing_run_still_writes_its_report_and_exits_1(tmp_path: Path):
    with RunningTarget(faults=("lowercase_error_codes",)) as target:
        result = check_against(target, tmp_path / "reports", "--quick")
    assert result.exit_code == 1
    document = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert document["verdict"] == "fail"
    failed = [row for row in document["requirements"] if row["verdict"] == "fail"]
    assert failed and all(row["evidence"] for row in failed)
    assert "DOES NOT CONFORM" in (tmp_path / "reports" / "report.html").read_text()

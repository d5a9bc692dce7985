"""`dmcert check --requirement`: a run of exactly the tests that name the selected
requirements (an id or a whole area), reported as a partial run; an unknown id or area is a
usage error."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dmcert.contract.requirements import load_requirements, select
from dmcert.suite.verdicts import NOT_EXERCISED, NOT_SELECTED, PASS, aggregate
from dmcert.testkit import Observation
from tests.conftest import Completed, run_dmcert


def junit_requirements(reports: Path) -> list[set[str]]:
    """For each test that ran, the requirement ids it names."""
    root = ET.parse(reports / "junit.xml").getroot()
    return [
        set(prop.get("value").split())
        for case in root.iter("testcase")
        for prop in case.iter("property")
        if prop.get("name") == "requirements"
    ]


def test_an_id_selects_itself_and_an_area_selects_its_ids_in_catalogue_order():
    catalogue = load_requirements()
    assert select(catalogue, ["PAG-004"]) == ("PAG-004",)
    area = select(catalogue, ["pag", "ERR-001"])
    assert area == tuple(r for r in catalogue if r.startswith("PAG-") or r == "ERR-001")
    for unknown in ("PAG-999", "PAGE", ""):
        with pytest.raises(ValueError, match="unknown requirement or area"):
            select(catalogue, [unknown])


def test_requirements_outside_the_selection_are_not_selected_unless_checked():
    catalogue = load_requirements()
    chosen = [catalogue["PAG-004"], catalogue["PAG-005"], catalogue["PAG-006"]]
    seen = [Observation(req, True, "ok", "t", ()) for req in ("PAG-004", "PAG-005")]
    results = aggregate(chosen, seen, [], strict=False, selected=("PAG-004",))
    verdicts = {r.requirement.id: (r.verdict, r.notes) for r in results}
    assert verdicts["PAG-004"][0] == verdicts["PAG-005"][0] == PASS  # checked anyway: kept
    assert verdicts["PAG-006"][0] == NOT_SELECTED
    assert "not selected" in verdicts["PAG-006"][1][0]
    full = aggregate(chosen, seen, [], strict=False)
    assert {r.requirement.id: r.verdict for r in full}["PAG-006"] == NOT_EXERCISED


def check_selecting(reports: Path, selector: str) -> tuple[Completed, dict, list[set[str]]]:
    """A passing `dmcert check --quick --requirement selector` on the embedded target: its
    output, results.json, and the requirement ids of each test that ran (junit.xml)."""
    result = run_dmcert("check", "--quick", "--requirement", selector, "--reports", str(reports))
    assert result.exit_code == 0, result.stdout[-5000:] + result.stderr[-3000:]
    document = json.loads((reports / "results.json").read_text())
    return result, document, junit_requirements(reports)


@pytest.mark.slow
def test_one_requirement_runs_only_its_tests_and_the_report_says_partial(tmp_path: Path):
    reports = tmp_path / "reports"
    result, document, ran = check_selecting(reports, "PAG-004")
    assert ran and all("PAG-004" in ids for ids in ran)
    selection = document["run"]["selection"]
    assert selection["requirement"] == ["PAG-004"] and selection["requirements"] == ["PAG-004"]
    verdicts = {row["id"]: row for row in document["requirements"]}
    assert verdicts["PAG-004"]["verdict"] == "pass"
    named = set().union(*ran)
    for req_id, row in verdicts.items():
        if req_id not in named:
            assert row["verdict"] == "not selected", (req_id, row["verdict"])
            assert row["notes"] == ["not selected in this partial run (--requirement)"]
    assert "--requirement PAG-004" in document["run"]["reproduce"]
    assert "partial run" in (reports / "report.html").read_text()
    assert "partial run" in result.stdout


@pytest.mark.slow
def test_an_area_runs_every_test_naming_one_of_its_requirements(tmp_path: Path):
    _result, document, ran = check_selecting(tmp_path / "reports", "PAG")
    assert ran and all(any(r.startswith("PAG-") for r in ids) for ids in ran)
    paging = [r for r in load_requirements() if r.startswith("PAG-")]
    assert document["run"]["selection"]["requirements"] == paging
    tested = {row["id"] for row in document["requirements"] if row["tests"]}
    assert {"PAG-004", "PAG-010", "PAG-013"} <= tested


@pytest.mark.parametrize("selector", ["PAG-999", "NOPE"])
def test_an_unknown_requirement_or_area_is_a_one_line_usage_error(tmp_path: Path, selector):
    result = run_dmcert("check", "--requirement", selector, "--reports", str(tmp_path / "r"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and selector in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r").exists()

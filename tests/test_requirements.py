"""The requirements catalogue is well formed and its loader refuses malformed entries.

The page list and id pattern are written out here on purpose rather than imported from the
loader: they are the independent statement of what the catalogue may contain.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dmcert.contract.files import data_dir
from dmcert.contract.requirements import (
    AREAS,
    PAGES,
    Requirement,
    area_of,
    default_path,
    load_requirements,
)

ID_PATTERN = re.compile(r"^(ENV|ERR|AUTH|SCOPE|PAG|ORD|PRD|INV|LOC|IDN|IDEM|VER|LIM|CONC)-\d{3}$")
GOOD_ENTRY = """\
- id: PAG-001
  level: MUST
  source: next/reference/pagination
  text: 'A limit above 200 is clamped to 200.'
"""


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Requirement]:
    return load_requirements()


def test_the_catalogue_is_large_and_covers_every_area(catalogue: dict[str, Requirement]) -> None:
    assert len(catalogue) > 80
    assert {area_of(req_id) for req_id in catalogue} == set(AREAS)


def test_ids_match_the_pattern_and_are_the_dict_keys(catalogue: dict[str, Requirement]) -> None:
    for req_id, requirement in catalogue.items():
        assert ID_PATTERN.match(req_id), req_id
        assert requirement.id == req_id


def test_ids_are_unique_in_the_file() -> None:
    text = default_path().read_text(encoding="utf-8")
    ids = re.findall(r"^- id: (\S+)$", text, flags=re.MULTILINE)
    assert len(ids) == len(set(ids)) == len(load_requirements())


def test_ids_are_numbered_from_001_in_order_within_each_area(
    catalogue: dict[str, Requirement],
) -> None:
    seen: dict[str, list[int]] = {}
    for req_id in catalogue:
        seen.setdefault(area_of(req_id), []).append(int(req_id[-3:]))
    for area, numbers in seen.items():
        assert numbers == list(range(1, len(numbers) + 1)), area


def test_levels_are_must_or_should(catalogue: dict[str, Requirement]) -> None:
    assert {r.level for r in catalogue.values()} == {"MUST", "SHOULD"}


def test_every_source_is_a_documented_page(catalogue: dict[str, Requirement]) -> None:
    for requirement in catalogue.values():
        assert requirement.source.removeprefix("next/") in set(PAGES), requirement.id


def test_gap_numbers_are_within_the_gap_list(catalogue: dict[str, Requirement]) -> None:
    gaps = [r.gap for r in catalogue.values() if r.gap is not None]
    assert gaps
    assert all(isinstance(gap, int) and 1 <= gap <= 38 for gap in gaps)


def test_every_should_has_a_gap_or_cites_decisions(catalogue: dict[str, Requirement]) -> None:
    for requirement in catalogue.values():
        if requirement.level == "SHOULD":
            assert requirement.gap is not None or "decisions" in requirement.text, requirement.id


def test_texts_are_single_lines(catalogue: dict[str, Requirement]) -> None:
    for requirement in catalogue.values():
        assert requirement.text.strip() and "\n" not in requirement.text, requirement.id


COLLECT_REQUIREMENTS = """
import json, sys, pytest
from dmcert.suite.plugin import requirement_ids

class Named:
    ids = set()
    def pytest_collection_finish(self, session):
        for item in session.items:
            self.ids.update(requirement_ids(item))

named = Named()
conformance = sys.argv[1]
code = pytest.main(
    ["--collect-only", "-qq", "-c", conformance + "/pytest.ini", "--rootdir", conformance,
     conformance],
    plugins=[named],
)
print(json.dumps({"exit": int(code), "ids": sorted(named.ids)}))
"""


def named_by_conformance_tests() -> set[str]:
    """The requirement ids the collected conformance tests name (parametrized cases included:
    marks given per parameter only show after collection)."""
    proc = subprocess.run(
        [sys.executable, "-c", COLLECT_REQUIREMENTS, str(data_dir("conformance"))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["exit"] == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return set(found["ids"])


def test_every_testable_requirement_is_named_by_a_conformance_test(
    catalogue: dict[str, Requirement],
) -> None:
    named = named_by_conformance_tests()
    orphans = [r.id for r in catalogue.values() if r.testable and r.id not in named]
    assert not orphans, f"testable requirements no conformance test names: {orphans}"


def test_untestable_requirements_are_few(catalogue: dict[str, Requirement]) -> None:
    untestable = [r.id for r in catalogue.values() if not r.testable]
    assert 0 < len(untestable) <= 10


def test_area_of_splits_the_prefix_and_rejects_a_non_id() -> None:
    assert area_of("IDEM-007") == "IDEM"
    with pytest.raises(ValueError):
        area_of("XYZ-001")


def test_a_well_formed_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "requirements.yaml"
    path.write_text(GOOD_ENTRY, encoding="utf-8")
    loaded = load_requirements(path)
    assert loaded == {
        "PAG-001": Requirement(
            "PAG-001", "MUST", "next/reference/pagination", "A limit above 200 is clamped to 200."
        )
    }


@pytest.mark.parametrize(
    ("broken", "complaint"),
    [
        (GOOD_ENTRY.replace("PAG-001", "PAGE-001"), "bad id"),
        (GOOD_ENTRY.replace("PAG-001", "PAG-1"), "bad id"),
        (GOOD_ENTRY.replace("MUST", "MAY"), "level"),
        (GOOD_ENTRY.replace("next/reference/pagination", "reference/paging"), "source"),
        (GOOD_ENTRY.replace("next/reference/pagination", "1.0/reference/pagination"), "source"),
        (GOOD_ENTRY.replace("  source: next/reference/pagination\n", ""), "missing source"),
        (GOOD_ENTRY + "  severity: high\n", "unknown field"),
        (GOOD_ENTRY + "  gap: 39\n", "gap"),
        (GOOD_ENTRY + "  gap: 0\n", "gap"),
        (GOOD_ENTRY + "  gap: '7'\n", "gap"),
        (GOOD_ENTRY + "  testable: maybe\n", "testable"),
        (GOOD_ENTRY + "  tags: [slow]\n", "unknown field"),
        (GOOD_ENTRY.replace("MUST", "SHOULD"), "gap number or must cite decisions"),
        (GOOD_ENTRY.replace("'A limit above 200 is clamped to 200.'", "''"), "text"),
        (GOOD_ENTRY + GOOD_ENTRY, "duplicate id PAG-001"),
        ("id: PAG-001\n", "list"),
        ("- just a string\n", "mapping"),
    ],
)
def test_a_malformed_entry_is_rejected(tmp_path: Path, broken: str, complaint: str) -> None:
    path = tmp_path / "requirements.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match=complaint):
        load_requirements(path)


def test_a_should_with_a_gap_loads(tmp_path: Path) -> None:
    path = tmp_path / "requirements.yaml"
    path.write_text(GOOD_ENTRY.replace("MUST", "SHOULD") + "  gap: 15\n", encoding="utf-8")
    assert load_requirements(path)["PAG-001"].gap == 15


def test_pages_are_those_api_facts_lists():
    """PAGES is api-facts.md section 0, when the shared docs sit beside the checkout."""
    facts = Path(__file__).resolve().parents[2] / "shared" / "api-facts.md"
    if not facts.exists():
        pytest.skip(f"{facts} is not beside this checkout")
    inventory = facts.read_text(encoding="utf-8").split("## 0.", 1)[1].split("\n## ", 1)[0]
    assert set(PAGES) == set(re.findall(r"^\| `([a-z/-]+)` \|", inventory, re.MULTILINE))


def test_the_readme_states_the_catalogue_size_and_lists_every_area(
    catalogue: dict[str, Requirement],
) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    musts = sum(requirement.level == "MUST" for requirement in catalogue.values())
    stated = f"{len(catalogue)} requirements ({musts} MUST, {len(catalogue) - musts} SHOULD)"
    assert f"The catalogue holds {stated} in {len(AREAS)} areas" in readme
    for area in AREAS:
        assert re.search(rf"^\| {area} \|", readme, flags=re.MULTILINE), area

"""The requirements catalogue (conformance/requirements.yaml): what the suite checks, by id.

Tests declare the ids they verify and reports list every requirement, so the catalogue is
validated as it loads: a typo in an id, level or source page would otherwise silently drop
a requirement from the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from dmcert.contract.files import data_dir

AREAS = (
    "ENV",
    "ERR",
    "AUTH",
    "SCOPE",
    "PAG",
    "ORD",
    "PRD",
    "INV",
    "LOC",
    "IDN",
    "IDEM",
    "VER",
    "LIM",
    "CONC",
)
LEVELS = ("MUST", "SHOULD")
GAP_COUNT = 38
"""Gaps and contradictions are numbered 1..GAP_COUNT in api-facts.md section 24."""

PAGES = (
    "quick-start",
    "authentication",
    "changelog",
    "api-reference/orders",
    "api-reference/products",
    "api-reference/inventory",
    "api-reference/locations",
    "reference/pagination",
    "reference/scopes",
    "reference/idempotency",
    "reference/versioning",
    "reference/rate-limits",
    "reference/security",
    "reference/api-keys",
    "customization/overview",
    "customization/field-mapping",
    "customization/configuring-mappings",
    "customization/partner-templates",
    "customization/identifiers",
    "customization/integration-logs",
)
"""Documentation pages (api-facts.md section 0); a source may prefix one with `next/`."""

_ID = re.compile(rf"^({'|'.join(AREAS)})-\d{{3}}$")
_REQUIRED = {"id", "level", "source", "text"}
_OPTIONAL = {"gap", "testable"}


@dataclass(frozen=True)
class Requirement:
    """One normative statement: MUST if the docs state it, SHOULD if it is our reading."""

    id: str
    level: str
    source: str
    text: str
    gap: int | None = None
    testable: bool = True

    @property
    def area(self) -> str:
        return area_of(self.id)


def area_of(req_id: str) -> str:
    """The area prefix of a requirement id (`PAG-004` → `PAG`)."""
    if not _ID.match(req_id):
        raise ValueError(f"not a requirement id: {req_id!r}")
    return req_id.rsplit("-", 1)[0]


def default_path() -> Path:
    return data_dir("conformance") / "requirements.yaml"


def load_requirements(path: Path | str | None = None) -> dict[str, Requirement]:
    """Every requirement of the catalogue by id, in file order; ValueError on a bad entry."""
    path = Path(path) if path is not None else default_path()
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a list of requirements")
    requirements: dict[str, Requirement] = {}
    for position, entry in enumerate(entries):
        requirement = _parse(entry, f"{path}: entry {position}")
        if requirement.id in requirements:
            raise ValueError(f"{path}: duplicate id {requirement.id}")
        requirements[requirement.id] = requirement
    return requirements


def _parse(entry: object, where: str) -> Requirement:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a mapping")
    if missing := _REQUIRED - entry.keys():
        raise ValueError(f"{where}: missing {', '.join(sorted(missing))}")
    if unknown := entry.keys() - _REQUIRED - _OPTIONAL:
        raise ValueError(f"{where}: unknown field {', '.join(sorted(map(str, unknown)))}")
    req_id, level, source, text = (entry[k] for k in ("id", "level", "source", "text"))
    if not isinstance(req_id, str) or not _ID.match(req_id):
        raise ValueError(f"{where}: bad id {req_id!r}")
    where = f"{where} ({req_id})"
    if level not in LEVELS:
        raise ValueError(f"{where}: level must be one of {LEVELS}, not {level!r}")
    if not isinstance(source, str) or source.removeprefix("next/") not in PAGES:
        raise ValueError(f"{where}: source {source!r} is not a documentation page")
    if not isinstance(text, str) or not text.strip() or "\n" in text:
        raise ValueError(f"{where}: text must be one non-empty line")
    gap = entry.get("gap")
    if gap is not None and (type(gap) is not int or not 1 <= gap <= GAP_COUNT):
        raise ValueError(f"{where}: gap must be an integer in 1..{GAP_COUNT}, not {gap!r}")
    if level == "SHOULD" and gap is None and "decisions" not in text:
        raise ValueError(f"{where}: a SHOULD needs a gap number or must cite decisions")
    testable = entry.get("testable", True)
    if not isinstance(testable, bool):
        raise ValueError(f"{where}: testable must be true or false")
    return Requirement(req_id, level, source, text, gap, testable)


def select(requirements: Mapping[str, Requirement], selectors: Iterable[str]) -> tuple[str, ...]:
    """The ids that `--requirement` selectors name, in catalogue order: each selector is an
    id (`PAG-004`) or an area (`PAG`); ValueError names the first unknown one."""
    chosen: set[str] = set()
    for selector in selectors:
        name = selector.strip().upper()
        found = {req_id for req_id in requirements if name in (req_id, area_of(req_id))}
        if not found:
            raise ValueError(
                f"unknown requirement or area {selector!r} (an id like PAG-004, or one of "
                f"{', '.join(AREAS)})"
            )
        chosen |= found
    return tuple(req_id for req_id in requirements if req_id in chosen)

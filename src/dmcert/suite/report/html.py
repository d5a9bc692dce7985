"""report.html: the run as a certificate a partner can keep."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from dmcert.contract.requirements import area_of

_ENV = Environment(
    loader=PackageLoader("dmcert.suite.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def per_area(requirements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Verdict counts per requirement area, in catalogue order."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for req in requirements:
        table[area_of(req["id"])][req["verdict"]] += 1
    return [{"area": area, **counts} for area, counts in table.items()]


def render_html(document: dict[str, Any], signature: dict[str, Any]) -> str:
    """The certificate; `signature` describes the bundle it is signed into (signing.py)."""
    return _ENV.get_template("report.html.j2").render(
        doc=document, areas=per_area(document["requirements"]), signature=signature
    )

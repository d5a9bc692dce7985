"""Finishing pytest's junit.xml for the certificate: a waived failure becomes a skipped case
that gives the waiver as its reason (so CI dashboards agree with the gate), and no secret
survives in it (pytest writes failure text as it was raised)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

from dmcert.contract.redaction import Redactor

NODEID_PROPERTY = "nodeid"
"""The per-test property the plugin records, so a case is found by its node id."""
WAIVED_TYPE = "dmcert.waived"


def finish_junit(path: Path, waived: Mapping[str, str], redactor: Redactor) -> bytes | None:
    """Rewrite junit.xml in place; returns its final bytes, or None when there is none."""
    if not path.exists():
        return None
    root = ET.parse(path).getroot()
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            reason = waived.get(_nodeid(case) or "")
            if reason is not None and _waive(case, reason):
                _shift(suite, "failures", -1)
                _shift(suite, "skipped", +1)
    for element in root.iter():
        element.text = redactor.text(element.text) if element.text else element.text
        element.tail = redactor.text(element.tail) if element.tail else element.tail
        element.attrib = {name: redactor.text(value) for name, value in element.attrib.items()}
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
    path.write_bytes(data)
    return data


def _nodeid(case: ET.Element) -> str | None:
    for prop in case.iter("property"):
        if prop.get("name") == NODEID_PROPERTY:
            return prop.get("value")
    return None


def _waive(case: ET.Element, reason: str) -> bool:
    """Replace the case's failure by a skip naming the waiver; the failure's text stays as
    the skip's text, so the evidence is not lost."""
    failures = case.findall("failure")
    if not failures:
        return False
    skipped = ET.Element("skipped", type=WAIVED_TYPE, message=reason)
    skipped.text = "\n".join(f.get("message", "") + "\n" + (f.text or "") for f in failures)
    for failure in failures:
        case.remove(failure)
    case.append(skipped)
    return True


def _shift(suite: ET.Element, counter: str, by: int) -> None:
    suite.set(counter, str(int(suite.get(counter, "0")) + by))

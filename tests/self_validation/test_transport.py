"""The transport rule (ENV-015) in both directions: a reference target serving TLS as the docs
describe passes it, the faults that break it are caught (faults.py: hsts_missing,
tls_1_1_allowed), and a plain-HTTP target leaves it not exercised rather than passed."""

from __future__ import annotations

import json
from pathlib import Path

from dmcert.reference.server import RunningTarget
from tests.self_validation.conftest import run_check

TRANSPORT = "test_transport"


def env_015(reports: Path) -> dict:
    document = json.loads((reports / "results.json").read_text(encoding="utf-8"))
    return next(row for row in document["requirements"] if row["id"] == "ENV-015")


def test_a_target_serving_tls_1_2_with_hsts_passes(tmp_path: Path):
    with RunningTarget(tls=True) as target:
        assert target.url.startswith("https://")
        result = run_check(target, tmp_path / "reports", "--quick", "-k", TRANSPORT)
    assert result.exit_code == 0, result.output
    row = env_015(tmp_path / "reports")
    assert row["verdict"] == "pass" and row["checks"] >= 4, row
    assert len(row["tests"]) == 4


def test_a_plain_http_target_does_not_exercise_the_transport_rule(tmp_path: Path):
    with RunningTarget() as target:
        run_check(target, tmp_path / "reports", "--quick", "-k", TRANSPORT)
    row = env_015(tmp_path / "reports")
    assert row["verdict"] == "not exercised"
    assert row["notes"] == ["target is plain HTTP"]

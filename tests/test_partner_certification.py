"""Partner certification end to end: a partner's own mapping file, loaded by a separately
started `dmcert serve --partners FILE`, certifies the partner's key through a target profile
that names the same file; the profile and the embedded target carry partner keys."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from dmcert.contract.target_profile import load_profile
from dmcert.reference.server import RunningTarget
from tests.conftest import run_dmcert

PARTNER_FILE = """\
[partners.acme]
default_identifier_field = "order_number"

[partners.acme.orders]
is_active = true
fields = { "po_number" = "order_number", "header.vendor.name" = "customer_name", \
"lines[0].ship_to" = "notes", "ref" = "external_order_id" }
static = { "metadata.source" = "acme" }

[[partners.acme.orders.arrays]]
from = "Details[]"
to = "items[]"
fields = { "InventoryID" = "sku_code", "OrderQty" = "quantity" }

[partners.acme.products]
is_active = false
fields = { "ItemCode" = "sku" }
"""
PARTNER_RULES = ("ENV-014", "ENV-016", "ENV-017", "ENV-018", "ENV-019", "ENV-020", "IDN-010")


def profile_with_partner_file(target: RunningTarget, directory: Path) -> Path:
    """The full pass-through key and the partner key, whose mapping is `acme.toml`."""
    keys = target.profile.keys
    text = (
        f'[target]\norder_identifier = "{target.profile.order_identifier}"\n\n'
        f'[keys.full]\nkey = "{keys["full"].value}"\nscopes = ["integrations.*"]\n\n'
        f'[keys.acme]\nkey = "{keys["partner_acme"].value}"\nscopes = ["integrations.*"]\n'
        'partner = "acme"\npartner_file = "acme.toml"\n'
    )
    path = directory / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_partner_key_is_certified_against_a_target_serving_its_mapping_file(tmp_path: Path):
    (tmp_path / "acme.toml").write_text(PARTNER_FILE, encoding="utf-8")
    with RunningTarget(partners=tmp_path / "acme.toml") as target:
        assert [key.partner.name for key in target.profile.mapped_keys()] == ["acme"]
        profile = profile_with_partner_file(target, tmp_path)
        assert load_profile(profile).keys["acme"].partner.mapping("orders").is_active
        args = [f"--requirement={rule}" for rule in PARTNER_RULES]
        reports = tmp_path / "reports"
        result = run_dmcert(
            "check",
            "--target",
            target.url,
            "--keys",
            str(profile),
            "--reports",
            str(reports),
            *args,
        )
    assert result.exit_code == 0, result.stdout[-5000:] + result.stderr[-3000:]
    verdicts = {
        row["id"]: row["verdict"]
        for row in json.loads((reports / "results.json").read_text())["requirements"]
    }
    assert all(verdicts[rule] == "pass" for rule in PARTNER_RULES), verdicts


def test_the_keys_file_written_by_serve_links_a_key_to_each_shipped_template(tmp_path: Path):
    with RunningTarget() as target:
        mapped = {key.name: key.partner for key in target.profile.mapped_keys()}
    assert {"partner_acumatica", "partner_sap_business_one", "partner_custom"} <= set(mapped)
    assert all(partner.illustrative for name, partner in mapped.items() if name != "partner_custom")
    assert mapped["partner_acumatica"].mapping("orders").identifier_field == "external_order_id"


def test_the_integration_log_records_partner_key_name_raw_and_mapped_payload(tmp_path: Path):
    (tmp_path / "acme.toml").write_text(PARTNER_FILE, encoding="utf-8")
    with RunningTarget(partners=tmp_path / "acme.toml") as target:
        keys = target.profile.keys
        root = f"{target.url}/api/integrations/v1"
        sent = {"po_number": "PO-LOG-1", "Details": [{"InventoryID": "NOPE", "OrderQty": 1}]}
        httpx.post(f"{root}/orders/", json=sent, headers={"X-API-Key": keys["partner_acme"].value})
        httpx.get(f"{root}/orders/", headers={"X-API-Key": keys["full"].value})
        mapped, passed = target.audit_entries()[-2:]
    assert (mapped["partner"], mapped["key_name"]) == ("acme", "partner_acme")
    assert json.loads(mapped["payload"]) == sent
    assert json.loads(mapped["mapped_payload"]) == {
        "order_number": "PO-LOG-1",
        "items": [{"sku_code": "NOPE", "quantity": 1}],
        "metadata": {"source": "acme"},
    }
    assert (passed["partner"], passed["key_name"]) == ("", "full")

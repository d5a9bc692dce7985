"""The partner templates the reference target ships (illustrative: the docs name them but
not their content; see partner_templates.toml)."""

from __future__ import annotations

from importlib.resources import files

from dmcert.contract.partners import Partner, load_partners_file


def shipped_templates() -> dict[str, Partner]:
    """Every shipped template as a partner, by name."""
    with_path = files("dmcert.reference").joinpath("partner_templates.toml")
    return load_partners_file(str(with_path))

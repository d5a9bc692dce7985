"""Where the shipped data lives: spec/, conformance/ and load/.

A wheel carries them under `dmcert/_data/`; a checkout (editable install) has them at the
repository root. Everything that needs one of them asks here, so both layouts work.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # the dmcert package


def data_dir(name: str) -> Path:
    """Directory `name` ("spec", "conformance" or "load") of this installation."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = _PACKAGE.parents[1] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"dmcert installation is incomplete: no {name}/ directory")


def spec_path() -> Path:
    """The contract, spec/openapi.yaml."""
    return data_dir("spec") / "openapi.yaml"

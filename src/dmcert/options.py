"""Option rules `dmcert check`, `dmcert load` and the suite's own pytest options share, each
written once so the three entry points cannot drift apart."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dmcert.errors import UsageError


def reports_dir(given: str | Path | None) -> Path:
    """`--reports DIR`, or `reports/<UTC timestamp>/` in the working directory."""
    reports = Path(given or Path("reports") / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    if reports.exists() and not reports.is_dir():
        raise UsageError(f"--reports {reports} exists and is not a directory")
    return reports


def create_reports_dir(reports: Path) -> None:
    """Create the reports directory and prove a file can be written into it, before the
    run: a run must not find out at its end that it cannot write its reports."""
    try:
        reports.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=reports, prefix=".dmcert-write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise UsageError(f"--reports {reports}: cannot write there ({reason})") from None


def check_target_and_keys(target: str | None, keys: str | None) -> None:
    """--target and --keys go together: the embedded target brings its own keys."""
    if keys and not target:
        raise UsageError(
            "--keys needs --target (without --target the embedded target has its own keys)"
        )
    if target and not keys:
        raise UsageError("--target needs --keys FILE (the target profile; see README)")


def certification_options(
    bundle: str | None, sign_key: str | None, waivers: str | None
) -> dict[str, Any]:
    """--bundle, --sign-key and --waivers as the Run fields they set; a bad one is one line
    and exit 2, before anything runs."""
    from dmcert.contract.requirements import load_requirements
    from dmcert.suite.signing import Signer, load_private_key
    from dmcert.suite.waivers import load_waivers

    path = Path(bundle) if bundle else None
    if path is not None and path.is_dir():
        path = path / "bundle.dmcert"
    if path is not None and path.exists() and not path.is_file():
        raise UsageError(f"--bundle {bundle} exists and is not a file")
    return {
        "bundle": path,
        "signer": load_private_key(sign_key) if sign_key else Signer.ephemeral(),
        "waivers": load_waivers(waivers, load_requirements()),
    }

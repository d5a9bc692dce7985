"""Option rules `dmcert check`, `dmcert load` and the suite's own pytest options share, each
written once so the three entry points cannot drift apart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dmcert.errors import UsageError


def reports_dir(given: str | Path | None) -> Path:
    """`--reports DIR`, or `reports/<UTC timestamp>/` in the working directory."""
    reports = Path(given or Path("reports") / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    if reports.exists() and not reports.is_dir():
        raise UsageError(f"--reports {reports} exists and is not a directory")
    return reports


def check_target_and_keys(target: str | None, keys: str | None) -> None:
    """--target and --keys go together: the embedded target brings its own keys."""
    if keys and not target:
        raise UsageError(
            "--keys needs --target (without --target the embedded target has its own keys)"
        )
    if target and not keys:
        raise UsageError("--target needs --keys FILE (the target profile; see README)")

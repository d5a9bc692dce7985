"""Reading the TOML files a user hands dmcert (keys file, partners file, SLO file): every
way reading one can fail is one line naming the file, worded the same for all of them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from dmcert.errors import UsageError


def read_toml(path: Path, what: str, error: type[Exception] = UsageError) -> dict[str, Any]:
    """The parsed file; `error` ("<what> not found: <path>", ...) when it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read {what} {path}: {exc.__class__.__name__}") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} {path} is not valid TOML: {exc}") from None

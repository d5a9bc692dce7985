"""The suite leaves nothing outside the reports directory: hypothesis, which would create
`.hypothesis/` in the user's working directory, keeps its files under the reports."""

from __future__ import annotations

from pathlib import Path

import hypothesis
from hypothesis.configuration import set_hypothesis_home_dir

PROFILE = "dmcert"


def keep_hypothesis_in(reports: Path) -> None:
    """No example database (a run is reproduced from its seed, not from stored examples),
    and hypothesis's other files (e.g. its constants cache) under the reports directory."""
    set_hypothesis_home_dir(reports / ".hypothesis")
    hypothesis.settings.register_profile(PROFILE, database=None)
    hypothesis.settings.load_profile(PROFILE)

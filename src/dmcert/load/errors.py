"""The one load-specific error: the run itself could not be carried out."""

from __future__ import annotations

from dmcert.errors import EXIT_FAILED, DmcertError


class LoadRunError(DmcertError):
    """The data set could not be prepared, or Locust ended without results: the gate cannot
    pass."""

    exit_code = EXIT_FAILED

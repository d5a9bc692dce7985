"""Keeping secrets out of everything dmcert writes: reports, logs, exception messages.

Every exchange passes through a Redactor before it is stored, so evidence can be shown in
full without showing a key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SECRET_HEADERS = frozenset({"x-api-key", "x-admin-token", "authorization", "cookie"})
REDACTED = "<redacted>"


class Redactor:
    """Replaces known secret strings and secret-carrying headers with a placeholder."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {
            name: (REDACTED if name.lower() in SECRET_HEADERS else self.text(value))
            for name, value in headers.items()
        }

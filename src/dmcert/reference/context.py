"""What a resource handler receives: one authenticated, routed, scope-checked request."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dmcert.reference import validation
from dmcert.reference.database import Database
from dmcert.reference.responses import ApiError, not_found, validation_error
from dmcert.reference.settings import Settings
from dmcert.reference.validation import MAX_IDENTIFIER

_CRASH_DEPTH = 1000


class DropConnection(Exception):
    """Fault injection: close the client's connection without answering."""


@dataclass
class Call:
    settings: Settings
    db: Database
    method: str
    resource: str
    identifier: str | None
    query: Mapping[str, str]
    body: bytes
    _parsed: dict[str, Any] | None = field(default=None, init=False, repr=False)

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (400 VALIDATION_ERROR otherwise)."""
        if self._parsed is None:
            if (
                self.settings.has("crash_on_nested_json")
                and validation.nesting_depth(self.body) > _CRASH_DEPTH
            ):
                os._exit(70)  # the process dies mid-request, as a stack overflow would end it
            try:
                self._parsed = validation.parse_object(self.body)
            except ApiError as exc:
                if exc.message == validation.NOT_JSON and self.settings.has(
                    "server_error_on_bad_json"
                ):
                    raise RuntimeError("server_error_on_bad_json fault") from None
                if exc.message == validation.NOT_JSON and self.settings.has(
                    "drop_connection_on_bad_json"
                ):
                    raise DropConnection from None
                raise
        return self._parsed

    def optional_json(self) -> dict[str, Any]:
        """The body as a JSON object, or {} when there is none (DELETE)."""
        return self.json() if self.body.strip() else {}

    def key(self, what: str) -> str:
        """The identifier of the path, checked to be one a record can have (404 if not).

        Undecodable, overlong or NUL-holding identifiers cannot exist, so they are not
        looked up (PostgreSQL would reject a NUL)."""
        value = self.identifier
        if value is None or not value or len(value) > MAX_IDENTIFIER:
            raise self.missing(what)
        if validation.clean_string(value) is not None:
            raise self.missing(what)
        return value

    def missing(self, what: str) -> ApiError:
        """The answer for an unknown record ('Product' ...)."""
        message = f"{what} '{self.identifier}' not found."
        if self.settings.has("not_found_as_400"):
            return validation_error(message)
        return not_found(message)

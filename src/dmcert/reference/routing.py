"""Routing on the raw request path, so an identifier holding `/` (sent as %2F) stays one
path segment: the raw path is split on `/` first, then each segment is percent-decoded once
(a double-encoded value is taken literally after that one decode).

Unknown paths are 404 NOT_FOUND; a documented path with an undocumented method is 405
METHOD_NOT_ALLOWED with an Allow header (decisions.md, General).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from dmcert.reference.responses import ApiError, not_found, validation_error
from dmcert.reference.settings import Settings

BASE_SEGMENTS = ("api", "integrations", "v1")
FIREWALL_REJECTS = ("%25", "%3B", ";", "%2B", "+")
"""What the strict_identifier_firewall variant refuses in a raw path: Spring Security's
StrictHttpFirewall rejects an encoded percent and any semicolon (encoded slashes allowed, as
the docs need %2F), IIS request filtering a plus (allowDoubleEscaping false)."""
COLLECTION = "collection"
ITEM = "item"


@dataclass(frozen=True)
class Endpoint:
    """One documented operation: its handler and, for writes, the body validator (which the
    validation_before_auth variant runs early)."""

    handler: Callable[[Any], Any]
    validator: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Match:
    resource: str
    identifier: str | None  # None on a collection, or an undecodable item segment
    methods: dict[str, Endpoint]

    def endpoint(self, method: str, *, head_is_get: bool = True) -> Endpoint:
        """The endpoint for `method` (HEAD is GET without a body), or 405."""
        wanted = "GET" if method == "HEAD" and head_is_get else method
        found = self.methods.get(wanted)
        if found is None:
            raise ApiError(
                405,
                "METHOD_NOT_ALLOWED",
                f"Method {method} is not allowed on this path.",
                {"Allow": self.allow},
            )
        return found

    @property
    def allow(self) -> str:
        names = set(self.methods)
        if "GET" in names:
            names.add("HEAD")
        return ", ".join(sorted(names))


@dataclass
class Router:
    """Endpoints by (resource, collection|item) and method."""

    routes: dict[tuple[str, str], dict[str, Endpoint]] = field(default_factory=dict)

    def add(self, resource: str, kind: str, method: str, endpoint: Endpoint) -> None:
        self.routes.setdefault((resource, kind), {})[method] = endpoint

    def match(self, segments: list[str | None]) -> Match:
        """The route for the path segments after the base path, or 404. An item route may
        carry identifier None: a segment that could not be decoded (no record has it)."""
        if segments and segments[-1] == "":
            parts = segments[:-1]
            if len(parts) == 1 and (parts[0], COLLECTION) in self.routes:
                return Match(parts[0], None, self.routes[(parts[0], COLLECTION)])
            if len(parts) == 2 and parts[1] != "" and (parts[0], ITEM) in self.routes:
                return Match(parts[0], parts[1], self.routes[(parts[0], ITEM)])
        raise not_found("No such endpoint.")

    def wants_slash(self, segments: list[str | None]) -> bool:
        """Whether these segments name a route once a trailing slash is added."""
        if not segments or segments[-1] == "":
            return False
        try:
            self.match([*segments, ""])
        except ApiError:
            return False
        return True


def path_segments(settings: Settings, scope: dict[str, Any]) -> list[str | None]:
    """The percent-decoded segments of the request path; None for one that is not UTF-8."""
    if settings.has("slash_identifier_broken"):
        return list(scope["path"].split("/")[1:])
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    return [_decode(settings, segment) for segment in raw.decode("latin-1").split("/")[1:]]


def firewall(settings: Settings, scope: dict[str, Any]) -> None:
    """The strict_identifier_firewall variant: 400 for a raw path holding a string the
    firewall rejects, before the API sees the request."""
    if not settings.chose("strict_identifier_firewall"):
        return
    raw = (scope.get("raw_path") or scope["path"].encode("utf-8")).decode("latin-1").upper()
    for rejected in FIREWALL_REJECTS:
        if rejected in raw:
            raise validation_error(
                "The request was rejected because the URL contained a potentially malicious "
                f'String "{rejected}".'
            )


def _decode(settings: Settings, segment: str) -> str | None:
    try:
        text = unquote(segment, errors="strict")
        if settings.has("unicode_identifier_broken"):
            text.encode("ascii")
        if settings.has("plus_read_as_space"):
            text = text.replace("+", " ")
        if settings.has("space_identifier_slugified"):
            text = text.replace(" ", "-")
    except UnicodeError:
        return None
    return text


def without_slash(segments: list[str | None]) -> list[str | None]:
    """The locations_without_slash fault: `/locations` and `/locations/<code>` are routed as
    if they had their trailing `/`, and the documented paths (with it) match nothing."""
    if segments[:1] != ["locations"]:
        return segments
    return [*segments, ""]


def api_segments(segments: list[str | None]) -> list[str | None] | None:
    """The segments after the API base path, or None when the path is outside it."""
    if tuple(segments[: len(BASE_SEGMENTS)]) != BASE_SEGMENTS:
        return None
    return segments[len(BASE_SEGMENTS) :]

"""The suite's HTTP client: talks to the API base path of a target with a named key and
keeps every exchange as redacted evidence."""

from __future__ import annotations

import ssl
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from dmcert.contract.probe import json_or_none
from dmcert.contract.redaction import Redactor
from dmcert.contract.spec import BASE_PATH
from dmcert.contract.target_profile import ApiKey
from dmcert.contract.tls import client_context
from dmcert.testkit._exchange import Exchange
from dmcert.testkit._transport import (
    CLOSED_CONNECTION,
    ClosedWhileSending,
    TargetNotAnswering,
    TransportWatch,
    why_no_answer,
)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""The only methods a --read-only run sends, whatever the target would answer to others."""


@dataclass(frozen=True)
class Reply:
    """A response as the checks see it: status, headers, decoded body, and its evidence."""

    status: int
    headers: httpx.Headers
    body: Any
    text: str
    exchange: Exchange

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    @property
    def error_code(self) -> str | None:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error.get("code") if isinstance(error, dict) else None

    @property
    def code(self) -> str:
        """The error code upper-cased, for rules about which code: its casing is ERR-001's
        concern alone, so one wrong casing fails one rule, not every rule naming a code."""
        return (self.error_code or "").upper()

    @property
    def record(self) -> dict[str, Any]:
        """`data` when it is one record (a JSON object), else empty: a check then reports
        the fields it misses instead of crashing on a malformed body."""
        return self.data if isinstance(self.data, dict) else {}

    @property
    def error_message(self) -> str:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        return message if isinstance(message, str) else ""

    @property
    def said(self) -> str:
        """`answered 400 VALIDATION_ERROR`: status and error code, for expectation messages."""
        return f"answered {self.status} {self.error_code or ''}".rstrip()

    @property
    def detail(self) -> Any:
        return self.body.get("detail") if isinstance(self.body, dict) else None

    def is_detail_body(self, text: str | None = None) -> bool:
        """The auth layer's {"detail": <string>} (that `text`, if given) with nothing of the
        application envelope (no success or error member). Other members are allowed, as a
        Problem Details body has them: the versioning page has clients tolerate unknown
        response fields."""
        body = self.body
        return (
            isinstance(body, dict)
            and isinstance(body.get("detail"), str)
            and (text is None or body["detail"] == text)
            and "success" not in body
            and "error" not in body
        )


RESERVED_IN_PATHS = "#?&+%;="
"""Characters whose resolution in a percent-encoded identifier is dmcert's reading, not the
docs' (which name `/` and spaces): only IDN-011 (SHOULD, gap 13) sends them in a path, so a
server that refuses them there (a Spring or IIS firewall) fails no MUST."""


PATH_SAFE = frozenset(string.ascii_letters + string.digits + "-_./ ")
"""What a drawn identifier keeps when a MUST judges the call addressing it: ASCII letters and
digits, `-_.`, and the `/` and space the docs name. Non-ASCII text (IDN-008), the
RESERVED_IN_PATHS (IDN-011), `\\ : < > *` and control characters are what a firewall in front
of a conformant API may refuse in a path (decisions: General)."""


def documented_identifier(value: str) -> str:
    """`value` with only PATH_SAFE characters, for an identifier a MUST check may put in a path."""
    return "".join(char for char in value if char in PATH_SAFE)


def path_of(collection: str, identifier: str | None = None) -> str:
    """`/products/` or `/products/<percent-encoded identifier>/` (identifiers may hold `/`)."""
    if identifier is None:
        return f"/{collection}/"
    return f"/{collection}/{quote(identifier, safe='')}/"


@dataclass
class ApiClient:
    """HTTP to `<root>/api/integrations/v1` with per-call choice of key.

    `key` is an ApiKey, a raw string (for invalid-key probes), or None (no header at all).
    `read_only` refuses every method outside READ_ONLY_METHODS before anything is sent: a
    write the target "must refuse" still writes on a target that wrongly accepts it.
    Over https the certificate is verified against `ca_file`, or the system trust without one.
    """

    root: str
    redactor: Redactor
    default_key: ApiKey | None = None
    read_only: bool = False
    timeout: float = 30.0
    on_reply: Callable[[str, str, int, str | None], None] | None = None
    ca_file: Path | None = None
    watch: TransportWatch | None = None
    tls: ssl.SSLContext | None = field(default=None, repr=False)
    """Shared by a client and its twins: building one costs more than a whole request."""
    _http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.tls is None:
            self.tls = client_context(self.ca_file)
        self._http = httpx.Client(
            base_url=self.root + BASE_PATH,
            timeout=self.timeout,
            follow_redirects=False,
            verify=self.tls,
        )

    def close(self) -> None:
        self._http.close()

    def twin(self) -> ApiClient:
        """A client like this one over connections of its own (a concurrent client)."""
        return ApiClient(
            root=self.root,
            redactor=self.redactor,
            default_key=self.default_key,
            read_only=self.read_only,
            timeout=self.timeout,
            on_reply=self.on_reply,
            ca_file=self.ca_file,
            watch=self.watch,
            tls=self.tls,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        key: Any = ...,
        json: Any = ...,
        content: bytes | str | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        may_close: bool = False,
    ) -> Reply:
        """Send one request (in a read-only run, only GET, HEAD or OPTIONS). With `may_close`
        (a request the target may refuse by closing, such as an oversized body), a closed or
        reset connection raises ClosedWhileSending instead of being an ERR-004 finding."""
        method = method.upper()
        if self.read_only and method not in READ_ONLY_METHODS:
            raise ReadOnlyViolation(f"{method} {path} is not sent in a --read-only run")
        send_headers = dict(headers or {})
        chosen = self.default_key if key is ... else key
        if isinstance(chosen, ApiKey):
            send_headers["X-API-Key"] = chosen.value
        elif isinstance(chosen, str):
            send_headers["X-API-Key"] = chosen
        kwargs: dict[str, Any] = {"params": params, "headers": send_headers}
        if json is not ...:
            kwargs["json"] = json
        elif content is not None:
            kwargs["content"] = content
        response = self._send(self._http.build_request(method, path, **kwargs), may_close)
        reply = Reply(
            status=response.status_code,
            headers=response.headers,
            body=json_or_none(response),
            text=response.text,
            exchange=Exchange.record(response, self.redactor),
        )
        if self.on_reply is not None:
            self.on_reply(method, path, reply.status, reply.error_code)
        if self.watch is not None:
            self.watch.answered(reply.exchange)
        return reply

    def _send(self, request: httpx.Request, may_close: bool = False) -> httpx.Response:
        """Send, turning a missing answer into TargetNotAnswering with the request as evidence
        (into ClosedWhileSending for a closed connection when the target `may_close`). httpx
        reads an answer the target sent before closing, so a 413 is seen when it arrived."""
        if self.watch is not None:
            self.watch.before_send()
        try:
            return self._http.send(request)
        except httpx.TransportError as exc:
            exchange = Exchange.unanswered(request, self.redactor, why_no_answer(exc, self.timeout))
            if may_close and isinstance(exc, CLOSED_CONNECTION):
                raise ClosedWhileSending(exchange) from None
            if self.watch is not None:
                self.watch.unanswered(exchange)
            raise TargetNotAnswering(exchange) from None

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def read(self, collection: str, identifier: str, **kwargs: Any) -> Reply:
        """GET one record, e.g. `read("products", sku)`."""
        return self.get(path_of(collection, identifier), **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Reply:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)


class ReadOnlyViolation(RuntimeError):
    """A test tried to send a method other than GET, HEAD or OPTIONS during a --read-only
    run: a bug in the suite (the test lacks its `writes` marker), not in the target."""

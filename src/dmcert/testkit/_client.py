"""The suite's HTTP client: talks to the API base path of a target with a named key and
keeps every exchange as redacted evidence."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from dmcert.contract.probe import json_or_none
from dmcert.contract.redaction import Redactor
from dmcert.contract.spec import BASE_PATH
from dmcert.contract.target_profile import ApiKey
from dmcert.testkit._exchange import Exchange

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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


def path_of(collection: str, identifier: str | None = None) -> str:
    """`/products/` or `/products/<percent-encoded identifier>/` (identifiers may hold `/`)."""
    if identifier is None:
        return f"/{collection}/"
    return f"/{collection}/{quote(identifier, safe='')}/"


@dataclass
class ApiClient:
    """HTTP to `<root>/api/integrations/v1` with per-call choice of key.

    `key` is a ApiKey, a raw string (for invalid-key probes), or None (no header at all).
    `read_only` refuses writes unless the caller marks them as certain to be rejected.
    """

    root: str
    redactor: Redactor
    default_key: ApiKey | None = None
    read_only: bool = False
    timeout: float = 30.0
    on_reply: Callable[[str, str, int, str | None], None] | None = None
    tls: ssl.SSLContext | None = field(default=None, repr=False)
    """Shared by a client and its twins: building one costs more than a whole request."""
    _http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.tls is None:
            self.tls = httpx.create_ssl_context()
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
        rejected: bool = False,
    ) -> Reply:
        """Send one request. `rejected=True` declares a write that must be refused before it
        changes anything (allowed in read-only runs)."""
        method = method.upper()
        if self.read_only and method in WRITE_METHODS and not rejected:
            raise ReadOnlyViolation(f"{method} {path} would write in a --read-only run")
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
        response = self._http.request(method, path, **kwargs)
        reply = Reply(
            status=response.status_code,
            headers=response.headers,
            body=json_or_none(response),
            text=response.text,
            exchange=Exchange.record(response, self.redactor),
        )
        if self.on_reply is not None:
            self.on_reply(method, path, reply.status, reply.error_code)
        return reply

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Reply:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)


class ReadOnlyViolation(RuntimeError):
    """A test tried to write during a --read-only run: a bug in the suite, not the target."""

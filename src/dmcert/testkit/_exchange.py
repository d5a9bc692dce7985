"""One HTTP request and its response, as evidence: redacted, excerpted, JSON-ready."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import httpx

from dmcert.contract.redaction import Redactor

BODY_EXCERPT = 2000


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int
    response_headers: dict[str, str]
    response_body: str

    @classmethod
    def record(cls, response: httpx.Response, redactor: Redactor) -> Exchange:
        request = response.request
        body = request.content.decode("utf-8", "replace") if request.content else None
        return cls(
            method=request.method,
            url=redactor.text(str(request.url)),
            request_headers=redactor.headers(dict(request.headers)),
            request_body=None if body is None else redactor.text(_excerpt(body)),
            status=response.status_code,
            response_headers=redactor.headers(dict(response.headers)),
            response_body=redactor.text(_excerpt(response.text)),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line: `POST /api/.../orders/ -> 400 {"success": false, ...}`."""
        body = " ".join(self.response_body.split())[:200]
        return f"{self.method} {self.url} -> {self.status} {body}"


def _excerpt(text: str) -> str:
    if len(text) <= BODY_EXCERPT:
        return text
    return f"{text[:BODY_EXCERPT]}... [{len(text) - BODY_EXCERPT} more characters]"

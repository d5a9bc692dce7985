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
    no_answer: str | None = None  # why there is no response: "closed the connection ..."

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

    @classmethod
    def unanswered(cls, request: httpx.Request, redactor: Redactor, why: str) -> Exchange:
        """A request the target did not answer (status 0): the evidence of a transport failure."""
        try:
            body = request.content.decode("utf-8", "replace") if request.content else None
        except httpx.RequestNotRead:
            body = "[streamed body]"
        return cls(
            method=request.method,
            url=redactor.text(str(request.url)),
            request_headers=redactor.headers(dict(request.headers)),
            request_body=None if body is None else redactor.text(_excerpt(body)),
            status=0,
            response_headers={},
            response_body="",
            no_answer=why,
        )

    def request_line(self) -> str:
        """`POST /api/.../orders/ with {"order_number": ...}`: the request, shortly."""
        body = " ".join((self.request_body or "").split())
        excerpt = f"{body[:120]}..." if len(body) > 120 else body
        return f"{self.method} {self.url}" + (f" with {excerpt}" if excerpt else "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line: `POST /api/.../orders/ -> 400 {"success": false, ...}`."""
        if self.no_answer is not None:
            return f"{self.method} {self.url} -> no answer: {self.no_answer}"
        body = " ".join(self.response_body.split())[:200]
        return f"{self.method} {self.url} -> {self.status} {body}"


def _excerpt(text: str) -> str:
    if len(text) <= BODY_EXCERPT:
        return text
    return f"{text[:BODY_EXCERPT]}... [{len(text) - BODY_EXCERPT} more characters]"

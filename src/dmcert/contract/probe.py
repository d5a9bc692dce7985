"""Is the target up, and is it this API? Asked once before a run, so a wrong URL or a dead
server ends in one clear line and exit 3 instead of hundreds of failed tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from dmcert.contract.spec import BASE_PATH
from dmcert.contract.tls import client_context
from dmcert.errors import UnreachableError, UsageError


def normalise_target(url: str) -> str:
    """The deployment root without a trailing slash; a UsageError if it is not one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--target must be an http(s) URL such as https://tenant.example.com: {url!r}"
        )
    if parts.path.rstrip("/").endswith(BASE_PATH):
        raise UsageError(f"--target is the deployment root, without {BASE_PATH}: {url!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def probe(root: str, timeout: float = 10.0, ca_file: Path | None = None) -> None:
    """Raise UnreachableError unless `root` answers an unauthenticated list call as the
    documented API does (see answers_as_the_api); over https the certificate must verify
    against `ca_file`, or the system's trust store without one."""
    url = f"{root}{BASE_PATH}/orders/"
    try:
        response = httpx.get(
            url, timeout=timeout, follow_redirects=False, verify=client_context(ca_file)
        )
    except httpx.HTTPError as exc:
        reason = str(exc) or exc.__class__.__name__
        if "CERTIFICATE_VERIFY_FAILED" in reason and ca_file is None:
            reason += " (a target with a private CA needs [target] ca_file in the keys file)"
        raise UnreachableError(f"target unreachable at {root}: {reason}") from None
    content_type = response.headers.get("content-type", "")
    # The body decides, not the header: a wrong Content-Type is a finding (ENV-006), not
    # a sign of another service.
    if not isinstance(json_or_none(response), dict):
        raise UnreachableError(
            f"target at {root} does not answer as the Datamingle integrations API: "
            f"GET {BASE_PATH}/orders/ gave {response.status_code} "
            f"{content_type or 'no content type'}"
        )
    if not answers_as_the_api(response):
        raise UnreachableError(
            f"target at {root} does not answer as the Datamingle integrations API: "
            f"GET {BASE_PATH}/orders/ without a key gave {response.status_code}"
        )


def answers_as_the_api(response: httpx.Response) -> bool:
    """Whether an answer to an unauthenticated GET of the orders list is the API's own: a JSON
    object with 401 or 403 (auth layer) or 200. A redirect or another server's error is not."""
    return isinstance(json_or_none(response), dict) and response.status_code in (200, 401, 403)


def json_or_none(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when the body is not JSON."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None

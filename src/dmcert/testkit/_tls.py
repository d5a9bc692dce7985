"""Questions about a target's connection rather than its API answers (ENV-015): which TLS version
a handshake negotiates, whether a client offering only TLS 1.1 gets in, and what plain HTTP to
the same host answers. Raw sockets and `ssl`, below the HTTP client, because an HTTP client
hides the handshake and refuses to downgrade."""

from __future__ import annotations

import socket
import ssl
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from dmcert.contract.tls import client_context

TLS_1_2_OR_NEWER = frozenset({"TLSv1.2", "TLSv1.3"})
TIMEOUT = 10.0


def _address(root: str) -> tuple[str, int]:
    parts = urlsplit(root)
    return parts.hostname or "", parts.port or 443


def negotiated_version(root: str, ca_file: Path | None = None) -> str:
    """The protocol a verifying client (the suite's own trust) agrees with the target."""
    host, port = _address(root)
    with (
        socket.create_connection((host, port), timeout=TIMEOUT) as sock,
        client_context(ca_file).wrap_socket(sock, server_hostname=host) as tls,
    ):
        return tls.version() or "no protocol"


def tls_1_1_only_context() -> ssl.SSLContext | None:
    """A client context that offers TLS 1.1 and nothing newer, or None when this machine's
    OpenSSL cannot send such a ClientHello at all (then nothing can be concluded).

    TLS 1.1 needs OpenSSL security level 0. The certificate is not verified: the question is
    only whether the handshake completes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.minimum_version = ssl.TLSVersion.TLSv1_1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError):
            return None
    hello = ssl.MemoryBIO()
    try:
        context.wrap_bio(ssl.MemoryBIO(), hello).do_handshake()
    except ssl.SSLWantReadError:  # the ClientHello is written; a server's answer is awaited
        return context if hello.pending else None
    except ssl.SSLError:
        return None
    return None


@dataclass(frozen=True)
class Handshake:
    """How one handshake ended: the negotiated protocol, or None and how it was refused."""

    version: str | None
    refusal: str = ""


def handshake(root: str, context: ssl.SSLContext) -> Handshake:
    """Connect (an OSError here means the target is down, not a refusal) and try `context`'s
    handshake; an alert, a reset or a closed connection during the handshake is a refusal."""
    host, port = _address(root)
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        try:
            with context.wrap_socket(sock, server_hostname=host) as tls:
                return Handshake(tls.version())
        except OSError as exc:  # ssl.SSLError, ConnectionResetError, TimeoutError ...
            return Handshake(None, str(exc) or exc.__class__.__name__)


def plain_http_roots(root: str) -> list[str]:
    """The plain-HTTP addresses of an https:// root: its own host and port and, for a target on
    the default port 443, also port 80, where a browser's http:// goes."""
    parts = urlsplit(root)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    port = parts.port or 443
    roots = [f"http://{host}:{port}"]
    if port == 443:
        roots.append(f"http://{host}")
    return roots


def plain_http_get(url: str) -> httpx.Response | str:
    """GET over plain HTTP without a key (no secret crosses the network in clear): the response,
    or, when no HTTP answer came, what happened instead."""
    try:
        return httpx.get(url, timeout=TIMEOUT, follow_redirects=False)
    except httpx.TransportError as exc:
        return f"no HTTP answer ({exc.__class__.__name__}: {exc or 'connection closed'})"

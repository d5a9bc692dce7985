"""The reference target over HTTPS (`dmcert serve --tls`), as the security pages describe the
service (ENV-015, ENV-023): TLS 1.2 or newer only, HSTS on every response, no plain HTTP.

The certificate comes from a throwaway local CA made by trustme; the CA's certificate is
written beside the keys file so the suite can verify the target. The TLS port speaks nothing
else: a plain-HTTP request on it ends in a failed handshake and a closed connection, never an
HTTP answer, and no plain-HTTP port is opened (docs/decisions.md, Transport).
"""

from __future__ import annotations

import ipaddress
import ssl
import warnings
from collections.abc import Callable
from pathlib import Path

import trustme
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dmcert.reference.settings import Settings

HSTS = "max-age=31536000"  # one year, the usual production value
_LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")


class LocalCA:
    """A fresh CA and a server certificate it signed for `host` and the loopback names."""

    def __init__(self, host: str) -> None:
        self.ca = trustme.CA(organization_name="dmcert reference target test CA")
        names = [*_LOOPBACK_NAMES, *([host] if _is_specific(host) else [])]
        self.server = self.ca.issue_cert(*dict.fromkeys(names))

    def write_ca(self, path: Path) -> Path:
        """Write the CA certificate (public; no key) and return its absolute path."""
        self.ca.cert_pem.write_to_path(str(path))
        return path.absolute()

    def server_context(self, settings: Settings) -> ssl.SSLContext:
        """The listening socket's context: TLS 1.2 or newer, unless the fault
        `tls_1_1_allowed` also lets a TLS 1.1 client in (which OpenSSL allows only at
        security level 0)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if settings.has("tls_1_1_allowed"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context.minimum_version = ssl.TLSVersion.TLSv1_1
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        self.server.configure_cert(context)
        return context

    def uvicorn_factory(self, settings: Settings) -> Callable[..., ssl.SSLContext]:
        """The server context as uvicorn.Config(ssl_context_factory=...) asks for it."""
        return lambda _config, _default: self.server_context(settings)


def _is_specific(host: str) -> bool:
    """Whether `host` names one address (not a wildcard such as 0.0.0.0)."""
    try:
        return not ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return bool(host)


class StrictTransportSecurity:
    """Adds the HSTS header to every response sent over HTTPS. Only there: RFC 6797 §7.2 forbids
    it over plain HTTP, which the reference target serves only when started without --tls."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.enabled = not settings.has("hsts_missing")
        self.success_only = settings.chose("hsts_on_success_only")
        """nginx's `add_header` without `always`: only 2xx and 3xx answers carry it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            refused = self.success_only and message.get("status", 200) >= 400
            if message["type"] == "http.response.start" and not refused:
                MutableHeaders(scope=message).append("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_hsts)

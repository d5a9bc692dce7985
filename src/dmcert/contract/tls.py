"""Which certificates the suite trusts: the system's trust store, or only the CA file a target
profile names (`[target] ca_file`: a private or test CA, such as the reference target's)."""

from __future__ import annotations

import ssl
from pathlib import Path


def client_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """A verifying client context; raises OSError or ssl.SSLError for an unusable CA file."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

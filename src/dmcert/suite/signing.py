"""Signing a run: an in-toto Statement v1 in a DSSE envelope, signed with Ed25519.

The formats are the public ones (https://github.com/in-toto/attestation spec/v1/statement.md,
https://github.com/secure-systems-lab/dsse protocol.md and envelope.md), so a bundle can be
checked with tools other than dmcert. Without the user's key a run signs with a key made for
it and kept only as its public half: that proves the bundle is intact, not who made it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from dmcert.errors import UsageError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
PREDICATE_TYPE = "https://datamingle.ai/dmcert/conformance-run/v1"


class SignatureInvalid(Exception):
    """The envelope is malformed or its signature does not verify with the key."""


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what is actually signed, so that the payload
    type is authenticated along with the body."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def fingerprint(key: Ed25519PublicKey) -> str:
    """sha256 of the raw 32-byte public key, hex: the key's name in reports and envelopes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class Signer:
    key: Ed25519PrivateKey
    provided: bool
    """True for the user's key (--sign-key): the signature then says who signed."""

    @classmethod
    def ephemeral(cls) -> Signer:
        return cls(Ed25519PrivateKey.generate(), provided=False)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def describe(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "algorithm": "ed25519",
            "identity": self.provided,
            "note": identity_note(self.provided),
        }

    def envelope(self, statement: Mapping[str, Any]) -> bytes:
        """The statement as a signed DSSE JSON envelope."""
        body = json.dumps(statement, indent=2, sort_keys=True).encode("utf-8")
        signature = self.key.sign(pae(PAYLOAD_TYPE, body))
        envelope = {
            "payloadType": PAYLOAD_TYPE,
            "payload": base64.b64encode(body).decode("ascii"),
            "signatures": [
                {"keyid": self.fingerprint, "sig": base64.b64encode(signature).decode("ascii")}
            ],
        }
        return json.dumps(envelope, indent=2).encode("utf-8") + b"\n"


def identity_note(provided: bool) -> str:
    if provided:
        return "signed with the signer's own key: check it with --public-key to know who signed"
    return (
        "signed with a key made for this run (only its public half is kept): this proves the "
        "bundle is intact, not who made it"
    )


def statement(subjects: Mapping[str, str], predicate: Mapping[str, Any]) -> dict[str, Any]:
    """An in-toto Statement v1 over `subjects` (file name -> sha256 hex)."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": name, "digest": {"sha256": digest}} for name, digest in subjects.items()
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": dict(predicate),
    }


def open_envelope(data: bytes, key: Ed25519PublicKey) -> dict[str, Any]:
    """The statement inside a DSSE envelope once a signature in it verifies with `key`."""
    try:
        envelope = json.loads(data)
        payload_type = envelope["payloadType"]
        body = _b64decode(envelope["payload"])
        signatures = [_b64decode(entry["sig"]) for entry in envelope["signatures"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise SignatureInvalid(f"not a DSSE envelope ({exc.__class__.__name__})") from None
    if payload_type != PAYLOAD_TYPE:
        raise SignatureInvalid(f"payloadType is {payload_type!r}, not {PAYLOAD_TYPE}")
    if not any(_verifies(key, sig, pae(payload_type, body)) for sig in signatures):
        raise SignatureInvalid(f"no signature made by the key {fingerprint(key)[:16]}…")
    try:
        parsed = json.loads(body)
    except ValueError:
        raise SignatureInvalid("the signed payload is not JSON") from None
    if not isinstance(parsed, dict) or parsed.get("_type") != STATEMENT_TYPE:
        raise SignatureInvalid(f"the signed payload is not an in-toto Statement ({STATEMENT_TYPE})")
    if parsed.get("predicateType") != PREDICATE_TYPE:
        raise SignatureInvalid(f"predicateType is not {PREDICATE_TYPE}")
    return parsed


def claimed_signers(data: bytes) -> set[str]:
    """The key fingerprints an envelope claims, unverified: its keyids and the statement's
    signer. Only for saying which file is at fault once a signature has failed."""
    try:
        envelope = json.loads(data)
        claimed = {entry.get("keyid") for entry in envelope["signatures"]}
        predicate = json.loads(_b64decode(envelope["payload"]))["predicate"]
        claimed.add(predicate["signer"]["fingerprint"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return set()
    return {value for value in claimed if isinstance(value, str) and value}


def _b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, as DSSE requires a verifier to accept."""
    if not isinstance(text, str):
        raise TypeError("base64 field is not a string")
    try:
        return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None


def _verifies(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def load_private_key(path: str | Path) -> Signer:
    """--sign-key: an unencrypted PEM (PKCS#8) Ed25519 private key, e.g. from `dmcert keygen`."""
    data = _read(path, "--sign-key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise UsageError(f"--sign-key {path}: encrypted keys are not supported") from None
    except ValueError:
        raise UsageError(f"--sign-key {path}: not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"--sign-key {path}: not an Ed25519 key (make one with dmcert keygen)")
    return Signer(key, provided=True)


def load_public_key(data: bytes, origin: str) -> Ed25519PublicKey:
    """A PEM Ed25519 public key; ValueError names `origin` when it is not one."""
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise ValueError(f"{origin}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{origin}: not an Ed25519 public key")
    return key


def _read(path: str | Path, option: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{option} {path}: {exc.strerror or exc}") from None


def keygen(path: str | Path) -> tuple[Path, Path, str]:
    """Write a fresh Ed25519 key pair: FILE (private, mode 0600) and FILE.pub. Never
    overwrites: a signing key lost to a typo cannot be recovered."""
    private_path = Path(path)
    public_path = private_path.with_name(private_path.name + ".pub")
    for existing in (private_path, public_path):
        if existing.exists():
            raise UsageError(f"{existing} exists; not overwriting a key")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_pem)
        public_path.write_bytes(public_pem(key.public_key()))
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename or path}: {exc.strerror or exc}") from None
    return private_path, public_path, fingerprint(key.public_key())


def keygen_command(args: Any) -> int:
    private_path, public_path, print_ = keygen(args.file)
    print(f"private key: {private_path} (keep it secret; sign with --sign-key {private_path})")
    print(f"public key:  {public_path} (give it to whoever verifies: --public-key)")
    print(f"fingerprint: sha256:{print_}")
    return 0

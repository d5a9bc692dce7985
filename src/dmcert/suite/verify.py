"""`dmcert verify BUNDLE [--public-key FILE]`: is this bundle complete, unaltered, and signed
by that key? Then what did the run find?

The chain, checked in this order so the first break is the one named: the DSSE signature
over the in-toto statement; the manifest against the statement (its sha256 and its entries
against the statement's subjects); every file against the manifest, with no file missing
and none added; the contents digest report.html shows. Exit 0 valid, 1 invalid (naming the
first file or field that does not match), 2 usage (no such file, not a bundle, bad key file).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from dmcert.errors import EXIT_FAILED, EXIT_OK, UsageError
from dmcert.suite.bundle import (
    CONTROL_FILES,
    ENVELOPE,
    FORMAT,
    MANIFEST,
    PUBLIC_KEY,
    REPORT,
    DamagedBundle,
    NotABundle,
    contents_digest,
    read_bundle,
    sha256,
)
from dmcert.suite.signing import (
    SignatureInvalid,
    claimed_signers,
    fingerprint,
    load_public_key,
    open_envelope,
)
from dmcert.suite.verdicts import counts as verdict_counts

VERDICT_ORDER = tuple(verdict_counts([]))


class BundleInvalid(Exception):
    """The bundle does not verify; the message names the first file or field that fails."""


@dataclass(frozen=True)
class Verified:
    predicate: dict[str, Any]
    fingerprint: str
    identity: bool
    """True when checked against a key the verifier supplied (--public-key)."""
    files: int
    sha256: str


def verify_bundle(path: Path, public_key: Ed25519PublicKey | None = None) -> Verified:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        members = read_bundle(path)
    except NotABundle as exc:
        raise UsageError(str(exc)) from None
    except DamagedBundle as exc:
        raise BundleInvalid(f"{path.name}: {exc}") from None
    key = public_key or _bundled_key(members)
    statement = _signed_statement(members, key, bundled=public_key is None)
    predicate = statement.get("predicate")
    if not isinstance(predicate, dict):
        raise BundleInvalid(f"{ENVELOPE}: predicate: missing")
    files = _manifest_against_statement(members, statement, predicate)
    _files_against_manifest(members, files)
    _contents(members, files, predicate)
    return Verified(
        predicate, fingerprint(key), public_key is not None, len(files), sha256(path.read_bytes())
    )


def _bundled_key(members: Mapping[str, bytes]) -> Ed25519PublicKey:
    if PUBLIC_KEY not in members:
        raise BundleInvalid(f"{PUBLIC_KEY}: missing (give the signer's key with --public-key)")
    try:
        return load_public_key(members[PUBLIC_KEY], PUBLIC_KEY)
    except ValueError as exc:
        raise BundleInvalid(str(exc)) from None


def _signed_statement(
    members: Mapping[str, bytes], key: Ed25519PublicKey, bundled: bool
) -> dict[str, Any]:
    """The verified statement. When the bundle's own key fails, the envelope's keyid and
    the statement's signer (both unverified) say which of the two files was changed."""
    if ENVELOPE not in members:
        raise BundleInvalid(f"{ENVELOPE}: missing")
    try:
        return open_envelope(members[ENVELOPE], key)
    except SignatureInvalid as exc:
        claimed = claimed_signers(members[ENVELOPE])
        if bundled and claimed and fingerprint(key) not in claimed:
            raise BundleInvalid(f"{PUBLIC_KEY}: not the key that signed {ENVELOPE}") from None
        raise BundleInvalid(f"{ENVELOPE}: signature: {exc}") from None


def _manifest_against_statement(
    members: Mapping[str, bytes], statement: Mapping[str, Any], predicate: Mapping[str, Any]
) -> dict[str, str]:
    """The manifest's files (name -> sha256), once it is the one the statement signed."""
    if MANIFEST not in members:
        raise BundleInvalid(f"{MANIFEST}: missing")
    if sha256(members[MANIFEST]) != predicate.get("manifest_sha256"):
        raise BundleInvalid(f"{MANIFEST}: sha256 does not match the signed statement")
    try:
        manifest = json.loads(members[MANIFEST])
        files = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    except (ValueError, KeyError, TypeError):
        files = None
    if files is None or manifest.get("format") != FORMAT:
        raise BundleInvalid(f"{MANIFEST}: not a {FORMAT} manifest")
    subjects = {
        subject.get("name"): subject.get("digest", {}).get("sha256")
        for subject in statement.get("subject", [])
    }
    for name in dict.fromkeys([*files, *subjects]):
        if files.get(name) != subjects.get(name):
            raise BundleInvalid(f"{MANIFEST}: {name}: does not match the statement's subject")
    return files


def _files_against_manifest(members: Mapping[str, bytes], files: Mapping[str, str]) -> None:
    for name, digest in files.items():
        if name not in members:
            raise BundleInvalid(f"{name}: missing from the bundle")
        if sha256(members[name]) != digest:
            raise BundleInvalid(f"{name}: sha256 does not match the manifest")
    for name in members:
        if name not in files and name not in CONTROL_FILES:
            raise BundleInvalid(f"{name}: not in the manifest (a file was added)")


def _contents(
    members: Mapping[str, bytes], files: Mapping[str, str], predicate: Mapping[str, Any]
) -> None:
    """The contents digest is signed and shown in report.html: both must be this bundle's."""
    contents = contents_digest({name: members[name] for name in files})
    if predicate.get("contents_sha256") != contents:
        raise BundleInvalid("predicate.contents_sha256: does not match the bundle's files")
    if REPORT in members and contents.encode() not in members[REPORT]:
        raise BundleInvalid(f"{REPORT}: does not show the bundle's contents digest")


def verify_command(args: argparse.Namespace) -> int:
    key = None
    if args.public_key:
        try:
            key = load_public_key(Path(args.public_key).read_bytes(), args.public_key)
        except OSError as exc:
            raise UsageError(f"--public-key {args.public_key}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise UsageError(f"--public-key {exc}") from None
    path = Path(args.bundle)
    try:
        verified = verify_bundle(path, key)
    except BundleInvalid as exc:
        print(f"INVALID: {exc}")
        return EXIT_FAILED
    _print_summary(path, verified)
    return EXIT_OK


def _print_summary(path: Path, verified: Verified) -> None:
    claims = verified.predicate
    counts = claims.get("counts", {})
    print(f"VALID: {path} sha256:{verified.sha256}")
    print(f"  {verified.files} files match the manifest and the signed statement")
    print(f"  contents sha256:{claims['contents_sha256']} (shown in report.html)")
    print(f"  signed by Ed25519 key sha256:{verified.fingerprint}")
    if verified.identity:
        print("  checked against the public key you gave: that key's holder signed it")
    else:
        print(
            "  checked against the key inside the bundle: this proves the bundle is complete "
            "and unaltered since it was signed, not who signed it (use --public-key FILE)"
        )
    embedded = " (embedded reference target)" if claims.get("embedded_reference_target") else ""
    print(f"target: {claims.get('target')}{embedded}")
    print(f"run: {claims.get('started')} — {claims.get('finished')}, seed {claims.get('seed')}")
    suite = claims.get("suite", {})
    print(f"suite: dmcert {suite.get('version')} sha256:{suite.get('sha256')}")
    print(
        f"verdict: {claims.get('badge')}: "
        + ", ".join(f"{counts[v]} {v}" for v in VERDICT_ORDER if counts.get(v))
    )
    for waiver in claims.get("waivers", []):
        print(
            f"waiver {waiver['status']}: {waiver['requirement']} ({waiver['ticket']}, "
            f"expires {waiver['expires']}): {waiver['reason']}"
        )
    print(f"reproduce: {claims.get('reproduce')}")

"""The certification bundle: one archive per run that a partner sends and anyone can check.

bundle.dmcert is a gzip-compressed tar holding the run's reports, the exact contract and
catalogue it ran against, its environment and waivers, and three control files:
manifest.json (every other file with its sha256), statement.dsse.json (an in-toto Statement
over those files and the run, signed; see signing.py) and signer.pub (the signer's public
key). Files are read into memory, never extracted, so a hostile archive cannot write anywhere.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import platform
import tarfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from dmcert import __version__
from dmcert.contract.files import data_dir, spec_path
from dmcert.suite.run import Run
from dmcert.suite.signing import Signer, public_pem, statement

BUNDLE_NAME = "bundle.dmcert"
FORMAT = "dmcert-bundle/1"
MANIFEST, ENVELOPE, PUBLIC_KEY = "manifest.json", "statement.dsse.json", "signer.pub"
CONTROL_FILES = (MANIFEST, ENVELOPE, PUBLIC_KEY)
REPORT = "report.html"
"""The one file that shows the contents digest, so the digest leaves it out."""
_PACKAGES = ("pytest", "schemathesis", "hypothesis", "httpx", "cryptography")


class NotABundle(Exception):
    """The file is not a dmcert bundle at all (a usage error, not a failed verification)."""


class DamagedBundle(Exception):
    """The file is a gzip archive that cannot be read to its end, or holds odd members."""


@dataclass(frozen=True)
class Written:
    path: Path
    sha256: str


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def payload_files(
    run: Run, document: Mapping[str, Any], results_json: bytes, junit_xml: bytes | None
) -> dict[str, bytes]:
    """Every file of the bundle except report.html and the control files, redacted. The
    evidence (every failing exchange) is in results.json."""
    requirements = data_dir("conformance") / "requirements.yaml"
    files = {"results.json": results_json}
    if junit_xml is not None:
        files["junit.xml"] = junit_xml
    files["inputs/openapi.yaml"] = spec_path().read_bytes()
    files["inputs/requirements.yaml"] = requirements.read_bytes()
    files["environment.json"] = _json(environment(document, files))
    if run.waivers.source is not None:
        files["waivers.toml"] = run.redactor.text(run.waivers.source.decode("utf-8")).encode()
    return files


def environment(document: Mapping[str, Any], files: Mapping[str, bytes]) -> dict[str, Any]:
    """What produced the run and how to repeat it."""
    meta = document["run"]
    return {
        "dmcert": __version__,
        "suite_sha256": meta["suite_sha256"],
        "spec_sha256": sha256(files["inputs/openapi.yaml"]),
        "requirements_sha256": sha256(files["inputs/requirements.yaml"]),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "packages": {name: _version(name) for name in _PACKAGES},
        "reproduce": meta["reproduce"],
    }


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def contents_digest(files: Mapping[str, bytes]) -> str:
    """sha256 over the name and digest of every payload file but report.html: report.html
    shows this number, and a digest that covered the report could not appear in it."""
    listing = [{"path": name, "sha256": sha256(data)} for name, data in sorted(files.items())]
    return sha256(_json([entry for entry in listing if entry["path"] != REPORT]))


def manifest(files: Mapping[str, bytes]) -> bytes:
    return _json(
        {
            "format": FORMAT,
            "files": [
                {"path": name, "sha256": sha256(data), "size": len(data)}
                for name, data in files.items()
            ],
        }
    )


def predicate(document: Mapping[str, Any], signer: Signer, contents: str) -> dict[str, Any]:
    """What the signature vouches for about the run, taken from its results document."""
    run = document["run"]
    return {
        "target": run["target"],
        "embedded_reference_target": run["embedded_reference_target"],
        "verdict": document["verdict"],
        "badge": document["badge"],
        "counts": document["counts"],
        "progress": document["progress"],
        "suite": {"version": run["suite_version"], "sha256": run["suite_sha256"]},
        "spec_sha256": run["spec_sha256"],
        "seed": run["seed"],
        "mode": {
            "strict": run["strict"],
            "read_only": run["read_only"],
            "quick": run["quick"],
            "max_examples": run["max_examples"],
            "selection": run["selection"],
        },
        "started": run["started"],
        "finished": run["finished"],
        "waivers": document["waivers"],
        "reproduce": run["reproduce"],
        "contents_sha256": contents,
        "signer": signer.describe(),
    }


def write_bundle(
    path: Path, files: Mapping[str, bytes], signer: Signer, claims: Mapping[str, Any]
) -> Written:
    """Sign the files and `claims` and write the archive; returns its path and sha256."""
    listing = manifest(files)
    subjects = {name: sha256(data) for name, data in files.items()}
    signed = statement(subjects, {**claims, "manifest_sha256": sha256(listing)})
    members = {
        **files,
        MANIFEST: listing,
        ENVELOPE: signer.envelope(signed),
        PUBLIC_KEY: public_pem(signer.public_key),
    }
    archive = _archive(members)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(archive)
    os.replace(partial, path)  # never a half-written bundle under the real name
    return Written(path, sha256(archive))


def _archive(members: Mapping[str, bytes]) -> bytes:
    """A reproducible tar.gz: fixed owner, mode and time, so equal files give equal bytes."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read_bundle(path: Path) -> dict[str, bytes]:
    """The bundle's members by name, in archive order."""
    data = path.read_bytes()
    if not data.startswith(b"\x1f\x8b"):
        raise NotABundle(f"{path} is not a dmcert bundle (not a gzip archive)")
    try:
        # The whole stream first: gzip checks its CRC only at the end, and a tar reader
        # that stops early on damaged data would take a damaged bundle for another file.
        archive = gzip.decompress(data)
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
            members = _members(tar)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise DamagedBundle(f"the archive is damaged ({exc})") from None
    if not set(members) & set(CONTROL_FILES):
        raise NotABundle(f"{path} is not a dmcert bundle (no {MANIFEST} or {ENVELOPE})")
    return members


def _members(tar: tarfile.TarFile) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    for info in tar:
        if not info.isfile():
            raise DamagedBundle(f"{info.name}: not a regular file")
        if info.name in members:
            raise DamagedBundle(f"{info.name}: appears twice in the archive")
        handle = tar.extractfile(info)
        members[info.name] = handle.read() if handle else b""
    return members


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"

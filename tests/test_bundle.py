"""The certification bundle (issue 10): every run writes one signed archive that
`dmcert verify` accepts, and any change to it is caught with the file or field named."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path

import pytest

from dmcert.contract.files import spec_path
from dmcert.suite.bundle import (
    CONTROL_FILES,
    ENVELOPE,
    MANIFEST,
    PUBLIC_KEY,
    read_bundle,
    write_bundle,
)
from dmcert.suite.signing import Signer, fingerprint, load_public_key, pae
from tests.conftest import run_dmcert

PAYLOAD = (
    "results.json",
    "junit.xml",
    "report.html",
    "inputs/openapi.yaml",
    "inputs/requirements.yaml",
    "environment.json",
)


@pytest.fixture(scope="module")
def signed_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One short run on the embedded target, signed with a key from `dmcert keygen`, its
    bundle written elsewhere with --bundle. (test_waivers.py checks a bundle with evidence
    for keys, against a target whose keys the test knows.)"""
    tmp = tmp_path_factory.mktemp("bundle")
    keygen = run_dmcert("keygen", str(tmp / "partner.key"))
    assert keygen.exit_code == 0, keygen.stderr
    done = run_dmcert(
        "check", "--quick", "--requirement", "PAG-004", "--reports", str(tmp / "reports"),
        "--bundle", str(tmp / "out" / "partner.dmcert"), "--sign-key", str(tmp / "partner.key"),
        timeout=300,
    )  # fmt: skip
    return {"tmp": tmp, "done": done, "bundle": tmp / "out" / "partner.dmcert"}


def _verify(bundle: Path, *extra: str):
    return run_dmcert("verify", str(bundle), *extra, timeout=60)


def _repack(source: Path, target: Path, members: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target.write_bytes(buffer.getvalue())
    return target


def _flip_middle_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def test_pae_matches_the_dsse_test_vector():
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


@pytest.mark.slow
def test_a_run_writes_a_bundle_that_verifies_with_the_signers_key(signed_run: dict):
    done, bundle, tmp = signed_run["done"], signed_run["bundle"], signed_run["tmp"]
    assert done.exit_code == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"bundle: {bundle} sha256:" in done.stdout
    members = read_bundle(bundle)
    assert set(members) == {*PAYLOAD, *CONTROL_FILES}
    reports = tmp / "reports"
    for name in ("results.json", "junit.xml", "report.html"):
        assert members[name] == (reports / name).read_bytes(), name
    assert members["inputs/openapi.yaml"] == spec_path().read_bytes()
    environment = json.loads(members["environment.json"])
    assert environment["reproduce"].startswith("pip install dmcert==")
    key = load_public_key((tmp / "partner.key.pub").read_bytes(), "partner.key.pub")
    assert fingerprint(key) in members["report.html"].decode()

    verified = _verify(bundle, "--public-key", str(tmp / "partner.key.pub"))
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith(f"VALID: {bundle}")
    assert "checked against the public key you gave" in verified.stdout
    assert "verdict: CONFORMS" in verified.stdout

    inside = _verify(bundle)
    assert inside.exit_code == 0, inside.stdout + inside.stderr
    assert "not who signed it" in inside.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", [*PAYLOAD, MANIFEST, ENVELOPE, PUBLIC_KEY])
def test_a_changed_byte_in_any_file_is_caught_and_named(
    signed_run: dict, tmp_path: Path, name: str
):
    members = read_bundle(signed_run["bundle"])
    members[name] = _flip_middle_byte(members[name])
    result = _verify(_repack(signed_run["bundle"], tmp_path / "t.dmcert", members))
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stdout.startswith(f"INVALID: {name}:"), result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", [*PAYLOAD, MANIFEST, ENVELOPE, PUBLIC_KEY])
def test_a_removed_file_is_caught_and_named(signed_run: dict, tmp_path: Path, name: str):
    members = read_bundle(signed_run["bundle"])
    del members[name]
    result = _verify(_repack(signed_run["bundle"], tmp_path / "t.dmcert", members))
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stdout.startswith(f"INVALID: {name}:"), result.stdout


@pytest.mark.slow
def test_an_added_file_is_caught_and_named(signed_run: dict, tmp_path: Path):
    members = {**read_bundle(signed_run["bundle"]), "notes/extra.txt": b"trust me"}
    result = _verify(_repack(signed_run["bundle"], tmp_path / "t.dmcert", members))
    assert result.exit_code == 1
    assert result.stdout.startswith("INVALID: notes/extra.txt: not in the manifest")


@pytest.mark.slow
def test_a_swapped_signature_is_caught(signed_run: dict, tmp_path: Path):
    """The same statement signed by another key, with the bundle's own public key kept."""
    members = read_bundle(signed_run["bundle"])
    envelope = json.loads(members[ENVELOPE])
    body = json.loads(base64.b64decode(envelope["payload"]))
    members[ENVELOPE] = Signer.ephemeral().envelope(body)
    result = _verify(_repack(signed_run["bundle"], tmp_path / "t.dmcert", members))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"INVALID: {ENVELOPE}: signature:"), result.stdout


@pytest.mark.slow
def test_a_bundle_re_signed_by_another_key_fails_against_the_signers_key(
    signed_run: dict, tmp_path: Path
):
    """Altered results, a new manifest and statement, signed by someone else and carrying
    their public key: intact by its own key (which is why verify says integrity is not
    identity), rejected by the partner's."""
    members = read_bundle(signed_run["bundle"])
    envelope = json.loads(members[ENVELOPE])
    claims = json.loads(base64.b64decode(envelope["payload"]))["predicate"]
    files = {name: members[name] for name in PAYLOAD}
    forged = write_bundle(tmp_path / "forged.dmcert", files, Signer.ephemeral(), claims).path
    assert _verify(forged).exit_code == 0
    result = _verify(forged, "--public-key", str(signed_run["tmp"] / "partner.key.pub"))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"INVALID: {ENVELOPE}: signature:")


@pytest.mark.slow
def test_another_public_key_is_rejected(signed_run: dict, tmp_path: Path):
    assert run_dmcert("keygen", str(tmp_path / "other.key")).exit_code == 0
    result = _verify(signed_run["bundle"], "--public-key", str(tmp_path / "other.key.pub"))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"INVALID: {ENVELOPE}: signature:")


@pytest.mark.slow
def test_a_damaged_archive_is_invalid(signed_run: dict, tmp_path: Path):
    damaged = tmp_path / "damaged.dmcert"
    damaged.write_bytes(_flip_middle_byte(signed_run["bundle"].read_bytes()))
    result = _verify(damaged)
    assert result.exit_code == 1
    assert result.stdout.startswith("INVALID: ")


def test_usage_errors_exit_2_in_one_line(tmp_path: Path):
    (tmp_path / "plain.txt").write_text("not a bundle")
    (tmp_path / "bad.pub").write_text("not a key")
    for args, message in (
        ((str(tmp_path / "missing.dmcert"),), "no such file"),
        ((str(tmp_path / "plain.txt"),), "not a dmcert bundle"),
        ((str(tmp_path / "plain.txt"), "--public-key", str(tmp_path / "bad.pub")), "not a PEM"),
    ):
        result = run_dmcert("verify", *args, timeout=60)
        assert result.exit_code == 2, (args, result.stderr)
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(tmp_path: Path):
    key = tmp_path / "signing.key"
    made = run_dmcert("keygen", str(key), timeout=60)
    assert made.exit_code == 0, made.stderr
    assert key.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "signing.key.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    again = run_dmcert("keygen", str(key), timeout=60)
    assert again.exit_code == 2
    assert "not overwriting" in again.stderr


def test_a_bad_sign_key_is_a_usage_error_before_the_run(tmp_path: Path):
    (tmp_path / "bad.key").write_text("not a key")
    result = run_dmcert("check", "--sign-key", str(tmp_path / "bad.key"), timeout=60)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"dmcert check: error: --sign-key {tmp_path / 'bad.key'}: " + (
        "not a PEM private key"
    )

"""The command-line contract: subcommands, and one clear line with exit 2 for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import free_port, run_dmcert


def test_help_lists_the_subcommands():
    result = run_dmcert("--help")
    assert result.exit_code == 0
    for command in ("check", "load", "serve"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--target", "http://127.0.0.1:9"], "--target needs --keys"),
        (["check", "--keys", "k.toml"], "--keys needs --target"),
        (["check", "--target", "ftp://x", "--keys", "{keys}"], "must be an http(s) URL"),
        (["check", "--target", "http://127.0.0.1:9", "--keys", "/nonexistent.toml"], "not found"),
        (["check", "--target", "http://127.0.0.1:9", "--keys", "{bad}"], "not valid TOML"),
        (["check", "--target", "http://127.0.0.1:9", "--keys", "{noscope}"], "not a documented"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys.full]\nkey = "sk_test_x"\nscopes = ["integrations.*"]\n')
    bad = tmp_path / "bad.toml"
    bad.write_text("[keys.full\n")
    noscope = tmp_path / "noscope.toml"
    noscope.write_text('[keys.full]\nkey = "sk_test_x"\nscopes = ["integrations.everything"]\n')
    args = [a.format(keys=keys, bad=bad, noscope=noscope) for a in args]
    result = run_dmcert(*args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_target_down_is_exit_3_with_one_line(tmp_path: Path):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys.full]\nkey = "sk_test_x"\nscopes = ["integrations.*"]\n')
    result = run_dmcert("check", "--target", f"http://127.0.0.1:{free_port()}", "--keys", str(keys))
    assert result.exit_code == 3
    assert "unreachable" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_target_answering_html_is_exit_3(tmp_path: Path, html_server: str):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys.full]\nkey = "sk_test_x"\nscopes = ["integrations.*"]\n')
    result = run_dmcert("check", "--target", html_server, "--keys", str(keys))
    assert result.exit_code == 3
    assert "does not answer as the Datamingle integrations API" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_key_from_missing_environment_variable_is_usage_error(tmp_path: Path):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys.full]\nkey_env = "DMCERT_NO_SUCH_VAR"\nscopes = ["integrations.*"]\n')
    result = run_dmcert("check", "--target", "http://127.0.0.1:9", "--keys", str(keys))
    assert result.exit_code == 2
    assert "DMCERT_NO_SUCH_VAR is not set" in result.stderr


def test_a_keys_file_without_a_usable_key_is_exit_2_before_any_test(tmp_path: Path):
    """Only an expired key: the run could verify nothing, which is the keys file's fault
    (issue 8), so it ends in preflight, in one line, instead of a run of skipped tests."""
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys.expired]\nkey = "k"\nscopes = ["integrations.*"]\nexpired = true\n')
    result = run_dmcert("check", "--target", "http://127.0.0.1:9", "--keys", str(keys))
    assert result.exit_code == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no usable key" in result.stderr


@pytest.mark.parametrize(
    ("ca_file", "message"),
    [
        ("missing.pem", "ca_file not found"),
        (".", "cannot read ca_file"),
        ("keys.toml", "holds no PEM certificate"),
    ],
)
def test_unusable_ca_file_is_one_line_and_exit_2(tmp_path: Path, ca_file: str, message: str):
    """A relative ca_file is read beside the keys file; a bad one is the user's configuration."""
    keys = tmp_path / "keys.toml"
    keys.write_text(
        f'[target]\nca_file = "{ca_file}"\n\n'
        '[keys.full]\nkey = "sk_test_x"\nscopes = ["integrations.*"]\n'
    )
    result = run_dmcert("check", "--target", "https://127.0.0.1:9", "--keys", str(keys))
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and str(tmp_path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_certificate_the_suite_does_not_trust_is_exit_3_with_a_hint(tmp_path: Path):
    from dmcert.reference.server import RunningTarget

    with RunningTarget(tls=True) as target:
        keys = tmp_path / "keys.toml"
        full = target.profile.keys["full"]
        keys.write_text(f'[keys.full]\nkey = "{full.value}"\nscopes = ["integrations.*"]\n')
        result = run_dmcert("check", "--target", target.url, "--keys", str(keys))
    assert result.exit_code == 3
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr and "ca_file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

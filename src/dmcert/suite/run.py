"""What one conformance run is: its target, keys, options, prefix and metadata.

Created once per pytest session by the suite plugin and shared by every fixture, so a run
writes all its records under one unique prefix and its report can say exactly what ran.
"""

from __future__ import annotations

import hashlib
import platform
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dmcert import __version__
from dmcert.contract.files import data_dir, spec_path
from dmcert.contract.redaction import Redactor
from dmcert.contract.spec import template_of
from dmcert.contract.target_profile import TargetProfile
from dmcert.suite.outage import OutageWatch
from dmcert.suite.progress import Progress


@dataclass
class Run:
    target: str
    profile: TargetProfile
    embedded: bool
    reports: Path
    strict: bool = False
    read_only: bool = False
    quick: bool = False
    seed: int | None = None
    max_examples: int | None = None
    selectors: tuple[str, ...] = ()
    """The --requirement options as given; empty for a run of the whole suite."""
    selected: tuple[str, ...] = ()
    """The requirement ids those options name; a run with selectors is a partial run."""
    prefix: str = field(default_factory=lambda: new_prefix())
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    residue: list[str] = field(default_factory=list)
    coverage: Counter[tuple[str, str, int, str]] = field(default_factory=Counter)
    progress: Progress = field(default_factory=Progress)
    redactor: Redactor = field(init=False)
    watch: OutageWatch = field(init=False)

    def __post_init__(self) -> None:
        self.redactor = Redactor(self.profile.secrets())
        self.watch = OutageWatch(self.target)

    def observe(self, method: str, path: str, status: int, code: str | None) -> None:
        """Count one answered request for the status coverage table."""
        self.coverage[(method, template_of(path), status, code or "")] += 1

    def metadata(self) -> dict[str, object]:
        finished = datetime.now(UTC)
        return {
            "target": self.redactor.text(self.target),
            "embedded_reference_target": self.embedded,
            "suite_version": __version__,
            "suite_sha256": suite_digest(),
            "spec_sha256": file_digest(spec_path()),
            "seed": self.seed,
            "max_examples": self.max_examples,
            "strict": self.strict,
            "read_only": self.read_only,
            "quick": self.quick,
            "order_identifier": self.profile.order_identifier,
            "keys": sorted(self.profile.keys),
            "run_prefix": self.prefix,
            "started": self.started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "duration_s": round((finished - self.started).total_seconds(), 1),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
            "residue": list(self.residue),
            "selection": (
                {
                    "requirement": list(self.selectors),
                    "requirements": list(self.selected),
                    "note": self.partial_note(),
                }
                if self.selectors
                else None
            ),
            "reproduce": self.reproduce_command(),
        }

    def partial_note(self) -> str:
        """What a --requirement run covered, for the terminal and the certificate."""
        options = " ".join(f"--requirement {selector}" for selector in self.selectors)
        return (
            f"only the tests of {len(self.selected)} selected requirements ran ({options}); "
            "the others are not selected"
        )

    def reproduce_command(self) -> str:
        parts = [f"pip install dmcert=={__version__} &&", "dmcert check"]
        if not self.embedded:
            parts += ["--target", self.redactor.text(self.target), "--keys", "KEYS.toml"]
        if self.seed is not None:
            parts += ["--seed", str(self.seed)]
        if self.max_examples is not None:
            parts += ["--max-examples", str(self.max_examples)]
        for selector in self.selectors:
            parts += ["--requirement", selector]
        parts += [
            flag
            for flag, on in (
                ("--strict", self.strict),
                ("--read-only", self.read_only),
                ("--quick", self.quick),
            )
            if on
        ]
        return " ".join(parts)


def new_prefix() -> str:
    """A run prefix unique across runs and machines: `DMC<yymmddHHMMSS><4 hex>-`."""
    return f"DMC{datetime.now(UTC):%y%m%d%H%M%S}{secrets.token_hex(2).upper()}-"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def suite_digest() -> str:
    """sha256 over the suite's files (names and contents), pinning what was run."""
    digest = hashlib.sha256()
    root = data_dir("conformance")
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()

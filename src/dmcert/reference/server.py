"""Running the reference target: `dmcert serve`, and RunningTarget, which starts one in a
subprocess for tests and for `dmcert check` without --target.

`dmcert serve` prints exactly one line, `dmcert reference target ready at http://HOST:PORT`
(https:// with --tls), once its socket is listening, then serves until SIGINT, SIGTERM or
SIGHUP and exits 0. With --tls and --keys-out, the test CA's certificate is written beside
the keys file (`keys.toml` -> `keys.ca.pem`) and the keys file names it as `[target] ca_file`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import uvicorn

from dmcert.contract.partners import load_partners_file
from dmcert.contract.target_profile import TargetProfile, load_profile, write_profile
from dmcert.contract.tls import client_context
from dmcert.errors import EXIT_OK, EXIT_USAGE, UsageError
from dmcert.reference.faults import FAULTS
from dmcert.reference.variants import VARIANTS

READY = "dmcert reference target ready at"
CA_SUFFIX = ".ca.pem"
_START_TIMEOUT = 20.0
_STOP_TIMEOUT = 5.0
_SCRATCH_PREFIX = "dmcert-target-"  # a RunningTarget's directory: the target's cwd and files
_PARENT_POLL_S = 0.5


class _Server(uvicorn.Server):
    """uvicorn, announcing readiness on stdout and leaving signal handling to serve_command
    (uvicorn's own handlers re-raise the signal after shutdown, which would end the process
    with a signal status instead of 0)."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self.url = url

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            print(f"{READY} {self.url}", flush=True)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_command(args: argparse.Namespace) -> int:
    """`dmcert serve`: start the reference target and serve until SIGINT/SIGTERM."""
    from dmcert.reference.app import create_app
    from dmcert.reference.database import open_database
    from dmcert.reference.keys import mint_profile
    from dmcert.reference.settings import Settings
    from dmcert.reference.templates import shipped_templates
    from dmcert.reference.tls import LocalCA

    try:
        FAULTS.check(args.fault)
        VARIANTS.check(args.variant)
    except ValueError as exc:
        print(f"dmcert serve: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.parent_pid is not None and args.parent_pid != os.getppid():
        print(
            f"dmcert serve: error: --parent-pid {args.parent_pid} is not the process that "
            "started dmcert serve",
            file=sys.stderr,
        )
        return EXIT_USAGE
    scratch = None if args.db else tempfile.mkdtemp(prefix="dmcert-reference-")
    orphaned: threading.Event | None = None
    try:
        url = args.db or f"sqlite:///{Path(scratch) / 'reference.db'}"
        try:
            partners = load_partners_file(args.partners) if args.partners else shipped_templates()
            settings = Settings(
                db_url=url,
                order_identifier=args.order_identifier,
                faults=frozenset(args.fault),
                partners=partners,
                variants=frozenset(args.variant),
            )
            db = open_database(url, settings.faults)
        except ValueError as exc:  # PartnerFileError included
            print(f"dmcert serve: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        try:
            local_ca = LocalCA(args.host) if args.tls else None
            if args.keys_out:
                keys_out = Path(args.keys_out)
                try:
                    profile = mint_profile(db, settings)
                    if local_ca:
                        ca_file = local_ca.write_ca(keys_out.with_suffix(CA_SUFFIX))
                        profile = dataclasses.replace(profile, ca_file=ca_file)
                    write_profile(profile, keys_out)
                except OSError as exc:
                    raise UsageError(f"cannot write keys file {args.keys_out}: {exc}") from None
            sock = _bind(args.host, args.port)
            host, port = sock.getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            config = uvicorn.Config(
                create_app(settings, db),
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=_STOP_TIMEOUT,
                ssl_context_factory=local_ca.uvicorn_factory(settings) if local_ca else None,
            )
            scheme = "https" if local_ca else "http"
            server = _Server(config, f"{scheme}://{shown}:{port}")
            _stop_on_signals(server)
            orphaned = _stop_with_parent(server, args.parent_pid) if args.parent_pid else None
            with sock:
                server.run(sockets=[sock])
        finally:
            db.dispose()
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    if orphaned is not None and orphaned.is_set():
        _remove_run_scratch()
    return EXIT_OK


def _stop_with_parent(server: uvicorn.Server, parent: int) -> threading.Event:
    """Stop serving once process `parent` is gone (it was killed without stopping us: SIGKILL
    leaves a parent no chance). The event is set when that happened."""
    orphaned = threading.Event()

    def watch() -> None:
        while not server.should_exit:
            if os.getppid() != parent:
                orphaned.set()
                server.should_exit = True
                return
            time.sleep(_PARENT_POLL_S)

    threading.Thread(target=watch, name="dmcert-parent-watch", daemon=True).start()
    return orphaned


def _remove_run_scratch() -> None:
    """An orphaned embedded target removes the run's scratch directory (its working
    directory, holding its keys, database and logs), which its dead parent would have."""
    cwd = Path.cwd().resolve()
    if cwd.name.startswith(_SCRATCH_PREFIX) and cwd.parent == Path(tempfile.gettempdir()).resolve():
        os.chdir(cwd.parent)
        shutil.rmtree(cwd, ignore_errors=True)


def _stop_on_signals(server: uvicorn.Server) -> None:
    def stop(_signum: int, _frame: Any) -> None:
        if server.should_exit:
            server.force_exit = True
        server.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


class RunningTarget:
    """A reference target in a subprocess (`python -m dmcert serve --port 0`).

    with RunningTarget(db_url=None, faults=(), variants=(), order_identifier="external_order_id",
                       keys_out=None, tls=False, partners=None) as target:
        target.url, target.profile, target.keys_path, target.audit_writes()

    With tls=True it serves HTTPS (`dmcert serve --tls`); target.profile.ca_file is the test
    CA's certificate, removed with the keys file when the target stops.
    """

    def __init__(
        self,
        db_url: str | None = None,
        faults: Sequence[str] = (),
        variants: Sequence[str] = (),
        order_identifier: str = "external_order_id",
        keys_out: str | Path | None = None,
        tls: bool = False,
        partners: str | Path | None = None,
    ) -> None:
        self.db_url = db_url
        self.partners = partners
        self.tls = tls
        self.faults = tuple(faults)
        self.variants = tuple(variants)
        self.order_identifier = order_identifier
        self._keys_out = Path(keys_out) if keys_out else None
        self._scratch: str | None = None
        self._process: subprocess.Popen | None = None
        self.url = ""
        self.keys_path = Path()
        self.profile = TargetProfile()

    def __enter__(self) -> RunningTarget:
        self._scratch = tempfile.mkdtemp(prefix=_SCRATCH_PREFIX)
        scratch = Path(self._scratch)
        self.keys_path = self._keys_out or scratch / "keys.toml"
        command = [
            sys.executable, "-m", "dmcert", "serve",
            "--host", "127.0.0.1", "--port", "0",
            "--keys-out", str(self.keys_path),
            "--order-identifier", self.order_identifier,
            "--parent-pid", str(os.getpid()),
        ]  # fmt: skip
        # the database lives in the scratch directory too, so removing it leaves nothing
        command += ["--db", self.db_url or f"sqlite:///{scratch / 'reference.db'}"]
        if self.tls:
            command.append("--tls")
        if self.partners:
            command += ["--partners", str(Path(self.partners).absolute())]
        for fault in self.faults:
            command += ["--fault", fault]
        for variant in self.variants:
            command += ["--variant", variant]
        stdout = (scratch / "stdout").open("w+b")
        stderr = (scratch / "stderr").open("w+b")
        try:
            # Its own session: a Ctrl-C in the terminal reaches the parent only, which keeps the
            # target up while the run cleans up, then stops it. The scratch directory as its
            # working directory: no module in the user's shadows one the target imports.
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                cwd=scratch,
                start_new_session=True,
            )
        finally:
            stdout.close()
            stderr.close()
        try:
            self.url = self._wait_ready(scratch)
            self.profile = load_profile(self.keys_path)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    @property
    def process(self) -> subprocess.Popen | None:
        """The child process while the target runs."""
        return self._process

    def _wait_ready(self, scratch: Path) -> str:
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            text = (scratch / "stdout").read_text(encoding="utf-8", errors="replace")
            for line in text.splitlines():
                if line.startswith(READY):
                    return line[len(READY) :].strip()
            if self._process.poll() is not None:
                break
            time.sleep(0.02)
        errors = (scratch / "stderr").read_text(encoding="utf-8", errors="replace").strip()
        state = (
            f"exited with {self._process.returncode}"
            if self._process.poll() is not None
            else f"not ready after {_START_TIMEOUT:.0f} s"
        )
        raise RuntimeError(f"reference target {state}: {errors[-2000:] or 'no output'}")

    def __exit__(self, *exc_info: object) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.profile.ca_file:  # beside the keys file, which may be outside the scratch dir
            self.profile.ca_file.unlink(missing_ok=True)
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def _admin(self, path: str, **params: Any) -> Any:
        response = httpx.get(
            f"{self.url}/_reference/{path}",
            params=params,
            headers={"X-Admin-Token": self.profile.admin_token or ""},
            timeout=30,
            verify=client_context(self.profile.ca_file),
        )
        response.raise_for_status()
        return response.json()

    def audit_writes(self) -> int:
        """How many POST/PUT/DELETE requests the target recorded with a 2xx answer."""
        return int(self._admin("audit/writes")["writes"])

    def methods(self) -> dict[str, int]:
        """How many requests the target received per HTTP method (admin routes excepted),
        including those refused before the audit log (authentication)."""
        return self._admin("methods")["methods"]

    def audit_entries(self, after: int = 0) -> list[dict[str, Any]]:
        """Audit log entries with seq greater than `after`, oldest first."""
        return self._admin("audit", after=after)

    def ship(self, identifier: str) -> dict[str, Any]:
        """Mark an order shipped through the admin route; the order as stored."""
        response = httpx.post(
            f"{self.url}/_reference/orders/{quote(identifier, safe='')}/ship",
            headers={"X-Admin-Token": self.profile.admin_token or ""},
            timeout=30,
            verify=client_context(self.profile.ca_file),
        )
        response.raise_for_status()
        return response.json()["data"]

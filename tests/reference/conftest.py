"""Fixtures for the reference target's tests: a real server per backend and module, on
SQLite and on a fresh PostgreSQL database created for the test session."""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn

from dmcert.contract.target_profile import TargetProfile
from dmcert.contract.tls import client_context
from dmcert.reference.app import create_app
from dmcert.reference.database import open_database
from dmcert.reference.keys import mint_profile
from dmcert.reference.server import RunningTarget
from dmcert.reference.settings import Settings
from dmcert.reference.tls import LocalCA
from tests.conftest import postgres_url

BASE = "/api/integrations/v1"
BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this session (dropped at the end)."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = postgres_url()
    name = f"dmcert_t_{secrets.token_hex(4)}"
    admin_url = server.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def db_url_for(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "sqlite":
        return None
    return request.getfixturevalue("postgres_database")


@pytest.fixture(scope="module", params=BACKENDS)
def target(request: pytest.FixtureRequest) -> Iterator[RunningTarget]:
    """A reference target on each backend, shared by the tests of one module."""
    with RunningTarget(db_url=db_url_for(request.param, request)) as running:
        yield running


@dataclass(frozen=True)
class InProcessTarget:
    url: str
    profile: TargetProfile


@contextlib.contextmanager
def in_process_target(
    faults: tuple[str, ...] = (), variants: tuple[str, ...] = (), tls: bool = False
) -> Iterator[InProcessTarget]:
    """A reference target on a fresh SQLite file, served by uvicorn in a thread of this
    process: a real server on loopback, started in a fraction of RunningTarget's time.
    With tls, over HTTPS as `dmcert serve --tls` serves (the profile names the CA file)."""
    with tempfile.TemporaryDirectory(prefix="dmcert-inproc-") as scratch:
        settings = Settings(
            db_url=f"sqlite:///{Path(scratch) / 'ref.db'}",
            faults=frozenset(faults),
            variants=frozenset(variants),
        )
        db = open_database(settings.db_url, settings.faults)
        profile = mint_profile(db, settings)
        local_ca = LocalCA("127.0.0.1") if tls else None
        if local_ca:
            ca_file = local_ca.write_ca(Path(scratch) / "ca.pem")
            profile = dataclasses.replace(profile, ca_file=ca_file)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        config = uvicorn.Config(
            create_app(settings, db),
            log_level="warning",
            access_log=False,
            lifespan="off",
            ssl_context_factory=local_ca.uvicorn_factory(settings) if local_ca else None,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.005)
        try:
            scheme = "https" if tls else "http"
            yield InProcessTarget(f"{scheme}://127.0.0.1:{sock.getsockname()[1]}", profile)
        finally:
            server.should_exit = True
            thread.join(10)
            sock.close()
            db.dispose()


class Api:
    """HTTP to the API base path of a target, choosing the key per call by its profile
    name (a raw string is sent as is; None sends no X-API-Key)."""

    def __init__(self, target: RunningTarget | InProcessTarget) -> None:
        self.target = target
        self.http = httpx.Client(
            base_url=target.url + BASE, timeout=60, verify=client_context(target.profile.ca_file)
        )

    def request(self, method: str, path: str, key: str | None = "full", **kw: Any):
        headers = dict(kw.pop("headers", {}))
        if key is not None:
            known = self.target.profile.keys.get(key)
            headers["X-API-Key"] = known.value if known else key
        return self.http.request(method, path, headers=headers, **kw)

    def get(self, path: str, **kw: Any):
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any):
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any):
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any):
        return self.request("DELETE", path, **kw)

    def product(self, sku: str, **fields: Any) -> dict:
        response = self.post("/products/", json={"sku": sku, **fields})
        assert response.status_code == 201, response.text
        return response.json()["data"]

    def location(self, code: str, **fields: Any) -> dict:
        response = self.post("/locations/", json={"code": code, **fields})
        assert response.status_code == 201, response.text
        return response.json()["data"]

    def order(self, number: str, sku: str, **fields: Any) -> dict:
        body = {
            "order_number": number,
            "external_order_id": f"EXT-{number}",
            "items": [{"sku_code": sku, "quantity": 2}],
            **fields,
        }
        response = self.post("/orders/", json=body)
        assert response.status_code == 201, response.text
        return response.json()["data"]

    def walk(self, collection: str, limit: int, **params: Any) -> list[dict]:
        """Every record of a list, following next_cursor (bounded)."""
        seen, cursor = [], None
        for _ in range(10_000):
            query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
            response = self.get(f"/{collection}/", params=query)
            assert response.status_code == 200, response.text
            body = response.json()
            seen.extend(body["data"])
            cursor = body["pagination"]["next_cursor"]
            if cursor is None:
                return seen
        raise AssertionError("pagination did not end")


def item(collection: str, identifier: str) -> str:
    return f"/{collection}/{quote(identifier, safe='')}/"


@pytest.fixture(scope="module")
def api(target: RunningTarget) -> Iterator[Api]:
    client = Api(target)
    yield client
    client.http.close()


@pytest.fixture
def name() -> Any:
    """name(label): a fresh identifier, unique across tests and sessions."""
    run = uuid.uuid4().hex[:8].upper()
    return lambda label="X": f"T{run}-{label}"

"""Benchmark of the reference target: bulk upsert rate, keyset list cost at depth, and list
throughput under concurrency, on SQLite and (when reachable) PostgreSQL.

    python benchmarks/reference_bench.py [--db URL] [--quick]

Without --db: SQLite in a temp dir, and a fresh PostgreSQL database (created next to
$DMCERT_TEST_POSTGRES or postgresql://postgres@127.0.0.1:5432/test, dropped afterwards).
With --db: that database only. Each target is a `dmcert serve` subprocess on loopback.

Figures printed per backend:
- startup: seconds from spawning `dmcert serve` to its ready line (median of 5),
- bulk upsert: rows/s of a 1,000-row POST /inventory/ updating the same rows, through the
  pass-through key and through a partner key whose mapping renames every row's fields
  (median of 21 each, alternating), and the mapping overhead: the ratio of the two medians,
- list depth: GET /products/?limit=50 latency at page 1 and at page 200 of a 50,000-product
  table (seeded straight through SQLAlchemy), medians and their ratio (keyset: about 1),
- list throughput: GET /products/ requests/s with 16 concurrent connections.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from dmcert.contract.partner_shape import PartnerShaper
from dmcert.contract.spec import BASE_PATH
from dmcert.reference.database import Database, products
from dmcert.reference.server import RunningTarget

BASE = BASE_PATH
MAPPED_KEY = "partner_acumatica"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SEED_ROWS = 50_000
PAGE = 50
DEPTH = 200


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="dmcert-bench-") as scratch:
        yield f"sqlite:///{Path(scratch) / 'bench.db'}"


@contextmanager
def fresh_postgres(server: str) -> Iterator[str | None]:
    """A new database on the PostgreSQL server of `server`, or None if unreachable."""
    import psycopg

    admin = server.replace("postgresql+psycopg", "postgresql")
    name = f"dmcert_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"postgresql: skipped ({exc.__class__.__name__}: not reachable at {server})")
        yield None
        return
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Client:
    def __init__(self, target: RunningTarget, key_name: str = "full") -> None:
        key = target.profile.keys[key_name].value
        self.http = httpx.Client(
            base_url=target.url + BASE, headers={"X-API-Key": key}, timeout=120
        )

    def call(self, method: str, path: str, **kw) -> httpx.Response:
        response = self.http.request(method, path, **kw)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:200]}")
        return response


def bench_bulk(target: RunningTarget, runs: int) -> dict[str, list[float]]:
    """Seconds per 1,000-row upsert of the same 1,000 pairs, sent `runs` times each through the
    pass-through key and through a partner key (the shipped illustrative acumatica mapping:
    the batch under Items[] with renamed item fields, a static source), alternating, after one
    pass-through batch that creates the rows. The payloads are shaped before the clock starts:
    the difference is the target's mapping work."""
    plain, mapped = Client(target), Client(target, MAPPED_KEY)
    partner = target.profile.keys[MAPPED_KEY].partner
    shape = PartnerShaper(partner.active_mapping("inventory") if partner else None)
    tag = secrets.token_hex(3).upper()
    locations = [f"BL{tag}-{n}" for n in range(20)]
    skus = [f"BS{tag}-{n}" for n in range(50)]
    for code in locations:
        plain.call("POST", "/locations/", json={"code": code})
    for sku in skus:
        plain.call("POST", "/products/", json={"sku": sku})

    def batch(run: int) -> dict:
        rows = [
            {"location_code": code, "sku_code": sku, "quantity": run}
            for code in locations
            for sku in skus
        ]
        return {"inventory": rows, "source": "erp_sync"}

    def upsert(client: Client, body: dict) -> float:
        started = time.perf_counter()
        data = client.call("POST", "/inventory/", json=body).json()["data"]
        elapsed = time.perf_counter() - started
        assert data["failed"] == 0 and data["created"] + data["updated"] == 1000, data
        return elapsed

    upsert(plain, batch(0))
    times: dict[str, list[float]] = {"pass-through": [], "mapped": []}
    for run in range(1, runs + 1):
        times["pass-through"].append(upsert(plain, batch(run)))
        times["mapped"].append(upsert(mapped, shape(batch(run))))
    return times


def seed_products(db_url: str, count: int) -> None:
    """`count` products inserted directly, created one microsecond apart."""
    db = Database(db_url)
    start = datetime.now(UTC) - timedelta(days=1)
    tag = secrets.token_hex(3).upper()
    rows = [
        {
            "id": f"{n:08d}-0000-4000-8000-{secrets.token_hex(6)}",
            "created_at": start + timedelta(microseconds=n),
            "updated_at": start + timedelta(microseconds=n),
            "sku": f"SEED-{tag}-{n}",
            "quantity": n,
            "is_active": True,
            "cost": None,
            "custom_fields": {"n": n},
        }
        for n in range(count)
    ]
    with db.engine.begin() as conn:
        for start_at in range(0, count, 5000):
            conn.execute(insert(products), rows[start_at : start_at + 5000])
    db.dispose()


def bench_depth(client: Client, samples: int) -> tuple[list[float], list[float]]:
    """Latencies of page 1 and of page 200 (cursor found by walking)."""
    cursor = None
    for _ in range(DEPTH - 1):
        params = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
        cursor = client.call("GET", "/products/", params=params).json()["pagination"]["next_cursor"]
    first, deep = [], []
    for _ in range(samples):
        for params, sink in (({"limit": PAGE}, first), ({"limit": PAGE, "cursor": cursor}, deep)):
            started = time.perf_counter()
            body = client.call("GET", "/products/", params=params).json()
            sink.append(time.perf_counter() - started)
            assert len(body["data"]) == PAGE
    return first, deep


def bench_throughput(target: RunningTarget, seconds: float, connections: int = 16) -> float:
    """GET /products/?limit=50 requests per second with `connections` concurrent clients."""
    deadline = time.monotonic() + seconds
    counts = [0] * connections
    failures: list[str] = []

    def worker(index: int) -> None:
        client = Client(target)
        while time.monotonic() < deadline:
            response = client.http.get("/products/", params={"limit": PAGE})
            if response.status_code != 200:
                failures.append(str(response.status_code))
                return
            counts[index] += 1
        client.http.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"throughput run got {failures[0]}")
    return sum(counts) / (time.monotonic() - started)


def bench_startup(db_url: str, runs: int) -> list[float]:
    """Seconds from spawning `dmcert serve` (a new interpreter) to its ready line."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with RunningTarget(db_url=db_url):
            times.append(time.perf_counter() - started)
    return times


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def run_backend(label: str, db_url: str, quick: bool) -> None:
    runs, samples, seconds = (5, 15, 2.0) if quick else (5, 50, 5.0)
    batches = 5 if quick else 21  # per key: the mapped/pass-through ratio is a small effect
    startup = bench_startup(db_url, runs)
    print(
        f"{label}: ready to serve: median {statistics.median(startup):.2f} s "
        f"(max {max(startup):.2f} s, n={runs})"
    )
    with RunningTarget(db_url=db_url) as target:
        client = Client(target)
        bulk = bench_bulk(target, batches)
        for side, times in bulk.items():
            print(
                f"{label}: bulk upsert 1,000 rows, {side} key: median "
                f"{ms(statistics.median(times))} = {1000 / statistics.median(times):,.0f} rows/s "
                f"(min {ms(min(times))}, max {ms(max(times))}, n={len(times)})"
            )
        overhead = statistics.median(bulk["mapped"]) / statistics.median(bulk["pass-through"])
        print(f"{label}: mapping overhead, mapped/pass-through time per batch = {overhead:.2f}")
        seeded = time.perf_counter()
        seed_products(db_url, SEED_ROWS)
        print(f"{label}: seeded {SEED_ROWS:,} products in {time.perf_counter() - seeded:.1f} s")
        first, deep = bench_depth(client, samples)
        p1, p200 = statistics.median(first), statistics.median(deep)
        print(
            f"{label}: list page 1 median {ms(p1)}, page {DEPTH} median {ms(p200)}, "
            f"ratio page {DEPTH}/page 1 = {p200 / p1:.2f} (n={samples} each)"
        )
        rps = bench_throughput(target, seconds)
        print(f"{label}: list throughput, 16 connections, {seconds:.0f} s: {rps:,.0f} requests/s")
        client.http.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", metavar="URL", help="benchmark this database only")
    parser.add_argument("--quick", action="store_true", help="fewer samples, shorter runs")
    args = parser.parse_args()
    if args.db:
        backend = make_url(args.db).get_backend_name()
        run_backend(backend, args.db, args.quick)
        return 0
    with sqlite_url() as url:
        run_backend("sqlite", url, args.quick)
    server = os.environ.get("DMCERT_TEST_POSTGRES", DEFAULT_POSTGRES)
    with fresh_postgres(server) as url:
        if url:
            run_backend("postgresql", url, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())

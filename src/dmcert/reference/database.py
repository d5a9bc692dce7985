"""The reference target's storage: schema, engine, and transactions safe under concurrency.

SQLite (default) and PostgreSQL share one schema written with SQLAlchemy Core. SQLite runs in
WAL mode; its writers are serialised by a process-wide lock so concurrent requests wait
instead of failing with "database is locked". PostgreSQL write transactions are retried on
deadlock or serialization failure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.types import DateTime, TypeDecorator

T = TypeVar("T")

# PostgreSQL SQLSTATEs worth one more try: serialization_failure, deadlock_detected
_RETRYABLE = {"40001", "40P01"}
_ATTEMPTS = 4


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both backends (SQLite stores naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()


def _record_columns() -> list[Column]:
    return [
        Column("id", String(36), primary_key=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    ]


api_keys = Table(
    "ref_api_keys",
    metadata,
    *_record_columns(),
    Column("name", String(255), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scopes", JSON, nullable=False),
    Column("expires_at", UTCDateTime()),
    Column("is_active", Boolean, nullable=False),
)

products = Table(
    "ref_products",
    metadata,
    *_record_columns(),
    Column("sku", String(255), nullable=False),
    Index("uq_ref_products_sku", "sku", unique=True),
    Column("quantity", Integer, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("cost", String(32)),
    Column("custom_fields", JSON, nullable=False),
    Index("ix_ref_products_page", "created_at", "id"),
)

locations = Table(
    "ref_locations",
    metadata,
    *_record_columns(),
    Column("code", String(255), nullable=False),
    Index("uq_ref_locations_code", "code", unique=True),
    Column("name", Text),
    Column("zone", Text),
    Column("aisle", Text),
    Column("meta", JSON, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Index("ix_ref_locations_page", "created_at", "id"),
)

orders = Table(
    "ref_orders",
    metadata,
    *_record_columns(),
    Column("order_number", String(255), nullable=False),
    Column("external_order_id", String(255)),
    # external_order_id again, set only while orders are addressed by it: unique then
    Column("external_key", String(255)),
    Index("uq_ref_orders_order_number", "order_number", unique=True),
    Index("uq_ref_orders_external_key", "external_key", unique=True),
    Column("customer_name", Text),
    Column("customer_info", JSON, nullable=False),
    Column("notes", Text),
    Column("order_date", UTCDateTime()),
    Column("due_date", UTCDateTime()),
    Column("meta", JSON, nullable=False),
    Column("status", Text, nullable=False),
    Column("cancel_reason", Text),
    Index("ix_ref_orders_page", "created_at", "id"),
)

order_items = Table(
    "ref_order_items",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("sku", String(255), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("verified_quantity", Integer, nullable=False),
    Column("verification_status", String(32), nullable=False),
    Column("notes", Text),
)

inventory = Table(
    "ref_inventory",
    metadata,
    *_record_columns(),
    Column("location_code", String(255), nullable=False),
    Column("sku_code", String(255), nullable=False),
    Column("quantity", Integer, nullable=False),
    Index("uq_ref_inventory_pair", "location_code", "sku_code", unique=True),
    Index("ix_ref_inventory_sku", "sku_code"),
    Index("ix_ref_inventory_page", "created_at", "id"),
)

audit_log = Table(
    "ref_audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("time", UTCDateTime(), nullable=False),
    Column("key_name", String(255), nullable=False),
    Column("method", String(16), nullable=False),
    Column("path", Text, nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("log_status", String(32), nullable=False),
    Column("error_message", Text),
    Column("payload", Text, nullable=False),
    Column("record_id", String(36)),
)


UNIQUE_INDEXES_DROPPED = {
    "racy_duplicate_check": (
        "uq_ref_products_sku",
        "uq_ref_locations_code",
        "uq_ref_orders_order_number",
        "uq_ref_orders_external_key",
    ),
    "racy_bulk_upsert": ("uq_ref_inventory_pair",),
}
"""The schema's part of the race faults (faults.py): the unique indexes that would otherwise
turn a racing duplicate into an IntegrityError are really absent, so the racy code paths
create what they create."""


def normalise_url(url: str) -> URL:
    """A SQLAlchemy URL for `url`: postgresql:// uses psycopg 3; SQLite needs a file path.

    Raises ValueError with a one-line reason for anything else."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("an SQLite URL needs a file path, e.g. sqlite:////tmp/ref.db")
        return parsed.set(drivername="sqlite+pysqlite")
    raise ValueError(f"unsupported database (use sqlite:/// or postgresql://): {backend}")


class Database:
    """The engine plus read and write transactions that behave the same on both backends."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.engine: Engine = create_engine(
                self.url,
                connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=20,
                max_overflow=20,
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(
                self.url,
                connect_args={"connect_timeout": 10},
                pool_size=8,
                max_overflow=16,
                pool_timeout=60,
            )
        self._write_lock = threading.Lock() if self.is_sqlite else None
        # reads need no transaction: one round trip per statement instead of three
        self._reader = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        # the audit log's own connections: autocommit, and no disk flush per entry
        self._logger = (
            None
            if self.is_sqlite
            else create_engine(
                self.url,
                connect_args={"connect_timeout": 10, "options": "-c synchronous_commit=off"},
                isolation_level="AUTOCOMMIT",
                pool_size=2,
                max_overflow=10,
                pool_timeout=60,
            )
        )

    @property
    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def create_schema(self) -> None:
        """Create missing tables; on PostgreSQL under an advisory lock, since several
        targets may start on one database at once."""
        with self.engine.begin() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
            metadata.create_all(conn)

    def drop_unique_indexes(self, faults: frozenset[str]) -> None:
        """Drop the unique indexes the injected race faults do without (UNIQUE_INDEXES_DROPPED).
        Only on SQLite: the database file is the target's own, while a PostgreSQL database
        may be shared with conformant targets."""
        names = [name for fault in sorted(faults) for name in UNIQUE_INDEXES_DROPPED.get(fault, ())]
        if names and not self.is_sqlite:
            raise ValueError("the race faults drop unique indexes: use them with SQLite only")
        with self.engine.begin() as conn:
            for name in names:
                conn.execute(text(f"DROP INDEX IF EXISTS {name}"))

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (autocommit: each statement sees committed data)."""
        with self._reader.connect() as conn:
            yield conn

    def append(self, work: Callable[[Connection], None]) -> None:
        """Run an append-only write whose loss in a server crash is acceptable (the audit
        log): on PostgreSQL one autocommitted round trip without waiting for the disk."""
        if self._logger is None:
            self.write(work)
            return
        with self._logger.connect() as conn:
            work(conn)

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction and commit; retried on transient conflicts."""
        for attempt in range(_ATTEMPTS):
            try:
                return self._write_once(work)
            except OperationalError as exc:
                if attempt + 1 == _ATTEMPTS or not _retryable(exc):
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def _write_once(self, work: Callable[[Connection], T]) -> T:
        if self._write_lock is None:
            with self.engine.begin() as conn:
                return work(conn)
        with self._write_lock, self.engine.begin() as conn:
            return work(conn)

    def dispose(self) -> None:
        self.engine.dispose()
        if self._logger is not None:
            self._logger.dispose()


def _retryable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in _RETRYABLE or "database is locked" in str(exc.orig)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_database(url: str, faults: frozenset[str] = frozenset()) -> Database:
    """Connect, create the schema (without the unique indexes the injected race `faults`
    drop), and return the Database (ValueError if unusable)."""
    database = Database(url)
    try:
        database.create_schema()
        database.drop_unique_indexes(faults)
    except ValueError:
        database.dispose()
        raise
    except DBAPIError as exc:
        database.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else exc.__class__.__name__
        raise ValueError(f"cannot use database {database.safe_url}: {reason}") from None
    return database

"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

from registry.records import EncodedJSON


@dataclass(frozen=True)
class Timeouts:
    """How long a PostgreSQL connection may take to open, a statement to run and a lock to be
    waited for (0: no limit). A stalled database then fails a request instead of holding it."""

    connect_s: int
    statement_ms: int
    lock_ms: int


# web requests: a page or an API answer that takes longer has failed anyway
WEB = Timeouts(connect_s=3, statement_ms=15_000, lock_ms=5_000)
# imports, exports, reindexing, background jobs: long statements are their nature
BATCH = Timeouts(connect_s=10, statement_ms=0, lock_ms=60_000)
SQLITE_BUSY_MS = 30_000  # SQLite's one writer at a time: how long a write waits for the lock


def make_engine(url: str, sqlite_cache_mib: int = 64, timeouts: Timeouts = BATCH, pool_size: int = 10,
                reads_only: bool = False) -> Engine:
    """An engine tuned for the backend: WAL and foreign keys on SQLite, a pool with
    ``timeouts`` on PostgreSQL. ``reads_only``: PostgreSQL connections in autocommit and
    not pinged before use, for reads on the event loop (``LoopReader.awork``), where every
    round trip holds the loop: a single SELECT needs no transaction, and a dead connection
    fails its read, which sends the reads off the loop while a fresh one is opened.

    Big imports keep SQLite's indexes in a page cache of ``sqlite_cache_mib`` per connection;
    a helper process that only looks numbers up asks for less."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000}, json_serializer=_json
        )
        event.listen(engine, "connect", lambda dbapi, _: _sqlite_pragmas(dbapi, sqlite_cache_mib))
        # pysqlite's own transaction handling defers BEGIN; we issue it ourselves so that a
        # write transaction takes its lock at the start and cannot deadlock on upgrade.
        # A read-only connection (``execution_options(read_only=True)``: the scan and verify
        # lookups) skips it: one SELECT needs no transaction, and BEGIN/ROLLBACK cost more.
        event.listen(engine, "begin", _begin)
        return engine
    engine = create_engine(url, pool_pre_ping=not reads_only, pool_size=pool_size, max_overflow=pool_size,
                           json_serializer=_json, connect_args={"connect_timeout": timeouts.connect_s},
                           **({"isolation_level": "AUTOCOMMIT"} if reads_only else {}))
    event.listen(engine, "connect", lambda dbapi, _: _postgres_timeouts(dbapi, timeouts))
    return engine


def _postgres_timeouts(dbapi_connection, timeouts: Timeouts) -> None:
    """Set on the session, once per new connection (the URL's own ``options`` stay as they are)."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(timeouts.statement_ms)}")
        cursor.execute(f"SET lock_timeout = {int(timeouts.lock_ms)}")
    dbapi_connection.commit()


def _json(value) -> str:
    if isinstance(value, EncodedJSON):
        return value
    return orjson.dumps(value).decode()


def _begin(connection) -> None:
    if not connection.get_execution_options().get("read_only"):
        connection.exec_driver_sql("BEGIN")


def _sqlite_pragmas(dbapi_connection, cache_mib: int) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
    cursor.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


BULK_CHANGE = 10_000  # rows an import must change before the planner's statistics are refreshed
ANALYZED = ("certificate", "certificatemodel", "certificateevent", "organisation", "searchoutbox")


def refresh_statistics(engine: Engine, changed: int) -> None:
    """After a bulk load, PostgreSQL's planner statistics are read again at once. With stale
    ones (autovacuum off, or not yet round), a lookup of 500 numbers was planned as a scan of
    the whole table (330 ms instead of 2 ms at a million certificates). SQLite has no such
    statistics to go stale in the ways that matter here."""
    if changed < BULK_CHANGE or not is_postgres(engine):
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE " + ", ".join(ANALYZED))

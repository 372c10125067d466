"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from registry.records import EncodedJSON

T = TypeVar("T")


def make_engine(url: str, sqlite_cache_mib: int = 64) -> Engine:
    """An engine tuned for the backend: WAL and foreign keys on SQLite, a pool on PostgreSQL.

    Big imports keep SQLite's indexes in a page cache of ``sqlite_cache_mib`` per connection;
    a helper process that only looks numbers up asks for less."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, json_serializer=_json
        )
        event.listen(engine, "connect", lambda dbapi, _: _sqlite_pragmas(dbapi, sqlite_cache_mib))
        # pysqlite's own transaction handling defers BEGIN; we issue it ourselves so that a
        # write transaction takes its lock at the start and cannot deadlock on upgrade.
        # A read-only connection (``execution_options(read_only=True)``: the scan and verify
        # lookups) skips it: one SELECT needs no transaction, and BEGIN/ROLLBACK cost more.
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, json_serializer=_json
    )


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
    cursor.execute("PRAGMA busy_timeout=30000")
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


class LoopReader:
    """Connections kept open for the quick reads that run on an event loop (the scan page and
    the verify API): taking a connection from the pool and giving it back costs about as much
    as the indexed query itself.

    One connection per running loop (a server process has one), read-only, and on PostgreSQL
    in autocommit, so that it never holds a transaction open; after any error it is closed and
    the next read opens a fresh one. Reads from worker threads take a pooled connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._kept: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Connection] = weakref.WeakKeyDictionary()

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a worker thread: the pool, as usual
            with self.engine.connect() as connection:
                yield connection.execution_options(read_only=True)
            return
        connection = self._kept.get(loop)
        if connection is None:
            connection = self._kept[loop] = self._open()
        try:
            yield connection
        except BaseException:
            self._kept.pop(loop, None)
            connection.close()
            raise

    def read(self, work: Callable[[Connection], T]) -> T:
        """``work(connection)``, once more on a fresh connection if the kept one turned out to
        be dead (the database restarted or failed over): no scan fails for that."""
        try:
            with self.connect() as connection:
                return work(connection)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        with self.connect() as connection:
            return work(connection)

    def _open(self) -> Connection:
        connection = self.engine.connect()
        if is_postgres(self.engine):  # SQLite's read-only connections never BEGIN (see _begin)
            connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection.execution_options(read_only=True)

    def close(self) -> None:
        for connection in list(self._kept.values()):
            connection.close()
        self._kept.clear()

"""The quick reads of the scan page and the verify API, on the event loop while the database
is quick, in a worker thread with a deadline while it is not.

Taking a connection from the pool and giving it back costs about as much as the indexed query
itself, so each running loop keeps one connection open (read-only, and on PostgreSQL in
autocommit, so that it never holds a transaction open). A read on the loop blocks the loop,
so that connection gets tight limits (``QUICK``). When the database is slow (a statement or a
lock wait ran out of time, a connection could not be opened), the reader stops reading on the
loop for ``SLOW_FOR`` seconds: reads go to worker threads, each answered or given up within
``DEADLINE`` seconds (``DatabaseUnavailable``, a 503), and ``/healthz`` and every other
request keep being served meanwhile. A read that answers in time brings it back to the loop.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.util import greenlet_spawn

from registry.db import Timeouts, is_postgres, make_engine

T = TypeVar("T")
QUICK = Timeouts(connect_s=2, statement_ms=500, lock_ms=200)  # the loop's own connection
DEADLINE = 1.2  # seconds a read in a thread may take before the answer is a 503
SLOW_FOR = 15.0  # seconds the reads stay off the loop after the database was slow
UNAVAILABLE = (OperationalError, PoolTimeout)  # timeouts, lock waits, refused connections


class DatabaseUnavailable(Exception):
    """The registry database did not answer in time: try again shortly (503)."""


class OffTheLoop(Exception):
    """Raised by work run on the loop (``LoopReader.awork``) that must not be: a long read,
    such as the search's SQL fallback. The work is run again in a worker thread."""


class LoopReader:
    """One kept connection per running loop; after any error it is closed and the next read
    opens a fresh one. Reads from worker threads take a pooled connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._kept: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Connection] = weakref.WeakKeyDictionary()
        self.slow_until = 0.0  # monotonic time until which reads stay off the loop
        self._quick: Engine | None = None  # awork's engine on the loop, once opened

    async def aread(self, work: Callable[[Connection], T]) -> T:
        """``work(connection)`` for a request handler: on the loop when the database is quick,
        else in a thread; ``DatabaseUnavailable`` when no answer came in time."""
        kept = self._kept.get(asyncio.get_running_loop())
        if kept is not None and time.monotonic() >= self.slow_until:
            try:
                return self.read(work)
            except UNAVAILABLE:
                self.slow_until = time.monotonic() + SLOW_FOR  # and try once more, off the loop
        return await self._read_in_thread(work, open_kept=kept is None)

    async def _read_in_thread(self, work: Callable[[Connection], T], open_kept: bool) -> T:
        loop = asyncio.get_running_loop()
        with anyio.move_on_after(DEADLINE):
            try:
                if open_kept:  # opening a connection may wait on the network: never on the loop
                    connection = await anyio.to_thread.run_sync(self._open, abandon_on_cancel=True)
                    if self._kept.setdefault(loop, connection) is not connection:
                        connection.close()  # another request opened one meanwhile
                answer = await anyio.to_thread.run_sync(self._pooled, work, abandon_on_cancel=True)
            except UNAVAILABLE as exc:
                self.slow_until = time.monotonic() + SLOW_FOR
                raise DatabaseUnavailable(str(exc).splitlines()[0][:200]) from exc
            self.slow_until = 0.0
            return answer
        self.slow_until = time.monotonic() + SLOW_FOR
        raise DatabaseUnavailable(f"no answer within {DEADLINE} s")

    async def awork(self, work: Callable[[Engine], T]) -> T:
        """``work(engine)``: code that reads the registry through an engine and waits on the
        search index (``search.on_the_loop``). Run on the loop in a greenlet while the database
        is quick, with an engine of its own whose connections have the loop's tight limits
        (``QUICK``); else, and when it raises ``OffTheLoop``, in a worker thread with the
        usual engine. A lock or statement that ran out of time sends the work off the loop
        for ``SLOW_FOR`` seconds, as ``aread`` does."""
        if self._quick is not None and time.monotonic() >= self.slow_until:
            try:
                return await greenlet_spawn(work, self._quick)
            except UNAVAILABLE:
                self.slow_until = time.monotonic() + SLOW_FOR
            except OffTheLoop:
                pass
        elif self._quick is None:  # its first connection may wait on the network: opened in a thread
            self._quick = await anyio.to_thread.run_sync(self._quick_engine)
        return await anyio.to_thread.run_sync(work, self.engine)

    def _quick_engine(self) -> Engine:
        if not is_postgres(self.engine):
            return self.engine  # SQLite's readers never wait on a writer (WAL)
        quick = make_engine(self.engine.url.render_as_string(hide_password=False), timeouts=QUICK, pool_size=2,
                            reads_only=True)
        quick.connect().close()
        return quick

    def _pooled(self, work: Callable[[Connection], T]) -> T:
        with self.engine.connect() as connection:
            if is_postgres(self.engine):  # a thread given up on must not wait much longer
                connection.execute(text(f"SET LOCAL statement_timeout = {int(DEADLINE * 1000)}"))
            return work(connection.execution_options(read_only=True))

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
        if is_postgres(self.engine):  # SQLite's read-only connections never BEGIN (see registry.db)
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql(f"SET statement_timeout = {QUICK.statement_ms}")
            connection.exec_driver_sql(f"SET lock_timeout = {QUICK.lock_ms}")
        return connection.execution_options(read_only=True)

    def close(self) -> None:
        for connection in list(self._kept.values()):
            connection.close()
        self._kept.clear()
        if self._quick is not None and self._quick is not self.engine:
            self._quick.dispose()

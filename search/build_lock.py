"""One index build at a time, and no outbox drained while one runs.

An index built aside (``hopquy reindex``, a bulk import) is swapped in at the end. A
drainer that released outbox rows in the meantime would have sent those changes to the old
index only, and the swap would lose them. So a build holds this lock exclusively, from
before it reads the registry until after the swap, and a drainer drains only under the
shared lock, which it does not wait for: while a build runs, changes stay queued and are
drained into the new index once it is live.

The lock dies with its holder: a ``flock`` on a file beside a SQLite database (one machine),
a session advisory lock on PostgreSQL. A killed build leaves nothing to clean up.
Each index has its own lock: it is the index that a build replaces.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text


class BuildLock:
    def __init__(self, engine: Engine, index_name: str) -> None:
        self.engine = engine
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        in_file = database and database != ":memory:"
        self.path = Path(f"{database}.{index_name}.index-build.lock") if in_file else None
        digest = hashlib.blake2b(f"hopquy index build {index_name}".encode(), digest_size=8).digest()
        self.key = int.from_bytes(digest, "big", signed=True)  # PostgreSQL's advisory keys are bigint

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Wait for running drains to end, then hold every other drainer and build off."""
        with self._held(shared=False, wait=True):
            yield

    @contextmanager
    def shared(self) -> Iterator[bool]:
        """Whether no build is running; if so, none starts until the block ends."""
        with self._held(shared=True, wait=False) as taken:
            yield taken

    @contextmanager
    def _held(self, shared: bool, wait: bool) -> Iterator[bool]:
        if self.engine.dialect.name == "postgresql":
            with self._advisory(shared, wait) as taken:
                yield taken
        elif self.path is not None:
            with self._flock(shared, wait) as taken:
                yield taken
        else:  # an in-memory database lives in one process: nothing to share
            yield True

    @contextmanager
    def _flock(self, shared: bool, wait: bool) -> Iterator[bool]:
        with self.path.open("a") as handle:
            mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
            try:
                fcntl.flock(handle, mode)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def _advisory(self, shared: bool, wait: bool) -> Iterator[bool]:
        suffix = "_shared" if shared else ""
        take = f"pg_advisory_lock{suffix}" if wait else f"pg_try_advisory_lock{suffix}"
        with self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            taken = connection.execute(text(f"SELECT {take}(:key)"), {"key": self.key}).scalar()
            taken = wait or bool(taken)  # pg_advisory_lock returns once it holds the lock
            try:
                yield taken
            finally:
                if taken:
                    connection.execute(text(f"SELECT pg_advisory_unlock{suffix}(:key)"), {"key": self.key})

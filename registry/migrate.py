"""Alembic migrations: a deploy step (``hopquy db upgrade``), run under a lock so that two
processes starting together cannot both migrate; every other command and server worker
checks that the schema is the one its code needs and refuses to start when it is behind
(``HOPQUY_MIGRATE=auto`` migrates instead: ``make run`` and the tests use it)."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


LOCK_KEY = int.from_bytes(hashlib.blake2b(b"hopquy-migrations", digest_size=8).digest(), "big", signed=True)


class SchemaBehind(RuntimeError):
    """The database's schema is older (or newer) than this code's."""


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` under the migration lock; a no-op when it is there."""
    with migration_lock(engine):
        command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (a rollback to an older version of Hopquy): what
    the later migrations added is dropped with its data, so back up first."""
    with migration_lock(engine):
        command.downgrade(alembic_config(engine), revision)


def ensure_current(engine: Engine) -> None:
    """Refuse, with what to do, a database whose schema is not the one this code needs."""
    with engine.connect() as connection:
        current = current_revision(connection)
    if current != head_revision():
        raise SchemaBehind(f"the database schema is at {current or 'nothing (an empty database)'} and this "
                           f"version of Hopquy needs {head_revision()}: run `hopquy db upgrade` first "
                           "(or set HOPQUY_MIGRATE=auto)")


def prepare(engine: Engine, mode: str) -> None:
    """``auto``: migrate; ``check`` (the default): refuse a schema that is behind."""
    if mode == "auto":
        upgrade(engine)
    else:
        ensure_current(engine)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """One migration at a time: a PostgreSQL advisory lock, or a lock file beside SQLite's."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@cache
def head_revision() -> str:
    """The newest migration this code brings."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The migration the database was last brought to (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()

"""The connection kept for reads on the event loop: fresh data, no open transaction, recovery."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.db import is_postgres
from registry.loop_reader import LoopReader


def _count(reader: LoopReader) -> int:
    with reader.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM organisation")).scalar_one()


def _add_holder(engine, tax_code: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO organisation (tax_code, name, identity, created_at) "
                                "VALUES (:t, 'Holder', :t, CURRENT_TIMESTAMP)"), {"t": tax_code})


def test_one_connection_per_loop_that_sees_every_commit_and_holds_no_transaction(engine):
    reader = LoopReader(engine)

    async def on_the_loop() -> list[object]:
        seen = [_count(reader)]
        _add_holder(engine, "0100000001")  # committed by another connection
        seen.append(_count(reader))
        with reader.connect() as first, reader.connect() as second:
            seen.append(first is second)
            if is_postgres(engine):
                state = second.execute(text(
                    "SELECT state FROM pg_stat_activity WHERE pid = pg_backend_pid()")).scalar_one()
                seen.append(state)  # "active" while it asks; never "idle in transaction"
                seen.append(second.execute(text("SHOW transaction_read_only")).scalar_one())
                seen.append(second.execute(text("SELECT pg_backend_pid()")).scalar_one())
        return seen

    seen = asyncio.run(on_the_loop())
    assert seen[:3] == [0, 1, True]
    if is_postgres(engine):
        assert seen[3] == "active"
        with engine.connect() as other:  # the reader's own: other tests share the database
            state = other.execute(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"),
                                  {"pid": seen[5]}).scalar_one()
        assert state == "idle"
    reader.close()


def test_after_an_error_the_next_read_opens_a_fresh_connection(engine):
    reader = LoopReader(engine)

    async def on_the_loop() -> tuple[int, int]:
        with reader.connect() as connection:
            before = id(connection)
        with pytest.raises(SQLAlchemyError), reader.connect() as connection:
            connection.execute(text("SELECT * FROM no_such_table"))
        with reader.connect() as connection:
            after = id(connection)
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
        return before, after

    before, after = asyncio.run(on_the_loop())
    assert before != after
    reader.close()


def test_worker_threads_take_pooled_connections(engine):
    reader = LoopReader(engine)
    with reader.connect() as first:
        pass
    with reader.connect() as second:
        assert second is not first and not reader._kept


def test_a_read_on_a_connection_the_database_dropped_is_retried_on_a_fresh_one(engine):
    if not is_postgres(engine):
        pytest.skip("SQLite has no server to drop the connection")
    reader = LoopReader(engine)

    def pid(connection) -> int:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

    async def on_the_loop() -> tuple[int, int]:
        first = reader.read(pid)
        with engine.connect() as admin:  # as a database restart or failover would
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        return first, reader.read(pid)

    first, second = asyncio.run(on_the_loop())
    assert second != first
    reader.close()

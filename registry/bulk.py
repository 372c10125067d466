"""Fast bulk writes inside the caller's transaction: COPY on PostgreSQL, executemany on SQLite.

A million-row import spends most of its time turning Python values into SQL parameters. The
ORM and even Core ``insert()`` with a list of dicts pay for compilation and per-value dispatch
on every chunk; here each table's statement is built once, values keep SQLAlchemy's own type
conversions (so dates and JSON read back exactly as the ORM wrote them), and ids are handed
out up front so that children can be written without a round trip per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection


class BulkWriter:
    """Writes rows given as tuples in the order of ``columns``, within one open transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        self._processors: dict[tuple[str, tuple[str, ...]], list[Any]] = {}

    def _convert(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]):
        key = (table.name, tuple(columns))
        if key not in self._processors:
            self._processors[key] = [
                table.c[name].type._cached_bind_processor(self.dialect) for name in columns
            ]
        processors = self._processors[key]
        if not any(processors):
            return rows
        pairs = [(i, p) for i, p in enumerate(processors) if p is not None]
        converted = []
        last: dict[int, tuple[Any, Any]] = {}  # a run's timestamp repeats on every row
        for row in rows:
            row = list(row)
            for i, process in pairs:
                value = row[i]
                if value is None:
                    continue
                seen = last.get(i)
                if seen is not None and seen[0] is value:
                    row[i] = seen[1]
                else:
                    row[i] = process(value)
                    last[i] = (value, row[i])
            converted.append(row)
        return converted

    def insert(
        self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], on_conflict: str = ""
    ) -> None:
        """Insert ``rows``; ``on_conflict`` is an ``ON CONFLICT ...`` clause both backends accept."""
        if not rows:
            return
        rows = self._convert(table, columns, rows)
        names = ", ".join(f'"{c}"' for c in columns)
        if self.postgres and not on_conflict:
            raw = self.connection.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(self._mark for _ in columns)
        self._executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks}) {on_conflict}', rows)

    def update(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Rows are ``(id, *values)``: set ``columns`` of the row with that id."""
        if not rows:
            return
        rows = self._convert(table, ["id", *columns], rows)
        sets = ", ".join(f'"{c}" = {self._mark}' for c in columns)
        self._executemany(f'UPDATE "{table.name}" SET {sets} WHERE id = {self._mark}',
                          [(*row[1:], row[0]) for row in rows])

    @property
    def _mark(self) -> str:
        return "%s" if self.postgres else "?"

    def _executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        raw = self.connection.connection.driver_connection
        if self.postgres:
            with raw.cursor() as cursor:
                cursor.executemany(statement, rows)
        else:
            raw.executemany(statement, rows)

    def allocate_ids(self, table: Table, count: int) -> list[int]:
        """``count`` fresh primary keys for ``table``.

        PostgreSQL takes them from the column's sequence; SQLite continues after the largest
        id, which is safe because the caller's write transaction excludes every other writer.
        """
        if count == 0:
            return []
        if self.postgres:
            sequence = self.connection.execute(
                text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
            ).scalar_one()
            rows = self.connection.execute(
                text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": sequence, "n": count}
            )
            return [row[0] for row in rows]
        start = self.connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        return list(range(start + 1, start + 1 + count))


CHUNK = 2000  # rows per bulk statement: big enough to amortise, small enough for flat memory
# the history row an import writes for each change (registry.apply, registry.withdrawal)
EVENT_COLUMNS = ("certificate_id", "at", "action", "changes", "import_run_id", "actor", "note")


def chunked(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def import_event(cid: int, action: str, diff: Any, run: Any, now: Any, note: str | None = None) -> tuple[Any, ...]:
    """An ``EVENT_COLUMNS`` row for a change made by the import ``run``."""
    return (cid, now, action, diff, run.id, f"import:{run.source}", note)

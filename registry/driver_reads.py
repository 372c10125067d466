"""The scan page's lookups, run straight on the DB-API cursor.

An indexed lookup by certificate number costs SQLite about 20 µs; ``Connection.execute``
around it costs about 100 µs more (parameter handling, result metadata, row objects). Every
QR scan runs one or two such lookups, and the scan page must keep up with a bare handler, so
these statements are compiled once per dialect and their rows read from the cursor. Values
still go through SQLAlchemy's own type processors (SQLite's dates come back as ``date``), so
a row reads exactly as ``execute()`` would give it, with the same attribute names.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

MAX_SHAPES = 512  # SQL kept per statement, one per set of list lengths


class _Compiled:
    """One statement for one dialect: its SQL, how to order its parameters, how to read rows."""

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.compiled = compiled
        self.sql = str(compiled)
        self.expanding = bool(compiled.post_compile_params)  # an IN list
        # an IN list's SQL depends only on its length: spelled out once per length, when the
        # lists are the only values rendered into the SQL (literal_execute values are not)
        lists = compiled.post_compile_params
        self.lists = (list(dict.fromkeys(compiled.bind_names[bind] for bind in lists))  # a list used twice: once
                      if all(bind.expanding and not bind.literal_execute for bind in lists) else None)
        self.by_lengths: dict[tuple[int, ...], tuple[str, list[str] | None]] = {}
        self.order = compiled.positiontup if compiled.positional else None
        self.binds = {name: bind.type._cached_bind_processor(dialect) for name, bind in compiled.binds.items()}
        columns = list(statement.selected_columns)
        self.row = namedtuple("Row", [c.key for c in columns])._make
        self.readers = [(i, p) for i, c in enumerate(columns)
                        if (p := c.type._cached_result_processor(dialect, None)) is not None]

    def prepared(self, params: dict[str, Any]) -> tuple[str, Any]:
        """The SQL and its arguments for ``params``."""
        if self.expanding and self.lists is None:
            state = self.compiled.construct_expanded_state(params)
            values = dict(state.parameters)
            for name, process in state.processors.items():
                if process is not None and values.get(name) is not None:
                    values[name] = process(values[name])
            order = state.positiontup if self.order is not None else None
            return state.statement, tuple(values[name] for name in order) if order is not None else values
        sql, order = self._spelled_out(params) if self.expanding else (self.sql, self.order)
        values = self.compiled.construct_params(params)
        for name in self.lists or ():  # named as SQLAlchemy names them: values_1, values_2, ...
            process = self.binds.get(name)
            for i, value in enumerate(values.pop(name), 1):
                values[f"{name}_{i}"] = process(value) if process is not None and value is not None else value
        for name, process in self.binds.items():
            if process is not None and values.get(name) is not None:
                values[name] = process(values[name])
        return sql, tuple(values[name] for name in order) if order is not None else values

    def _spelled_out(self, params: dict[str, Any]) -> tuple[str, list[str] | None]:
        """The SQL of a statement with IN lists, and its parameters' order, for the lists'
        lengths in ``params``: SQLAlchemy spells it out (about 100 µs for a long list) once
        per set of lengths. A search's pins run a few such lookups, while Meilisearch
        searches on the same cores."""
        lengths = tuple(len(params[name]) for name in self.lists)
        shape = self.by_lengths.get(lengths)
        if shape is None:
            state = self.compiled.construct_expanded_state(params)
            shape = (state.statement, state.positiontup if self.order is not None else None)
            if len(self.by_lengths) < MAX_SHAPES:
                self.by_lengths[lengths] = shape
        return shape

    def rows(self, fetched: list[tuple]) -> list[Any]:
        if not self.readers:
            return [self.row(values) for values in fetched]
        out = []
        for values in fetched:
            values = list(values)
            for i, process in self.readers:
                values[i] = process(values[i])
            out.append(self.row(values))
        return out


class DriverQuery:
    """A SELECT built once with SQLAlchemy and run on the raw cursor of a ``Connection``;
    an expanding ``bindparam`` (``IN`` a list) is spelled out for each list's length.

    It runs inside whatever the connection is doing (a session's transaction, or the scan
    reader's autocommit). A lost connection is reported as SQLAlchemy reports it (a
    ``DBAPIError`` with ``connection_invalidated``), so ``LoopReader.read`` retries it."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def all(self, connection: Connection, **params: Any) -> list[Any]:
        dialect = connection.dialect
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = _Compiled(self.statement, dialect)
        sql, arguments = compiled.prepared(params)
        raw = connection.connection.driver_connection
        cursor = raw.cursor()
        try:
            cursor.execute(sql, arguments)
            fetched = cursor.fetchall()
        except dialect.loaded_dbapi.Error as exc:
            lost = dialect.is_disconnect(exc, raw, cursor)
            if lost:
                connection.invalidate(exc)
            raise DBAPIError.instance(sql, arguments, exc, dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost, dialect=dialect) from exc
        finally:
            cursor.close()
        return compiled.rows(fetched)

    def first(self, connection: Connection, **params: Any) -> Any | None:
        rows = self.all(connection, **params)
        return rows[0] if rows else None

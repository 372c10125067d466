"""Whether this process should get traffic: the database answers, with the schema this code
expects, and how far the search index lags behind it (for the record: search may lag or be
down and the registry still answers, from SQL)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session

from registry.db import is_postgres
from registry.migrate import current_revision, head_revision
from registry.outbox import lag

CHECK_MS = 1000  # the database must answer the whole check within this


def check_database(engine: Engine) -> dict[str, Any]:
    """``ok`` and, as far as it got, the time taken, the schema revision and the index lag
    (``public_site.schemas.DatabaseReadiness`` says what each is)."""
    started = time.perf_counter()
    try:
        with Session(engine) as session:
            if is_postgres(engine):  # a stalled database is an answer too: not ready
                session.execute(text(f"SET LOCAL statement_timeout = {CHECK_MS}"))
            session.execute(text("SELECT 1"))
            revision = current_revision(session.connection())
            pending, waited = lag(session)
            session.rollback()
    except Exception as exc:  # noqa: BLE001  the answer is "not ready", with the reason
        return {"ok": False, "error": f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}"}
    head = head_revision()
    ms = round((time.perf_counter() - started) * 1000, 1)
    answer = {"ok": revision == head, "ms": ms, "schema_revision": revision, "schema_head": head,
              "index_pending": pending, "index_oldest_seconds": round(waited, 1)}
    if revision != head:
        answer["error"] = f"the schema is at {revision}, this code needs {head}: run hopquy db upgrade"
    return answer

"""The search outbox: one row per certificate whose search document is stale.

Rows are written in the same transaction as the registry change, so a crash between the
commit and the indexing loses nothing; the search worker drains them after the commit.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, func, select
from sqlmodel import Session

from registry.bulk import BulkWriter
from registry.clock import utcnow
from registry.models import SearchOutbox

COLUMNS = ("certificate_id", "version", "enqueued_at", "attempts")
BUMP = ("ON CONFLICT (certificate_id) DO UPDATE SET version = searchoutbox.version + 1, "
        "enqueued_at = excluded.enqueued_at")


def enqueue(session: Session, certificate_ids: Sequence[int]) -> None:
    """Mark certificates as needing re-indexing (bumps the version of a pending row)."""
    _insert(BulkWriter(session.connection()), certificate_ids, utcnow(), BUMP)


def enqueue_new(writer: BulkWriter, certificate_ids: Sequence[int], now) -> None:
    """Queue certificates created in this transaction: no pending row can exist for them yet,
    so PostgreSQL can COPY them instead of upserting."""
    _insert(writer, certificate_ids, now)


def _insert(writer: BulkWriter, certificate_ids: Sequence[int], now, on_conflict: str = "") -> None:
    writer.insert(SearchOutbox.__table__, COLUMNS, [(cid, 1, now, 0) for cid in certificate_ids], on_conflict)


class Claimed:
    """Claimed outbox rows as two compact arrays (a round may hold a million)."""

    def __init__(self) -> None:
        self.ids, self.versions = array("q"), array("q")

    def __len__(self) -> int:
        return len(self.ids)

    def pairs(self, start: int = 0, stop: int | None = None) -> list[tuple[int, int]]:
        return list(zip(self.ids[start:stop], self.versions[start:stop], strict=True))


def claim(session: Session, limit: int, after: int = 0) -> Claimed:
    """Up to ``limit`` pending rows past certificate id ``after``, in id order.

    On PostgreSQL the rows stay locked until the caller's transaction ends, and ``SKIP
    LOCKED`` lets several workers drain at once without overlap. On SQLite nothing is locked:
    a row indexed twice by two processes is harmless, and ``release`` only removes a row
    whose version is still the one that was indexed.
    """
    stmt = select(SearchOutbox.certificate_id, SearchOutbox.version).where(
        SearchOutbox.certificate_id > after
    ).order_by(SearchOutbox.certificate_id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    claimed = Claimed()
    for cid, version in session.execute(stmt):
        claimed.ids.append(cid)
        claimed.versions.append(version)
    return claimed


def release(session: Session, claimed: Claimed, chunk: int = 10_000) -> None:
    """Remove drained rows; a row whose version moved on meanwhile stays for the next round."""
    table = SearchOutbox.__table__
    stmt = delete(table).where(
        table.c.certificate_id == bindparam("cid"), table.c.version == bindparam("ver")
    )
    for start in range(0, len(claimed), chunk):
        rows = [{"cid": cid, "ver": ver} for cid, ver in claimed.pairs(start, start + chunk)]
        session.connection().execute(stmt, rows)


def pending(session: Session) -> int:
    return session.execute(select(func.count()).select_from(SearchOutbox)).scalar_one()


def lag(session: Session) -> tuple[int, float]:
    """(changes waiting for the index, seconds the oldest of them has waited; 0 when none)."""
    count, oldest = session.execute(select(func.count(), func.min(SearchOutbox.enqueued_at))).one()
    return count, max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0

"""Drain the search outbox into Meilisearch, after the registry has committed.

Each round is claimed, read back from the registry as it stands now, sent, and released
only once Meilisearch has indexed it; a crash or an unreachable Meilisearch leaves the rows
for the next run. Two rounds are in flight at once: the next round is read from the
registry while Meilisearch indexes the previous one, and pages are sent without waiting,
so Meilisearch can merge them into larger batches.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from registry import outbox
from registry.models import Certificate
from registry.snapshots import load_records
from search.build_lock import BuildLock
from search.client import UNAVAILABLE, SearchIndex, SearchUnavailable
from search.documents import to_document
from search.lapsed import queue_lapsed
from search.spool import SpoolReader

log = logging.getLogger(__name__)
LAPSED_EVERY = 30.0  # seconds between two looks for documents whose stored status is stale
# Big rounds: Meilisearch merges the pages queued while it works into one batch, and each
# batch ends with work that grows with the index, so few large batches index fastest. A
# round's claims are two arrays of 8-byte ints (16 MB for a million).
BATCH = 1_000_000
PAGE = 10_000


@dataclass
class Round:
    claimed: outbox.Claimed
    session: Session | None = None  # PostgreSQL: the transaction that holds the claimed rows
    tasks: list[Any] = field(default_factory=list)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()  # rolls back: the rows stay queued


def _start(engine: Engine, index: SearchIndex, batch: int, page: int, after: int,
           spool: SpoolReader | None = None) -> Round | None:
    """Claim a round and send its documents without waiting for Meilisearch."""
    session = Session(engine)
    session.begin()
    keep = False
    try:
        claimed = outbox.claim(session, batch, after)
        if not claimed:
            return None
        current = Round(claimed)
        for start in range(0, len(claimed), page):
            rows = claimed.pairs(start, start + page)
            lines, missing = spool.take(rows) if spool else ([], [cid for cid, _ in rows])
            records = load_records(session, missing)
            current.tasks.append(index.send([to_document(cid, r) for cid, r in records.items()], lines=lines))
        # PostgreSQL keeps the transaction that locks the rows; SQLite must not hold a long
        # read open, or the release could not upgrade it to a write after another commit
        keep = engine.dialect.name == "postgresql"
        current.session = session if keep else None
        return current
    except UNAVAILABLE as exc:
        raise SearchUnavailable(str(exc)) from exc
    finally:
        if not keep:
            session.close()


def _finish(engine: Engine, index: SearchIndex, current: Round) -> int:
    """Wait until Meilisearch has indexed the round, then release its outbox rows."""
    try:
        for task in current.tasks:
            index.wait(task)
        if current.session is not None:
            outbox.release(current.session, current.claimed)
            current.session.commit()
        else:
            with Session(engine) as session, session.begin():
                outbox.release(session, current.claimed)
    except UNAVAILABLE as exc:
        raise SearchUnavailable(str(exc)) from exc
    finally:
        current.close()
    return len(current.claimed)


def drain(engine: Engine, index: SearchIndex, batch: int = BATCH, page: int = PAGE,
          spool: Path | None = None) -> int:
    """Index everything pending now; raises ``SearchUnavailable`` if Meilisearch is down.

    ``spool`` holds ready documents of certificates an import has just created. Nothing is
    drained while an index is being built aside (see ``search.build_lock``)."""
    with BuildLock(engine, index.name).shared() as free:
        return _drain(engine, index, batch, page, spool) if free else 0


def _drain(engine: Engine, index: SearchIndex, batch: int, page: int, spool: Path | None) -> int:
    total, after = 0, 0
    in_flight: deque[Round] = deque()
    reader = SpoolReader(spool) if spool and spool.exists() else None
    try:
        while current := _start(engine, index, batch, page, after, reader):
            after = current.claimed.ids[-1]
            in_flight.append(current)
            if len(in_flight) > 1:
                total += _finish(engine, index, in_flight.popleft())
        while in_flight:
            total += _finish(engine, index, in_flight.popleft())
    finally:
        for current in in_flight:
            current.close()
        if reader:
            reader.close()
    return total


def pending(engine: Engine) -> int:
    with Session(engine) as session:
        return outbox.pending(session)


class Backoff:
    """Exponential backoff with a ceiling, reset by success."""

    def __init__(self, first: float = 0.5, ceiling: float = 30.0) -> None:
        self.first, self.ceiling, self.delay = first, ceiling, first

    def failed(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, self.ceiling)
        return delay

    def reset(self) -> None:
        self.delay = self.first


def ensure_filled(engine: Engine, index: SearchIndex) -> int:
    """Create the index if it is missing; returns the certificates queued to fill it.

    An index created for a registry that already holds certificates (a new Meilisearch, or
    one whose data was lost) gets every certificate queued, for the drain to send: the outbox
    only holds what changed, so the new index would otherwise stay empty, and every search
    would answer nothing instead of falling back to the registry."""
    queued = 0 if index.exists() else queue_everything(engine)
    index.ensure()  # after the queueing: if either fails, the next call does both again
    if queued:
        log.warning("search index %s was missing: created it, and queued all %d certificates", index.name, queued)
    return queued


def queue_everything(engine: Engine) -> int:
    """Queue every certificate the registry holds for indexing; returns how many."""
    queued, after = 0, 0
    with Session(engine) as session:
        while ids := session.execute(select(Certificate.id).where(Certificate.id > after)
                                     .order_by(Certificate.id).limit(PAGE * 10)).scalars().all():
            outbox.enqueue(session, ids)
            queued, after = queued + len(ids), ids[-1]
        session.commit()
    return queued


def run_forever(engine: Engine, index: SearchIndex, idle: float = 1.0, stop=None,
                lapsed_every: float = LAPSED_EVERY) -> None:
    """The worker loop used by ``hopquy search sync --follow`` and by the server. Every
    ``lapsed_every`` seconds it looks for documents whose stored status the day has overtaken,
    and queues them (``search.lapsed``)."""
    backoff = Backoff()
    ensured = False
    look_again = 0.0  # when to look for stale statuses next (time.monotonic)
    while stop is None or not stop.is_set():
        try:
            if not ensured:
                ensure_filled(engine, index)
                ensured = True
            count = drain(engine, index)
            if time.monotonic() >= look_again:
                # some queued: look again soon, to confirm they are indexed (or find the next ones)
                queued = queue_lapsed(engine, index)
                look_again = time.monotonic() + (min(5 * idle, lapsed_every) if queued else lapsed_every)
            backoff.reset()
            wait = 0 if count else idle
        except (SearchUnavailable, *UNAVAILABLE) as exc:
            wait = backoff.failed()
            log.warning("search index unreachable (%s); retrying in %.1fs", exc, wait)
        if stop is not None:
            stop.wait(wait)
        else:
            time.sleep(wait)

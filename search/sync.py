"""Drain the search outbox into Meilisearch, after the registry has committed.

Each round is claimed, read back from the registry as it stands now, indexed, and only then
released; a crash or an unreachable Meilisearch leaves the rows for the next round. Within a
round, pages are sent without waiting, so the registry is read while Meilisearch indexes the
previous page, and Meilisearch can merge the pending pages into one larger batch.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Engine
from sqlmodel import Session

from registry import outbox
from registry.snapshots import load_records
from search.client import UNAVAILABLE, SearchIndex, SearchUnavailable
from search.documents import to_document

log = logging.getLogger(__name__)
BATCH = 100_000
PAGE = 10_000


def drain_once(engine: Engine, index: SearchIndex, batch: int = BATCH, page: int = PAGE) -> int:
    """Index one round of pending changes; returns how many certificates were indexed."""
    with Session(engine) as session, session.begin():
        claimed = outbox.claim(session, batch)
        if not claimed:
            return 0
        ids = [cid for cid, _ in claimed]
        try:
            tasks = []
            for start in range(0, len(ids), page):
                records = load_records(session, ids[start : start + page])
                tasks.append(index.send([to_document(cid, r) for cid, r in records.items()]))
            for task in tasks:
                index.wait(task)
        except UNAVAILABLE as exc:
            raise SearchUnavailable(str(exc)) from exc
        outbox.release(session, claimed)
    return len(claimed)


def drain(engine: Engine, index: SearchIndex, batch: int = BATCH, page: int = PAGE) -> int:
    """Index everything pending now; raises ``SearchUnavailable`` if Meilisearch is down."""
    total = 0
    while count := drain_once(engine, index, batch, page):
        total += count
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


def run_forever(engine: Engine, index: SearchIndex, idle: float = 1.0, stop=None) -> None:
    """The worker loop used by ``hopquy search sync --follow`` and by the server."""
    backoff = Backoff()
    ensured = False
    while stop is None or not stop.is_set():
        try:
            if not ensured:
                index.ensure()
                ensured = True
            count = drain(engine, index)
            backoff.reset()
            wait = 0 if count else idle
        except (SearchUnavailable, *UNAVAILABLE) as exc:
            wait = backoff.failed()
            log.warning("search index unreachable (%s); retrying in %.1fs", exc, wait)
        if stop is not None:
            stop.wait(wait)
        else:
            time.sleep(wait)

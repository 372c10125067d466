"""The status each search document stores, and the documents the calendar has overtaken.

Each document stores ``status``, the certificate's effective status on the day the document
was built (``search.documents``). It stays right until the certificate's expiry passes: a
document built while the certificate was valid still says valid the day after it expired.
``stale_filter`` finds such documents (and any built before documents stored a status, or
for a later day than the one asked about); the drain queues them for indexing again, with
the day's status (``queue_lapsed``, from ``search.drain.run_forever``), a few a day.

A search that counts the day's statuses (``facets=status``) reads the stored status alone
when no document is stale; otherwise it counts from the administrative statuses, and
subtracts the certificates past their expiry with a second search of the same words
(``search.status_counts``). Whether none is stale is what the drain found when it last
looked, for that day, within ``CHECKED.seconds`` (``is_current``): each server's own drain
looks every ``search.drain.LAPSED_EVERY`` seconds. A document that arrives stale meanwhile
(one an import prepared before midnight and indexed after it) is miscounted for that long at
most; from midnight until the drain has looked, the day's statuses are counted the long way.
A hit's own status is always worked out for the day.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from registry import outbox
from registry.clock import today
from search.client import SearchIndex, SearchRefused
from search.documents import day_number
from search.index_settings import MAX_TOTAL_HITS
from search.recent import Recent

log = logging.getLogger(__name__)
CHECKED: Recent[bool] = Recent(seconds=75.0, size=64)  # (index, day) → no document is stale


def stale_filter(on: date) -> str:
    """Documents whose stored status is not the effective status on ``on``: valid or suspended
    past their expiry, expired before it (a document built for a later day), or none stored."""
    day = day_number(on)
    return (f"status NOT EXISTS OR (status IN [valid, suspended] AND expires_day < {day}) "
            f"OR (status = expired AND expires_day >= {day})")


def stale_request(on: date, limit: int = 0) -> dict[str, Any]:
    """A search (with ``q`` empty) for the stale documents: ``limit`` of their ids, and how many."""
    return {"q": "", "filter": [stale_filter(on)], "page": 1, "hitsPerPage": limit,
            "attributesToRetrieve": ["id"]}


def is_current(index_name: str, on: date) -> bool:
    """Whether a recent check found every document's stored status right for ``on``."""
    return bool(CHECKED.peek((index_name, on)))


def queue_lapsed(engine: Engine, index: SearchIndex, limit: int = MAX_TOTAL_HITS) -> int:
    """Queue up to ``limit`` stale documents' certificates for the drain; returns how many.

    The drain rebuilds each document with the day's status. After an upgrade from a version
    whose documents stored none, every certificate is queued, ``limit`` at a time: running
    ``hopquy reindex`` is quicker, this only makes sure nothing is left behind."""
    on = today()
    try:
        answer = index.search("", stale_request(on, limit))
    except SearchRefused as exc:  # the index's settings not updated yet: ``status`` not filterable
        log.warning("stored statuses not checked: %s", exc)
        return 0
    ids = [hit["id"] for hit in answer.get("hits", [])]
    if ids:
        with Session(engine) as session:
            outbox.enqueue(session, ids)
            session.commit()
        log.info("queued %d certificates whose stored status changed by %s", len(ids), on.isoformat())
    else:
        CHECKED.put((index.name, on), True)
    return len(ids)

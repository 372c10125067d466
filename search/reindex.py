"""Rebuild the index from the registry with zero downtime: build aside, then swap.

Searches keep hitting the old index until Meilisearch swaps the two atomically. Changes
committed while the new index was being built reached the old one through the outbox, so
they are queued again after the swap.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, select
from sqlmodel import Session

from registry.clock import utcnow
from registry.models import Certificate
from registry.outbox import enqueue
from registry.snapshots import load_records
from search.client import SearchIndex
from search.documents import to_document

PAGE = 10_000


def reindex(engine: Engine, index: SearchIndex) -> int:
    """Build a fresh copy of the index, swap it in, drop the old one; returns the documents."""
    started = utcnow()
    building = f"{index.name}_build_{int(time.time())}"
    index.ensure()  # a swap needs both indexes to exist
    index.ensure(building)
    tasks, count, after = [], 0, 0
    with Session(engine) as session:
        while ids := session.execute(
            select(Certificate.id).where(Certificate.id > after).order_by(Certificate.id).limit(PAGE)
        ).scalars().all():
            records = load_records(session, ids)
            tasks.append(index.send([to_document(cid, records[cid]) for cid in ids], building))
            count, after = count + len(ids), ids[-1]
    for task in tasks:
        index.wait(task)
    index.wait(index.client.swap_indexes([{"indexes": [index.name, building]}]))
    index.wait(index.client.delete_index(building))  # now the old content
    with Session(engine) as session, session.begin():
        changed = session.execute(select(Certificate.id).where(Certificate.updated_at >= started)).scalars().all()
        enqueue(session, changed)
    return count

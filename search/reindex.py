"""Rebuild the index from the registry with zero downtime: build aside, then swap.

Searches keep hitting the old index until Meilisearch swaps the two atomically. The build
holds the build lock (``search.build_lock``) throughout, so no drainer releases a change
into the old index meanwhile: changes committed during the build stay queued in the outbox
and are drained into the new index once it is live.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from registry.models import Certificate
from registry.snapshots import load_records
from search.build_lock import BuildLock
from search.client import SearchIndex
from search.documents import to_document

PAGE = 10_000
ASIDE_MARKERS = ("_build_", "_import_")  # the names of indexes built aside


def reindex(engine: Engine, index: SearchIndex) -> int:
    """Build a fresh copy of the index, swap it in, drop the old one; returns the documents."""
    with BuildLock(engine, index.name).exclusive():
        building = f"{index.name}_build_{time.time_ns()}"
        prepare_aside(index, building)
        tasks, count = send_registry(engine, index, building)
        for task in tasks:
            index.wait(task)
        swap_in(index, building)
    return count


def prepare_aside(index: SearchIndex, building: str) -> None:
    """Create the index to build (and the live one: a swap needs both), dropping any copy a
    killed build left behind: under the build lock, no other build is running."""
    for found in index.client.get_indexes({"limit": 1000})["results"]:
        rest = found.uid.removeprefix(index.name)
        if found.uid != rest and any(rest.startswith(marker) for marker in ASIDE_MARKERS):
            index.wait(index.client.delete_index(found.uid))
    index.ensure()
    index.ensure(building)


def send_registry(engine: Engine, index: SearchIndex, building: str) -> tuple[list[Any], int]:
    """Queue the documents of every certificate the registry holds into ``building``."""
    tasks, count, after = [], 0, 0
    with Session(engine) as session:
        while ids := session.execute(
            select(Certificate.id).where(Certificate.id > after).order_by(Certificate.id).limit(PAGE)
        ).scalars().all():
            records = load_records(session, ids)
            tasks.append(index.send([to_document(cid, records[cid]) for cid in ids], building))
            count, after = count + len(ids), ids[-1]
    return tasks, count


def swap_in(index: SearchIndex, building: str) -> None:
    """Make ``building`` the live index, atomically, and drop what was live before."""
    index.wait(index.client.swap_indexes([{"indexes": [index.name, building]}]))
    index.wait(index.client.delete_index(building))  # now the old content

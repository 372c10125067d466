"""Does the index say what the registry says? Compare every document with the registry's record.

Used by ``hopquy reindex --check`` and by the tests that kill the drainer: a count and a
per-document hash of the fields the index carries; any difference is listed by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson
from sqlalchemy import Engine, select
from sqlmodel import Session

from registry.models import Certificate
from registry.snapshots import load_records
from search.client import SearchIndex
from search.documents import to_document

PAGE = 5000


@dataclass
class Drift:
    registry: int = 0
    index: int = 0
    missing: list[int] = field(default_factory=list)  # in the registry, not in the index
    extra: list[int] = field(default_factory=list)  # in the index, not in the registry
    stale: list[int] = field(default_factory=list)  # both, with different content

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def _digest(document: dict) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def index_digests(index: SearchIndex, name: str | None = None) -> dict[int, bytes]:
    target = index.client.index(name or index.name)
    out, offset = {}, 0
    while True:
        page = target.get_documents({"offset": offset, "limit": PAGE})
        for document in page.results:
            values = dict(document)
            values.pop("_rankingScore", None)
            out[int(values["id"])] = _digest(values)
        offset += PAGE
        if offset >= page.total:
            return out


def compare(engine: Engine, index: SearchIndex, name: str | None = None) -> Drift:
    indexed = index_digests(index, name)
    drift = Drift(index=len(indexed))
    with Session(engine) as session:
        ids = session.execute(select(Certificate.id).order_by(Certificate.id)).scalars().all()
        drift.registry = len(ids)
        for start in range(0, len(ids), PAGE):
            for cid, record in load_records(session, ids[start : start + PAGE]).items():
                digest = indexed.pop(cid, None)
                if digest is None:
                    drift.missing.append(cid)
                elif digest != _digest(to_document(cid, record)):
                    drift.stale.append(cid)
    drift.extra = sorted(indexed)
    return drift

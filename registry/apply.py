"""Apply a stream of validated records to the registry, in the caller's transaction.

Work happens in chunks with bulk statements so that a million rows stay fast and memory
stays flat; every change writes its history event and its search-outbox row in the same
transaction, so the registry and the index can never disagree after a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, select, update
from sqlmodel import Session

from registry.bulk import CHUNK, EVENT_COLUMNS, BulkWriter, chunked, import_event
from registry.catalogue import COLUMN_FIELDS, LIST_COLUMNS, joined
from registry.codes import model_key
from registry.decisions import resolve_feed_status, standing_decisions
from registry.devices import device_key, fill_missing_keys
from registry.holders import HolderCache, RegulationCache
from registry.locking import lock_certificates
from registry.models import (
    Certificate,
    CertificateEvent,
    CertificateModel,
    CertificateRegulation,
    ImportRun,
)
from registry.outbox import enqueue, enqueue_new
from registry.records import FINGERPRINT, CertificateData, created_changes, diff_snapshots
from registry.reviews import Held, open_reviews, supersede_pending
from registry.snapshots import load_snapshots
from registry.withdrawal import withdraw_missing

# Bulk writes go through Core: the ORM's bulk paths cost more than the database here.
CERTIFICATES, EVENTS = Certificate.__table__, CertificateEvent.__table__
MODELS, LINKS = CertificateModel.__table__, CertificateRegulation.__table__


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    held: int = 0  # status changes waiting for an admin's review (registry.reviews)
    changes: list[dict[str, Any]] = field(default_factory=list)
    # records naming another source's certificate, with that source: refused, never applied
    foreign: list[tuple[CertificateData, str]] = field(default_factory=list)

    def note(self, limit: int, certificate_no: str, action: str, diff: dict) -> None:
        if len(self.changes) < limit:
            self.changes.append({"certificate_no": certificate_no, "action": action, "diff": diff})


def apply_records(
    session: Session,
    records: Iterable[CertificateData],
    run: ImportRun,
    *,
    full: bool = False,
    allow_mass_withdraw: bool = False,
    keep_changes: int = 0,
    present: set[str] | None = None,
    on_created: Callable[[list[int], list[CertificateData]], None] | None = None,
) -> SyncCounts:
    """Upsert ``records`` under ``run``; with ``full``, withdraw the source's missing records.

    ``present`` names certificates the caller saw but did not pass (rows it could not
    validate), so that a full snapshot does not withdraw them for a typo. ``on_created``
    hears the ids given to each chunk of new certificates.
    """
    counts = SyncCounts()
    holders, regulations = HolderCache(session), RegulationCache(session)
    seen: set[str] = present if present is not None else set()
    for chunk in chunked(records, CHUNK):
        if full:  # only a full snapshot needs every number it named (a million strings)
            seen.update(r.certificate_no for r in chunk)
        _apply_chunk(session, chunk, run, holders, regulations, counts, keep_changes, on_created)
    if full:
        withdraw_missing(session, run, seen, allow_mass_withdraw, counts, keep_changes)
    fill_missing_keys(session.connection())  # any an older version wrote during a deploy
    return counts


def _apply_chunk(session, chunk, run, holders, regulations, counts, keep_changes, on_created) -> None:
    existing = {
        row.certificate_no: row
        for row in session.execute(
            select(Certificate.id, Certificate.certificate_no, Certificate.content_hash, Certificate.source).where(
                Certificate.certificate_no.in_([r.certificate_no for r in chunk])
            )
        )
    }
    new, changed = [], []
    for record in chunk:
        row = existing.get(record.certificate_no)
        if row is None:
            new.append(record)
        elif row.source != record.source:  # a certificate belongs to the source that created it
            counts.foreign.append((record, row.source))
        elif row.content_hash == record.content_hash():
            counts.unchanged += 1
        else:
            changed.append((row.id, record))
    if new:
        ids = _create(session, new, run, holders, regulations, counts, keep_changes)
        if on_created:
            on_created(ids, new)
    if changed:
        _update(session, changed, run, holders, regulations, counts, keep_changes)


# the record's own columns, from the catalogue, then the registry's bookkeeping
_RECORD_VALUES = attrgetter(*COLUMN_FIELDS)
_JOINED = tuple(i for i, name in enumerate(COLUMN_FIELDS) if name in LIST_COLUMNS)
CERTIFICATE_COLUMNS = (*COLUMN_FIELDS, "holder_id", "content_hash", "decision_id", "row_fingerprint", "updated_at",
                       "device_key")


def _certificate_values(record: CertificateData, holder_id: int, now, feed_hash: str | None = None,
                        decision_id: int | None = None) -> tuple[Any, ...]:
    """Column values, in ``CERTIFICATE_COLUMNS``' order; ``feed_hash`` is the hash of the
    record as the feed gave it, when a standing decision changed the status that is stored."""
    values = _RECORD_VALUES(record)
    if _JOINED:
        values = list(values)
        for i in _JOINED:
            values[i] = joined(values[i])
    return (*values, holder_id, feed_hash or record.content_hash(), decision_id, record.extra.get(FINGERPRINT), now,
            device_key(record))


def _write_children(writer: BulkWriter, pairs: list[tuple[int, CertificateData]], regulations) -> None:
    writer.insert(
        MODELS, ("certificate_id", "position", "model_code", "model_key"),
        [(cid, i, code, model_key(code)) for cid, rec in pairs for i, code in enumerate(rec.models)],
    )
    writer.insert(
        LINKS, ("certificate_id", "regulation_id"),
        [(cid, regulations.id_for(code)) for cid, rec in pairs for code in dict.fromkeys(rec.regulations)],
    )


def _create(session, records, run, holders, regulations, counts, keep_changes) -> list[int]:
    now = run.started_at
    writer = BulkWriter(session.connection())
    holder_ids = holders.ids_for(records)
    ids = writer.allocate_ids(CERTIFICATES, len(records))
    writer.insert(
        CERTIFICATES, ("id", "created_at", *CERTIFICATE_COLUMNS),
        [(cid, now, *_certificate_values(r, hid, now)) for cid, r, hid in zip(ids, records, holder_ids, strict=True)],
    )
    pairs = list(zip(ids, records, strict=True))
    _write_children(writer, pairs, regulations)
    events = []
    for cid, record in pairs:
        diff = created_changes(record)
        events.append(import_event(cid, "created", diff, run, now))
        if len(counts.changes) < keep_changes:  # --dry-run shows them
            shown = orjson.loads(diff) if isinstance(diff, str) else diff
            counts.note(keep_changes, record.certificate_no, "created", shown)
    writer.insert(EVENTS, EVENT_COLUMNS, events)
    enqueue_new(writer, ids, now)
    counts.created += len(records)
    return ids


def _update(session, changed, run, holders, regulations, counts, keep_changes) -> None:
    now = run.started_at
    writer = BulkWriter(session.connection())
    # lock, then read what stands now: a decision or transfer committed since the first
    # read is seen here, and none can commit over this run's writes until it ends
    sources = lock_certificates(session, [cid for cid, _ in changed])
    counts.foreign.extend((record, sources[cid]) for cid, record in changed if sources[cid] != record.source)
    changed = [(cid, record) for cid, record in changed if sources[cid] == record.source]
    before = load_snapshots(session, [cid for cid, _ in changed])
    decisions = standing_decisions(session, [cid for cid, _ in changed])
    updates, same, held = [], [], []  # (cid, record as fed, record as stored, diff, note, decision)
    for cid, record in changed:
        standing = decisions.get(cid)
        outcome = resolve_feed_status(record.admin_status, standing)
        kept = record if outcome.status == record.admin_status else replace(record, admin_status=outcome.status)
        diff = diff_snapshots(before[cid], kept.snapshot())
        if outcome.held:
            held.append(Held(cid, standing, record.admin_status))
        # a decision superseded or a change held is worth an event even with no other diff
        worth_event = diff or outcome.held or (standing is not None and outcome.decision_id is None)
        (updates if worth_event else same).append((cid, record, kept, diff, outcome.note, outcome.decision_id))
    if same:  # a new hash with nothing to show for it (a field added since): no event, no update
        session.connection().execute(
            update(CERTIFICATES).where(CERTIFICATES.c.id == bindparam("cid"))
            .values(content_hash=bindparam("hash"), row_fingerprint=bindparam("fingerprint")),
            [{"cid": cid, "hash": record.content_hash(), "fingerprint": record.extra.get(FINGERPRINT)}
             for cid, record, *_ in same])
        counts.unchanged += len(same)
    if not updates:
        return
    ids = [cid for cid, *_ in updates]
    holder_ids = holders.ids_for([kept for _, _, kept, *_ in updates])
    writer.update(CERTIFICATES, CERTIFICATE_COLUMNS, [
        (cid, *_certificate_values(kept, hid, now, record.content_hash(), decision_id))
        for (cid, record, kept, _, _, decision_id), hid in zip(updates, holder_ids, strict=True)])
    session.execute(delete(CertificateModel).where(CertificateModel.certificate_id.in_(ids)))
    session.execute(
        delete(CertificateRegulation).where(CertificateRegulation.certificate_id.in_(ids))
    )
    _write_children(writer, [(cid, kept) for cid, _, kept, *_ in updates], regulations)
    events = []
    for cid, _, kept, diff, note, _ in updates:
        events.append(import_event(cid, "updated", diff, run, now, note))
        counts.note(keep_changes, kept.certificate_no, "updated", diff)
    writer.insert(EVENTS, EVENT_COLUMNS, events)
    enqueue(session, ids)
    counts.updated += len(updates)
    supersede_pending(session, [cid for cid in ids if cid in decisions], now)  # the feed moved on
    open_reviews(session, run, held)
    counts.held += len(held)


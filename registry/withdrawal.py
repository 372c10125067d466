"""Withdraw what a full snapshot no longer lists, unless that looks like a truncated export
or the authority's decision holds the certificate (then the withdrawal waits for review)."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from registry.bulk import CHUNK, EVENT_COLUMNS, BulkWriter, chunked, import_event
from registry.decisions import HOLDING, standing_decisions
from registry.errors import Refused
from registry.locking import lock_certificates
from registry.models import Certificate, CertificateEvent
from registry.outbox import enqueue
from registry.records import diff_snapshots, snapshot_hash
from registry.reviews import Held, open_reviews, pending_proposals
from registry.snapshots import load_snapshots
from registry.vocabulary import AdminStatus

CERTIFICATES, EVENTS = Certificate.__table__, CertificateEvent.__table__
MASS_WITHDRAW_SHARE = 0.20


class MassWithdrawRefused(Refused):
    """A full snapshot would withdraw too much of its source: probably a truncated export."""

    status = 422

    def __init__(self, would_withdraw: int, active: int) -> None:
        self.would_withdraw, self.active = would_withdraw, active
        super().__init__(
            f"this full snapshot would withdraw {would_withdraw} of the {active} active "
            f"records of the source (over {MASS_WITHDRAW_SHARE:.0%}); refused"
        )


def withdraw_missing(session, run, seen, allow_mass_withdraw, counts, keep_changes) -> None:
    # the source as it stood before this run: records this run created do not count
    active = session.execute(
        select(Certificate.id, Certificate.certificate_no).where(
            Certificate.source == run.source,
            Certificate.admin_status != "withdrawn",
            Certificate.created_at < run.started_at,
        )
    ).all()
    missing = [row for row in active if row.certificate_no not in seen]
    if not missing:
        return
    if len(missing) > MASS_WITHDRAW_SHARE * len(active) and not allow_mass_withdraw:
        raise MassWithdrawRefused(len(missing), len(active))
    now = run.started_at
    for chunk in chunked(missing, CHUNK):
        locked = lock_certificates(session, [row.id for row in chunk])
        chunk = [row for row in chunk if locked.get(row.id) == run.source]  # transferred away meanwhile
        chunk = _hold_withdrawals(session, run, chunk, counts)
        if not chunk:
            continue
        ids = [row.id for row in chunk]
        before = load_snapshots(session, ids)
        rows, events = [], []
        for row in chunk:
            after = {**before[row.id], "admin_status": "withdrawn"}
            rows.append({"cid": row.id, "updated_at": now, "content_hash": snapshot_hash(after)})
            diff = diff_snapshots(before[row.id], after)
            note = "missing from source snapshot"
            events.append(import_event(row.id, "withdrawn", diff, run, now, note))
            counts.note(keep_changes, row.certificate_no, "withdrawn", diff)
        session.connection().execute(
            update(CERTIFICATES)
            .where(CERTIFICATES.c.id == bindparam("cid"))
            .values(admin_status="withdrawn", decision_id=None, row_fingerprint=None),
            rows,
        )
        BulkWriter(session.connection()).insert(EVENTS, EVENT_COLUMNS, events)
        enqueue(session, ids)
        counts.withdrawn += len(chunk)


def _hold_withdrawals(session, run, chunk, counts) -> list:
    """The rows of ``chunk`` to withdraw now: those under a standing suspension or revocation
    wait for review instead (once: a snapshot that still lacks them asks nothing new)."""
    decisions = standing_decisions(session, [row.id for row in chunk])
    holding = {cid: d for cid, d in decisions.items() if d.status_after in HOLDING}
    if not holding:
        return chunk
    waiting = pending_proposals(session, list(holding))
    held = [Held(cid, d, AdminStatus.WITHDRAWN) for cid, d in holding.items()
            if d.feed_status != AdminStatus.WITHDRAWN and waiting.get(cid) != AdminStatus.WITHDRAWN]
    if held:
        note = "missing from source snapshot; the withdrawal is held for review while decision {} stands"
        BulkWriter(session.connection()).insert(EVENTS, EVENT_COLUMNS, [
            import_event(h.certificate_id, "updated", {}, run, run.started_at, note.format(h.decision.decision_ref))
            for h in held])
        open_reviews(session, run, held)
        counts.held += len(held)
    return [row for row in chunk if row.id not in holding]

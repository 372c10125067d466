"""The review queue: a feed's status change that waits while the authority's decision stands.

While a suspension or revocation stands over a certificate, a feed (or a full snapshot that
drops the certificate) cannot lift or replace it on its own: the import applies the feed's
other fields, keeps the decided status and opens a review here. An admin accepts it (the
feed's status applies, the decision ends) or rejects it (the decision stands over the
feed's new status, and the same feed status is not asked about again). Both answers go to
the certificate's public history and the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from registry.access import Staff, audit
from registry.clock import utcnow
from registry.errors import Conflict, NotFound, Refused
from registry.locking import lock_certificate
from registry.models import Certificate, CertificateEvent, ImportRun
from registry.outbox import enqueue
from registry.oversight_models import StatusDecision, StatusReview
from registry.records import snapshot_hash
from registry.snapshots import load_snapshots
from registry.vocabulary import AdminStatus, ReviewAnswer, ReviewState

REVIEWS = StatusReview.__table__
MAX_NOTE = 4000


@dataclass(frozen=True)
class Held:
    """One status change a feed asked for and the import held back."""

    certificate_id: int
    decision: StatusDecision
    proposed_status: str


class ReviewRefused(Refused):
    """An answer that is not accept or reject, or a note too long."""


class ReviewClosed(Conflict):
    """The review was answered already, or a newer decision or feed record made it moot."""


def supersede_pending(session: Session, certificate_ids: Sequence[int], now: datetime) -> None:
    """A newer feed record or decision makes the certificates' pending reviews moot."""
    if certificate_ids:
        session.execute(
            update(StatusReview)
            .where(StatusReview.certificate_id.in_(certificate_ids), StatusReview.state == ReviewState.PENDING)
            .values(state=ReviewState.SUPERSEDED, decided_at=now)
        )


def pending_proposals(session: Session, certificate_ids: Sequence[int]) -> dict[int, str]:
    """The status each certificate's pending review proposes, by certificate id."""
    if not certificate_ids:
        return {}
    rows = session.execute(
        select(StatusReview.certificate_id, StatusReview.proposed_status)
        .where(StatusReview.certificate_id.in_(certificate_ids), StatusReview.state == ReviewState.PENDING)
    )
    return {cid: value for cid, value in rows}


def open_reviews(session: Session, run: ImportRun, held: Sequence[Held]) -> None:
    """One pending review per held change, replacing any older pending one of the certificate."""
    if not held:
        return
    supersede_pending(session, [h.certificate_id for h in held], run.started_at)
    session.execute(REVIEWS.insert(), [
        {"certificate_id": h.certificate_id, "decision_id": h.decision.id, "source": run.source,
         "import_run_id": run.id, "proposed_status": h.proposed_status, "held_status": h.decision.status_after,
         "state": ReviewState.PENDING, "created_at": run.started_at}
        for h in held
    ])


def answer_review(session: Session, review_id: int, answer: str, note: str, staff: Staff) -> StatusReview:
    """Accept or reject a pending review, in the caller's transaction."""
    if answer not in tuple(ReviewAnswer):
        raise ReviewRefused("answer must be accept or reject")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ReviewRefused(f"the note is longer than {MAX_NOTE} characters")
    review = session.get(StatusReview, review_id)
    if review is None:
        raise NotFound(f"no review numbered {review_id}")
    certificate = lock_certificate(session, review.certificate_id)
    session.refresh(review)  # another admin may have answered while we waited for the lock
    if review.state != ReviewState.PENDING or certificate.decision_id != review.decision_id:
        raise ReviewClosed(f"this review is {review.state if review.state != ReviewState.PENDING else 'outdated'}"
                           "; nothing to answer")
    decision = session.get(StatusDecision, review.decision_id)
    now = utcnow()
    if answer == ReviewAnswer.ACCEPT:
        _accept(session, certificate, review, decision, now, staff)
    else:
        _reject(session, certificate, review, decision, now, staff)
    review.state = ReviewState.ACCEPTED if answer == ReviewAnswer.ACCEPT else ReviewState.REJECTED
    review.decided_at, review.decided_by, review.note = now, staff.name, note or None
    audit(session, staff.name, staff.role, f"review.{answer}", f"certificate:{certificate.certificate_no}",
          {"admin_status": review.held_status, "decision_ref": decision.decision_ref},
          {"proposed_status": review.proposed_status, "source": review.source, "note": note or None})
    enqueue(session, [certificate.id])
    session.flush()
    return review


def _accept(session, certificate, review, decision, now, staff) -> None:
    values = {"admin_status": review.proposed_status, "decision_id": None, "updated_at": now}
    if review.proposed_status == AdminStatus.WITHDRAWN:  # the snapshot dropped it: as a withdrawal does
        after = {**load_snapshots(session, [certificate.id])[certificate.id], "admin_status": AdminStatus.WITHDRAWN}
        values |= {"content_hash": snapshot_hash(after), "row_fingerprint": None}
    session.execute(update(Certificate).where(Certificate.id == certificate.id).values(**values))
    session.add(CertificateEvent(
        certificate_id=certificate.id, at=now, action="reviewed",
        changes={"admin_status": [review.held_status, review.proposed_status]}, actor=staff.actor,
        note=f"the status {review.proposed_status} from {review.source}'s feed is accepted; "
             f"decision {decision.decision_ref} no longer stands",
    ))


def _reject(session, certificate, review, decision, now, staff) -> None:
    decision.feed_status = review.proposed_status  # the decision now stands over what the feed says
    session.add(CertificateEvent(
        certificate_id=certificate.id, at=now, action="reviewed", changes={}, actor=staff.actor,
        note=f"the status {review.proposed_status} from {review.source}'s feed is rejected; "
             f"decision {decision.decision_ref} stands",
    ))


def pending_count(session: Session) -> int:
    return session.execute(select(func.count()).where(StatusReview.state == ReviewState.PENDING)).scalar_one()


def list_reviews(session: Session, state: str | None = ReviewState.PENDING, limit: int = 200,
                 review_id: int | None = None) -> list[dict]:
    """Reviews with what an admin needs to answer them, oldest pending first (or one by id)."""
    query = (
        select(StatusReview, Certificate.certificate_no, StatusDecision.decision_ref, StatusDecision.reason)
        .join(Certificate, Certificate.id == StatusReview.certificate_id)
        .join(StatusDecision, StatusDecision.id == StatusReview.decision_id)
    )
    if state:
        query = query.where(StatusReview.state == state)
    if review_id is not None:
        query = query.where(StatusReview.id == review_id)
    order = StatusReview.id if state == ReviewState.PENDING else StatusReview.id.desc()
    rows = session.execute(query.order_by(order).limit(limit))
    return [
        {"id": review.id, "certificate_no": number, "source": review.source,
         "proposed_status": review.proposed_status, "held_status": review.held_status,
         "decision_ref": ref, "decision_reason": reason, "state": review.state,
         "created_at": review.created_at, "decided_at": review.decided_at,
         "decided_by": review.decided_by, "note": review.note}
        for review, number, ref, reason in rows
    ]

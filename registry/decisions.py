"""Status decisions of the authority: suspend, revoke or reinstate one certificate.

A decision overrides the status the feed gives. A suspension or revocation stands until a
newer decision, or until an admin accepts a feed's status change from the review queue
(``registry.reviews``); a reinstatement stands until the feed changes the status. The
importer asks ``standing_decisions`` and ``resolve_feed_status`` which wins; the history
says which did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from registry.access import Staff, audit
from registry.clock import today, utcnow
from registry.errors import Conflict
from registry.locking import lock_certificate
from registry.models import Certificate, CertificateEvent
from registry.outbox import enqueue
from registry.oversight_models import DECISION_ACTIONS, StatusDecision
from registry.reviews import pending_proposals, supersede_pending
from registry.vocabulary import AdminStatus

# decisions a feed cannot lift by itself: its status change waits for an admin's review
HOLDING = frozenset({AdminStatus.SUSPENDED, AdminStatus.REVOKED})


class DecisionRefused(Conflict):
    """The decision cannot apply as asked (unknown action, final status, missing fields)."""


@dataclass(frozen=True)
class DecisionInput:
    action: str
    reason: str
    decision_ref: str
    decision_on: date

    def check(self) -> None:
        if self.action not in DECISION_ACTIONS:
            raise DecisionRefused(f"action must be one of {', '.join(DECISION_ACTIONS)}")
        if not self.reason.strip():
            raise DecisionRefused("the legal reason is required")
        if not self.decision_ref.strip():
            raise DecisionRefused("the decision reference (số quyết định) is required")
        if self.decision_on > today():  # in Vietnam: a decision signed this morning there is not in the future
            raise DecisionRefused("the decision date is in the future")


def decide(session: Session, certificate: Certificate, decision: DecisionInput, staff: Staff) -> StatusDecision:
    """Apply ``decision`` to ``certificate`` in the caller's transaction: event, outbox, audit.

    The certificate is re-read under a lock, so that an import or another admin acting at the
    same moment is either seen or waits: the "before" is always the status that stood."""
    decision.check()
    certificate = lock_certificate(session, certificate.id)
    before = certificate.admin_status
    after = DECISION_ACTIONS[decision.action]
    if before == "withdrawn":
        raise DecisionRefused("the certificate is withdrawn from its source; nothing to decide")
    if before == after:
        raise DecisionRefused(f"the certificate is already {after}")
    previous = session.get(StatusDecision, certificate.decision_id) if certificate.decision_id else None
    # what the feed says now: a held change's status, else what it said under the last decision
    waiting = pending_proposals(session, [certificate.id]).get(certificate.id)
    row = StatusDecision(
        certificate_id=certificate.id, action=decision.action, status_after=after,
        feed_status=waiting or (previous.feed_status if previous else before),
        reason=decision.reason.strip(), decision_ref=decision.decision_ref.strip(),
        decision_on=decision.decision_on, decided_by=staff.name,
    )
    session.add(row)
    session.flush()
    now = utcnow()
    supersede_pending(session, [certificate.id], now)  # the new decision answers it
    session.execute(update(Certificate).where(Certificate.id == certificate.id)
                    .values(admin_status=after, decision_id=row.id, updated_at=now))
    session.add(CertificateEvent(
        certificate_id=certificate.id, at=now, action="decision",
        changes={"admin_status": [before, after]}, actor=staff.actor, note=decision_note(row),
    ))
    enqueue(session, [certificate.id])
    audit(session, staff.name, staff.role, f"decision.{decision.action}",
          f"certificate:{certificate.certificate_no}", {"admin_status": before},
          {"admin_status": after, "decision_ref": row.decision_ref,
           "decision_on": row.decision_on.isoformat(), "reason": row.reason})
    return row


def decision_note(row: StatusDecision) -> str:
    return f"{row.decision_ref} ({row.decision_on.strftime('%d/%m/%Y')}): {row.reason}"


def standing_decisions(session: Session, certificate_ids: list[int]) -> dict[int, StatusDecision]:
    """The decision standing over each of these certificates, by certificate id."""
    if not certificate_ids:
        return {}
    rows = session.execute(
        select(StatusDecision).join(Certificate, Certificate.decision_id == StatusDecision.id)
        .where(Certificate.id.in_(certificate_ids))
    ).scalars()
    return {row.certificate_id: row for row in rows}


@dataclass(frozen=True)
class FeedOutcome:
    """What an import stores for a changed record under a decision, and what the history says."""

    status: str
    decision_id: int | None  # the decision still standing afterwards
    note: str | None
    held: bool = False  # the feed's status waits for an admin's review


def resolve_feed_status(feed_status: str, decision: StatusDecision | None) -> FeedOutcome:
    """Who wins between a changed feed record's status and the decision standing over it."""
    if decision is None:
        return FeedOutcome(feed_status, None, None)
    if feed_status == decision.feed_status:
        return FeedOutcome(decision.status_after, decision.id, f"decision {decision.decision_ref} stands")
    if decision.status_after in HOLDING:
        return FeedOutcome(decision.status_after, decision.id,
                           f"the feed asks for status {feed_status}; held for review while decision "
                           f"{decision.decision_ref} stands", held=True)
    return FeedOutcome(feed_status, None, f"the feed changed the status; supersedes decision {decision.decision_ref}")


def decision_view(row: StatusDecision | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"action": row.action, "status": row.status_after, "reason": row.reason,
            "decision_ref": row.decision_ref, "decision_on": row.decision_on.isoformat()}

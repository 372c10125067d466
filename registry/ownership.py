"""Which source a certificate belongs to, and how an admin moves it to another.

A certificate belongs to the source (certification body) whose feed created it; a feed of
any other source that names it is refused (``registry.apply``). When a body hands its
certificates over, or a record was filed under the wrong source, an admin transfers it:
an event in its history, an entry in the audit log, and the search document refreshed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlmodel import Session

from registry.access import Staff, audit
from registry.clock import utcnow
from registry.codes import canonical_certificate_no
from registry.errors import Conflict, NotFound, Refused
from registry.locking import lock_certificate
from registry.models import Certificate, CertificateEvent
from registry.outbox import enqueue

MAX_SOURCE = 100


class TransferRefused(Refused):
    """A transfer without a target or a reason."""


class AlreadyThere(Conflict):
    """The certificate already belongs to the source named."""


@dataclass(frozen=True)
class Transfer:
    certificate_no: str
    to_source: str
    reason: str


def transfer(session: Session, asked: Transfer, staff: Staff) -> CertificateEvent:
    """Move a certificate to ``asked.to_source``, in the caller's transaction."""
    to_source, reason = asked.to_source.strip(), asked.reason.strip()
    if not to_source or len(to_source) > MAX_SOURCE:
        raise TransferRefused(f"name the source to transfer to (1 to {MAX_SOURCE} characters)")
    if not reason:
        raise TransferRefused("say why the certificate changes hands (a decision, a handover)")
    number = canonical_certificate_no(asked.certificate_no)
    certificate = session.execute(select(Certificate).where(Certificate.certificate_no == number)).scalar_one_or_none()
    if certificate is None:
        raise NotFound(f"no certificate numbered {number!r}")
    certificate = lock_certificate(session, certificate.id)  # an import or a decision may be at it
    before = certificate.source
    if before == to_source:
        raise AlreadyThere(f"the certificate already belongs to {to_source}")
    now = utcnow()
    # the fingerprint of the old source's row goes: the new source's next row is validated and
    # its hash brought up to date (an identical row then changes nothing)
    session.execute(update(Certificate).where(Certificate.id == certificate.id)
                    .values(source=to_source, row_fingerprint=None, updated_at=now))
    event = CertificateEvent(certificate_id=certificate.id, at=now, action="transferred",
                             changes={"source": [before, to_source]}, actor=staff.actor, note=reason)
    session.add(event)
    enqueue(session, [certificate.id])
    audit(session, staff.name, staff.role, "certificate.transfer", f"certificate:{number}",
          {"source": before}, {"source": to_source, "reason": reason})
    session.flush()
    return event

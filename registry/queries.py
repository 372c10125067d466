"""Read side of the registry: one certificate with its history, a holder, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlmodel import Session

from registry.access import public_actor
from registry.codes import TAX_CODE_RE, canonical_certificate_no
from registry.decisions import decision_view
from registry.driver_reads import DriverQuery
from registry.models import Certificate, CertificateEvent, Organisation
from registry.oversight_models import StatusDecision
from registry.records import CertificateData
from registry.snapshots import RECORDS, children_of, load_records, record_from_row
from registry.status import EffectiveStatus, effective_status

# Built once: the record, its holder's tax code and its timestamps in one indexed query.
BY_NUMBER = DriverQuery(
    RECORDS.add_columns(Certificate.holder_id, Certificate.created_at, Certificate.updated_at, Certificate.decision_id,
                        Certificate.content_hash)
    .where(Certificate.certificate_no == bindparam("number"))
)

DECISION = select(StatusDecision).where(StatusDecision.id == bindparam("id"))


@dataclass(frozen=True)
class CertificateView:
    id: int
    record: CertificateData
    status: EffectiveStatus
    holder_id: int
    created_at: datetime
    updated_at: datetime
    history: list[CertificateEvent]
    decision: dict[str, Any] | None = None  # the authority's decision standing over the feed

    def as_dict(self, with_history: bool = True) -> dict[str, Any]:
        body = {
            "certificate_no": self.record.certificate_no,
            **{k: v for k, v in self.record.snapshot().items() if k != "admin_status"},
            "administrative_status": self.record.admin_status,
            "status": self.status.code,
            "status_reason": {"vi": self.status.reason_vi, "en": self.status.reason_en},
            "decision": self.decision,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }
        if with_history:
            body["history"] = [
                {"at": e.at.isoformat(), "action": e.action, "changes": e.changes,
                 "by": public_actor(e.actor), "import_run_id": e.import_run_id, "note": e.note}
                for e in self.history
            ]
        return body


def find_certificate(db: Session | Connection, number: str, on: date | None = None,
                     with_history: bool = True) -> CertificateView | None:
    """A certificate by number (any case and spacing), with its effective status today."""
    connection = db.connection() if isinstance(db, Session) else db
    cert = certificate_row(connection, number)
    if cert is None:
        return None
    history = []
    if with_history:
        assert isinstance(db, Session), "the history needs a session"
        history = list(db.execute(
            select(CertificateEvent).where(CertificateEvent.certificate_id == cert.id)
            .order_by(CertificateEvent.id.desc())
        ).scalars())
    return certificate_view(connection, cert, effective_status(cert.admin_status, cert.expires_on, on), history)


def certificate_row(connection: Connection, number: str) -> Any:
    """The certificate's row alone: enough for its status and to tell whether it changed."""
    return BY_NUMBER.first(connection, number=canonical_certificate_no(number))


def printed_on_labels(connection: Connection, text: str) -> tuple[str | None, bool]:
    """What a code read from a label names beside a model or a number: (the certificate whose
    conformity mark code it is, or None; whether it is a holder's tax code)."""
    value = canonical_certificate_no(text)
    marked = connection.execute(select(Certificate.certificate_no).where(Certificate.mark_code == value)).scalar()
    holder = TAX_CODE_RE.match(text.strip()) and connection.execute(
        select(Organisation.id).where(Organisation.tax_code == text.strip()).limit(1)).scalar()
    return marked, bool(holder)


def certificate_view(connection: Connection, cert: Any, status: EffectiveStatus,
                     history: list[CertificateEvent] | None = None) -> CertificateView:
    """The row with its models, regulations and standing decision (two more indexed queries)."""
    models, regulations = children_of(connection, cert.id)
    record = record_from_row(cert, models, regulations)
    decision = None
    if cert.decision_id:
        decision = decision_view(connection.execute(DECISION, {"id": cert.decision_id}).first())
    return CertificateView(cert.id, record, status, cert.holder_id, cert.created_at, cert.updated_at,
                           history or [], decision)


def registry_counts(session: Session) -> dict[str, int]:
    total = session.execute(select(func.count()).select_from(Certificate)).scalar_one()
    holders = session.execute(select(func.count()).select_from(Organisation)).scalar_one()
    return {"certificates": total, "holders": holders}


def latest_certificates(session: Session, limit: int = 8) -> list[tuple[int, CertificateData]]:
    ids = session.execute(
        select(Certificate.id).order_by(Certificate.issued_on.desc(), Certificate.id.desc()).limit(limit)
    ).scalars().all()
    records = load_records(session, ids)
    return [(cid, records[cid]) for cid in ids]


@dataclass(frozen=True)
class HolderView:
    organisation: Organisation
    total: int
    by_status: dict[str, int]
    certificates: list[tuple[CertificateData, EffectiveStatus]]


def find_holder(session: Session, tax_code: str, page: int = 1, per_page: int = 50,
                on: date | None = None) -> HolderView | None:
    """A holder by tax code, with one page of its certificates (newest first) and counts."""
    organisation = session.execute(
        select(Organisation).where(Organisation.tax_code == "".join(tax_code.split()))
    ).scalar_one_or_none()
    if organisation is None:
        return None
    rows = session.execute(
        select(Certificate.id, Certificate.admin_status, Certificate.expires_on)
        .where(Certificate.holder_id == organisation.id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    ).all()
    by_status: dict[str, int] = {}
    for row in rows:
        code = effective_status(row.admin_status, row.expires_on, on).code
        by_status[code] = by_status.get(code, 0) + 1
    ids = [row.id for row in rows[(page - 1) * per_page : page * per_page]]
    records = load_records(session, ids)
    certificates = [
        (records[cid], effective_status(records[cid].admin_status, records[cid].expires_on, on)) for cid in ids
    ]
    return HolderView(organisation, len(rows), by_status, certificates)

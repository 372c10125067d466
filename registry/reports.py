"""Citizen reports of suspicious devices, and their triage by inspectors.

No address is kept: a report carries a keyed hash of the sender's address and the day,
enough to rate-limit a flood and useless for finding the person.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from registry.access import Staff, audit
from registry.clock import utcnow
from registry.errors import Conflict, Refused
from registry.locking import serialize_on
from registry.oversight_models import REPORT_STATES, CitizenReport

REPORTS_PER_HOUR = 5
TRANSITIONS = {"new": ("investigating", "closed"), "investigating": ("closed",), "closed": ("investigating",)}


class ReportRefused(Refused):
    """A report that is incomplete."""


class TooManyReports(ReportRefused):
    """Its sender's quota for the hour is spent."""

    status = 429


class TriageRefused(Conflict):
    """A report moved on out of order (a closed one cannot go back to new)."""


@dataclass
class ReportInput:
    code: str
    problem: str
    place: str | None = None
    province: str | None = None
    contact: str | None = None
    photo: str | None = None

    def check(self) -> None:
        if not self.code.strip():
            raise ReportRefused("say which certificate number or model the device shows")
        if len(self.problem.strip()) < 5:
            raise ReportRefused("say in a few words what is wrong")
        if len(self.problem) > 4000:
            raise ReportRefused("the description is too long (4,000 characters at most)")


def client_hash(secret: bytes, address: str) -> str:
    day = utcnow().date().isoformat()
    return hmac.new(secret, f"{day}|{address}".encode(), hashlib.sha256).hexdigest()


def recent_reports(session: Session, sender: str) -> int:
    since = utcnow() - timedelta(hours=1)
    return session.execute(
        select(func.count()).select_from(CitizenReport)
        .where(CitizenReport.client_hash == sender, CitizenReport.created_at >= since)
    ).scalar_one()


def check_quota(session: Session, sender: str) -> None:
    """Refuses a sender whose reports of the last hour reached the limit."""
    if recent_reports(session, sender) >= REPORTS_PER_HOUR:
        raise TooManyReports("too many reports from this connection; please try again in an hour")


def file_report(session: Session, data: ReportInput, sender: str) -> CitizenReport:
    """Count and insert as one step per sender, so that a burst of reports sent at once
    cannot all see a quota that is not yet spent."""
    data.check()
    serialize_on(session, f"report-quota:{sender}")
    check_quota(session, sender)
    row = CitizenReport(
        code=data.code.strip()[:120], problem=data.problem.strip(), place=_opt(data.place, 300),
        province=_opt(data.province, 100), contact=_opt(data.contact, 200), photo=data.photo,
        client_hash=sender,
    )
    session.add(row)
    session.flush()
    return row


def triage(session: Session, report_id: int, state: str, note: str, staff: Staff) -> CitizenReport:
    row = session.get(CitizenReport, report_id)
    if row is None:
        raise LookupError(f"no report {report_id}")
    if state not in REPORT_STATES or state not in TRANSITIONS[row.state]:
        raise TriageRefused(f"a {row.state} report can move to {', '.join(TRANSITIONS[row.state])}")
    before = {"state": row.state, "triage_note": row.triage_note}
    row.state, row.triage_note, row.updated_at = state, (note or "").strip() or row.triage_note, utcnow()
    session.add(row)
    audit(session, staff.name, staff.role, "report.triage", f"report:{row.id}", before,
          {"state": row.state, "triage_note": row.triage_note})
    return row


def list_reports(session: Session, state: str | None = None, limit: int = 200) -> list[CitizenReport]:
    stmt = select(CitizenReport).order_by(CitizenReport.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(CitizenReport.state == state)
    return list(session.execute(stmt).scalars())


def _opt(value: str | None, limit: int) -> str | None:
    return (value or "").strip()[:limit] or None

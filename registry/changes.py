"""Every change in order, for mirrors (a cursor over the append-only history), and statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import extract, func, select
from sqlmodel import Session

from registry.access import public_actor
from registry.clock import today
from registry.models import Certificate, CertificateEvent, ImportRun, Organisation
from registry.status import status_column


def changes_since(session: Session, cursor: int, limit: int) -> dict[str, Any]:
    """Events after ``cursor`` (an event id), oldest first; ``next_cursor`` continues the walk."""
    rows = session.execute(
        select(CertificateEvent, Certificate.certificate_no)
        .join(Certificate, Certificate.id == CertificateEvent.certificate_id)
        .where(CertificateEvent.id > cursor)
        .order_by(CertificateEvent.id)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "changes": [event_dict(event, number) for event, number in rows],
        "next_cursor": rows[-1][0].id if rows else cursor,
        "has_more": more,
    }


def latest_cursor(connection) -> int:
    """The last history event's id: what the registry knew at this moment (0 when empty)."""
    return connection.execute(select(func.max(CertificateEvent.id))).scalar_one() or 0


def latest_changes(session: Session, limit: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(CertificateEvent, Certificate.certificate_no)
        .join(Certificate, Certificate.id == CertificateEvent.certificate_id)
        .order_by(CertificateEvent.id.desc())
        .limit(limit)
    ).all()
    return [event_dict(event, number) for event, number in rows]


def event_dict(event: CertificateEvent, number: str) -> dict[str, Any]:
    return {"cursor": event.id, "certificate_no": number, "action": event.action,
            "at": event.at.isoformat(), "changes": event.changes, "by": public_actor(event.actor), "note": event.note}


def statistics(session: Session, on: date | None = None) -> dict[str, Any]:
    """Counts by effective status, kind, issue year and brand, computed in the database."""
    on = on or today()
    status = status_column(on)
    by_status = dict(session.execute(select(status, func.count()).group_by(status)).all())
    by_kind = dict(session.execute(select(Certificate.kind, func.count()).group_by(Certificate.kind)).all())
    year = extract("year", Certificate.issued_on)
    by_year = {int(y): n for y, n in session.execute(select(year, func.count()).group_by(year).order_by(year))}
    brands = session.execute(
        select(Certificate.brand, func.count().label("n")).group_by(Certificate.brand)
        .order_by(func.count().desc(), Certificate.brand).limit(20)
    ).all()
    last_import = session.execute(select(func.max(ImportRun.finished_at))).scalar_one()
    return {
        "on": on.isoformat(),
        "certificates": sum(by_status.values()),
        "holders": session.execute(select(func.count()).select_from(Organisation)).scalar_one(),
        "by_status": by_status,
        "by_kind": by_kind,
        "by_issue_year": by_year,
        "top_brands": [{"brand": b, "certificates": n} for b, n in brands],
        "last_import_at": last_import.isoformat() if last_import else None,
    }

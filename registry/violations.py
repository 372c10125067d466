"""Public notices of violations: what the authority sanctioned, against whom, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from registry.access import Staff, audit
from registry.clock import today
from registry.codes import canonical_certificate_no
from registry.errors import Refused
from registry.oversight_models import Violation


class ViolationRefused(Refused):
    """A notice that is missing what a published notice needs."""


@dataclass
class ViolationInput:
    organisation_name: str
    decision_ref: str
    decision_on: date
    violation: str
    sanction: str
    tax_code: str | None = None
    certificates: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)

    def check(self) -> None:
        required = ("organisation_name", "decision_ref", "violation", "sanction")
        missing = [n for n in required if not getattr(self, n).strip()]
        if missing:
            raise ViolationRefused(f"required: {', '.join(missing)}")
        if self.decision_on > today():
            raise ViolationRefused("the decision date is in the future")


def publish_violation(session: Session, data: ViolationInput, staff: Staff) -> Violation:
    data.check()
    row = Violation(
        organisation_name=data.organisation_name.strip(),
        tax_code="".join((data.tax_code or "").split()) or None,
        decision_ref=data.decision_ref.strip(), decision_on=data.decision_on,
        violation=data.violation.strip(), sanction=data.sanction.strip(),
        certificates=[canonical_certificate_no(c) for c in data.certificates if c.strip()],
        models=[m.strip() for m in data.models if m.strip()], published_by=staff.name,
    )
    session.add(row)
    session.flush()
    audit(session, staff.name, staff.role, "violation.publish", f"violation:{row.id}", None, violation_dict(row))
    return row


def find_violations(session: Session, q: str = "", page: int = 1, per_page: int = 20,
                    tax_code: str | None = None) -> tuple[int, list[Violation]]:
    """Newest first; ``q`` matches the organisation, tax code, decision or violation text."""
    stmt = select(Violation)
    if tax_code:
        stmt = stmt.where(Violation.tax_code == tax_code)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(Violation.organisation_name).like(like),
                              Violation.tax_code.like(like), func.lower(Violation.decision_ref).like(like),
                              func.lower(Violation.violation).like(like)))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(Violation.decision_on.desc(), Violation.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).scalars()
    return total, list(rows)


def violations_of_certificate(session: Session, certificate_no: str, models: tuple[str, ...]) -> list[Violation]:
    """Notices naming this certificate or one of its models (a small table: filtered here)."""
    wanted_models = {m.upper() for m in models}
    rows = session.execute(select(Violation).order_by(Violation.decision_on.desc())).scalars()
    return [v for v in rows if certificate_no in v.certificates or wanted_models & {m.upper() for m in v.models}]


def violation_dict(row: Violation) -> dict[str, Any]:
    return {
        "id": row.id, "organisation_name": row.organisation_name, "tax_code": row.tax_code,
        "decision_ref": row.decision_ref, "decision_on": row.decision_on.isoformat(),
        "violation": row.violation, "sanction": row.sanction, "certificates": row.certificates,
        "models": row.models, "published_at": row.published_at.isoformat(),
    }

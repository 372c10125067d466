"""Conclusions of inspections: findings, legal basis, sanctions and methods, in fixed lists.

A conclusion belongs to an inspection or a plan. A certificate sanction (suspension,
revocation) applies at once as a status decision of the authority (``registry.decisions``),
with the conclusion's decision reference and legal basis as its reason. Publishing writes
the public ``Violation`` notice, so /violations and its API show it, with these fields.
Everything happens in the caller's transaction: a refused certificate leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from registry.access import Staff, audit
from registry.clock import today, utcnow
from registry.codes import canonical_certificate_no
from registry.decisions import DecisionInput, decide
from registry.enforcement_models import Conclusion, InspectionPlan
from registry.enforcement_terms import FINDINGS, METHODS, SANCTIONS, money, vi
from registry.errors import Conflict, NotFound, Refused
from registry.inspections import visible_to
from registry.models import Certificate
from registry.oversight_models import Inspection
from registry.violations import ViolationInput, publish_violation
from registry.vocabulary import DecisionAction, Method, Sanction

MAX_FINE_VND = 10_000_000_000  # ten billion đồng: far above any fine the decrees allow, so a typo is caught
CERTIFICATE_SANCTIONS = {Sanction.SUSPEND_CERTIFICATE: DecisionAction.SUSPEND,
                         Sanction.REVOKE_CERTIFICATE: DecisionAction.REVOKE}


class ConclusionRefused(Refused):
    """A conclusion that is missing what it needs, or whose parts do not fit together."""


@dataclass
class ConclusionInput:
    organisation_name: str
    decision_ref: str
    concluded_on: date
    findings: list[str]
    legal_decree: str
    legal_article: str
    sanctions: list[str]
    methods: list[str] = field(default_factory=list)
    method_note: str | None = None
    fine_vnd: int | None = None
    tax_code: str | None = None
    province: str | None = None
    certificates: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    plan_id: int | None = None
    inspection_id: int | None = None
    publish: bool = True

    def check(self) -> None:
        required = ("organisation_name", "decision_ref", "legal_decree", "legal_article")
        missing = [n for n in required if not getattr(self, n).strip()]
        if missing:
            raise ConclusionRefused(f"required: {', '.join(missing)}")
        if self.plan_id is None and self.inspection_id is None:
            raise ConclusionRefused("a conclusion belongs to an inspection or a plan: name one")
        if self.concluded_on > today():
            raise ConclusionRefused("the conclusion date is in the future")
        _only(self.findings, FINDINGS, "findings", required=True)
        _only(self.sanctions, SANCTIONS, "sanctions")
        _only(self.methods, METHODS, "methods")
        if Method.OTHER in self.methods and not (self.method_note or "").strip():
            raise ConclusionRefused("the method 'other' needs a description in method_note")
        self._check_fine()
        wanted = [s for s in self.sanctions if s in CERTIFICATE_SANCTIONS]
        if len(wanted) > 1:
            raise ConclusionRefused("a certificate is either suspended or revoked, not both")
        if wanted and not [c for c in self.certificates if c.strip()]:
            raise ConclusionRefused(f"the sanction {wanted[0]} needs the certificates it applies to")

    def _check_fine(self) -> None:
        fined = Sanction.FINE in self.sanctions
        if fined and not self.fine_vnd:
            raise ConclusionRefused("a fine needs its amount (fine_vnd)")
        if not fined and self.fine_vnd:
            raise ConclusionRefused("an amount was given but the sanctions have no fine")
        if self.fine_vnd is not None and not 0 < self.fine_vnd <= MAX_FINE_VND:
            raise ConclusionRefused(f"the fine must be between 1 and {MAX_FINE_VND} đồng")


def _only(codes: list[str], table: dict, name: str, required: bool = False) -> None:
    if required and not codes:
        raise ConclusionRefused(f"name at least one of the {name}")
    unknown = [c for c in codes if c not in table]
    if unknown:
        raise ConclusionRefused(f"{name} must be among {', '.join(table)} (not {', '.join(unknown)})")


def conclude(session: Session, data: ConclusionInput, staff: Staff) -> Conclusion:
    """Record the conclusion, apply its certificate sanction as decisions, publish if asked."""
    data.check()
    plan_id = _owner(session, data, staff)
    numbers = list(dict.fromkeys(canonical_certificate_no(c) for c in data.certificates if c.strip()))
    row = Conclusion(
        plan_id=plan_id, inspection_id=data.inspection_id, organisation_name=data.organisation_name.strip(),
        tax_code="".join((data.tax_code or "").split()) or None, province=(data.province or "").strip() or None,
        concluded_on=data.concluded_on, decision_ref=data.decision_ref.strip(), findings=list(data.findings),
        legal_decree=data.legal_decree.strip(), legal_article=data.legal_article.strip(),
        sanctions=list(data.sanctions), fine_vnd=data.fine_vnd, certificates=numbers,
        models=[m.strip() for m in data.models if m.strip()], methods=list(data.methods),
        method_note=(data.method_note or "").strip() or None, concluded_by=staff.name,
    )
    session.add(row)
    session.flush()
    row.decision_ids = _apply_sanction(session, row, staff)
    audit(session, staff.name, staff.role, "conclusion.create", f"conclusion:{row.id}", None,
          {"plan_id": row.plan_id, "inspection_id": row.inspection_id, "findings": row.findings,
           "sanctions": row.sanctions, "fine_vnd": row.fine_vnd, "methods": row.methods,
           "decision_ids": row.decision_ids})
    if data.publish:
        publish_conclusion(session, row, staff)
    return row


def _owner(session: Session, data: ConclusionInput, staff: Staff) -> int | None:
    """The plan the conclusion belongs to: the one named, or its inspection's."""
    plan_id = data.plan_id
    if data.inspection_id is not None:
        inspection = session.execute(select(Inspection).where(Inspection.id == data.inspection_id,
                                                              visible_to(staff))).scalar_one_or_none()
        if inspection is None:
            raise NotFound(f"no inspection {data.inspection_id}")
        if plan_id is not None and inspection.plan_id not in (None, plan_id):
            raise ConclusionRefused(f"inspection {inspection.id} belongs to plan {inspection.plan_id}, not {plan_id}")
        plan_id = plan_id or inspection.plan_id
    if plan_id is not None and session.get(InspectionPlan, plan_id) is None:
        raise NotFound(f"no plan {plan_id}")
    return plan_id


def _apply_sanction(session: Session, row: Conclusion, staff: Staff) -> list[int]:
    action = next((CERTIFICATE_SANCTIONS[s] for s in row.sanctions if s in CERTIFICATE_SANCTIONS), None)
    if action is None:
        return []
    found = dict(session.execute(select(Certificate.certificate_no, Certificate)
                                 .where(Certificate.certificate_no.in_(row.certificates))).all())
    missing = [n for n in row.certificates if n not in found]
    if missing:
        raise NotFound(f"not in the registry: {', '.join(missing)}")
    reason = f"{row.legal_decree}, {row.legal_article}: {vi(FINDINGS, row.findings)}"
    ids = []
    for number in row.certificates:
        try:
            decision = decide(session, found[number], DecisionInput(action, reason, row.decision_ref,
                                                                    row.concluded_on), staff)
        except Conflict as exc:
            raise Conflict(f"certificate {number}: {exc}") from exc
        ids.append(decision.id)
    return ids


def publish_conclusion(session: Session, row: Conclusion, staff: Staff) -> Conclusion:
    """Make the public notice of ``row`` (once): the violation and sanction in words."""
    if row.violation_id is not None:
        raise Conflict(f"conclusion {row.id} is published already")
    notice = publish_violation(session, ViolationInput(
        organisation_name=row.organisation_name, decision_ref=row.decision_ref, decision_on=row.concluded_on,
        violation=violation_words(row), sanction=sanction_words(row), tax_code=row.tax_code,
        certificates=list(row.certificates), models=list(row.models)), staff)
    row.violation_id, row.published_at = notice.id, utcnow()
    session.add(row)
    session.flush()
    return row


def violation_words(row: Conclusion) -> str:
    methods = f" Thủ đoạn: {vi(METHODS, row.methods)}." if row.methods else ""
    note = f" ({row.method_note})" if row.method_note else ""
    return f"{vi(FINDINGS, row.findings)}.{methods}{note} Căn cứ: {row.legal_decree}, {row.legal_article}."


def sanction_words(row: Conclusion) -> str:
    words = [SANCTIONS[s][0] + (f" {money(row.fine_vnd)}" if s == Sanction.FINE and row.fine_vnd else "")
             for s in row.sanctions]
    return "; ".join(words) or "Không xử phạt"


def conclusions_of_notices(session: Session, violation_ids: list[int]) -> dict[int, Conclusion]:
    """The conclusion behind each published notice that has one, by notice id."""
    if not violation_ids:
        return {}
    rows = session.execute(select(Conclusion).where(Conclusion.violation_id.in_(violation_ids))).scalars()
    return {row.violation_id: row for row in rows}


def public_fields(row: Conclusion) -> dict:
    """What a published notice shows of its conclusion (never who concluded it, or the plan)."""
    return {"findings": row.findings, "legal_decree": row.legal_decree, "legal_article": row.legal_article,
            "sanctions": row.sanctions, "fine_vnd": row.fine_vnd, "methods": row.methods,
            "method_note": row.method_note, "province": row.province}


def methods_seen(session: Session) -> list[tuple[str, int]]:
    """Each method, with how many published conclusions name it, most seen first (the plan
    asks that the methods violators use be made public)."""
    counts: dict[str, int] = {}
    for methods in session.execute(select(Conclusion.methods).where(Conclusion.violation_id.is_not(None))).scalars():
        for method in methods:
            counts[method] = counts.get(method, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], list(METHODS).index(kv[0])))

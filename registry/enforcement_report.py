"""The yearly report of enforcement results to the steering committee (Ban Chỉ đạo 389).

Every figure is counted from the records of the period, by the day each thing happened:
inspections by ``inspected_on``, conclusions by ``concluded_on``, status decisions by
``decision_on``, citizen reports by the day they were received (handled: closed in the
period), clone flags by the day they were raised. ``registry.report_files`` writes it out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import distinct, func, select
from sqlmodel import Session

from registry.clock import today, utcnow
from registry.enforcement_models import Conclusion, InspectionPlan, RaisedFlag
from registry.enforcement_terms import FINDINGS, METHODS, SANCTIONS
from registry.errors import Refused
from registry.models import Certificate
from registry.oversight_models import CitizenReport, Inspection, StatusDecision
from registry.plans import shop_key
from registry.vocabulary import DecisionAction, Finding, Method, ReportState, Sanction

MAX_DAYS = 3 * 366  # a report covers a year, or a few: not the whole of time by mistake
Header = tuple[str, str]  # Vietnamese, English


@dataclass
class Section:
    title: Header
    columns: list[Header]
    rows: list[list] = field(default_factory=list)


@dataclass
class EnforcementReport:
    unit: str
    period_from: date
    period_to: date
    made_at: datetime
    totals: dict[str, int]
    sections: list[Section]


TOTALS: dict[str, Header] = {
    "inspections": ("Số cuộc kiểm tra", "Inspections made"),
    "shops_checked": ("Số cửa hàng được kiểm tra", "Shops checked"),
    "codes_checked": ("Số chứng nhận/model được kiểm tra", "Certificates and models checked"),
    "inspections_with_findings": ("Số cuộc kiểm tra phát hiện vi phạm", "Inspections that found a violation"),
    "conclusions": ("Số kết luận", "Conclusions"),
    "conclusions_published": ("Số kết luận đã công khai", "Conclusions published"),
    "fines_vnd": ("Tổng tiền phạt (đồng)", "Fines in total (VND)"),
    "certificates_suspended": ("Số chứng nhận bị đình chỉ", "Certificates suspended"),
    "certificates_revoked": ("Số chứng nhận bị thu hồi", "Certificates revoked"),
    "reports_received": ("Phản ánh của người dân đã nhận", "Citizen reports received"),
    "reports_handled": ("Phản ánh đã xử lý xong", "Citizen reports handled"),
    "flags_raised": ("Cảnh báo sao chép mã QR", "Clone flags raised"),
    "flags_confirmed": ("Cảnh báo được xác nhận", "Clone flags confirmed"),
}
COUNT: Header = ("Số lượng", "Count")
NO_PLAN: Header = ("(ngoài kế hoạch)", "(no plan)")


def period(first: date | None, last: date | None) -> tuple[date, date]:
    """The period asked, by default from 1 January of the last day's year to today."""
    last = last or today()
    return first or date(last.year, 1, 1), last


def enforcement_report(session: Session, period_from: date, period_to: date, unit: str) -> EnforcementReport:
    if period_to < period_from:
        raise Refused("the period ends before it starts")
    if (period_to - period_from).days > MAX_DAYS:
        raise Refused(f"a report covers at most {MAX_DAYS} days")
    inspections = session.execute(
        select(Inspection.plan_id, Inspection.team, Inspection.province, Inspection.shop_name, Inspection.finding,
               Inspection.codes).where(Inspection.inspected_on.between(period_from, period_to))).all()
    conclusions = list(session.execute(select(Conclusion).where(
        Conclusion.concluded_on.between(period_from, period_to))).scalars())
    totals = dict.fromkeys(TOTALS, 0)
    totals["inspections"] = len(inspections)
    totals["shops_checked"] = len({shop_key(i.shop_name, i.province) for i in inspections})
    totals["codes_checked"] = len({code.strip().upper() for i in inspections for code in i.codes})
    totals["inspections_with_findings"] = sum(i.finding != Finding.CONFORMING for i in inspections)
    totals["conclusions"] = len(conclusions)
    totals["conclusions_published"] = sum(c.violation_id is not None for c in conclusions)
    totals["fines_vnd"] = sum(c.fine_vnd or 0 for c in conclusions)
    totals.update(_decisions(session, period_from, period_to))
    totals.update(_reports(session, period_from, period_to))
    totals.update(_flags(session, period_from, period_to, conclusions))
    plans = dict(session.execute(select(InspectionPlan.id, InspectionPlan.name)).all())
    return EnforcementReport(unit, period_from, period_to, utcnow(), totals, [
        Section(("Tổng hợp", "Summary"), [("Chỉ tiêu", "Indicator"), COUNT],
                [[TOTALS[key], value] for key, value in totals.items()]),
        _by(("Kiểm tra theo kế hoạch", "Inspections by plan"), ("Kế hoạch", "Plan"), inspections,
            lambda i: plans.get(i.plan_id, NO_PLAN[0])),
        _by(("Kiểm tra theo đoàn", "Inspections by team"), ("Đoàn kiểm tra", "Team"), inspections,
            lambda i: i.team or ""),
        _by(("Kiểm tra theo tỉnh/thành", "Inspections by province"), ("Tỉnh/thành", "Province"), inspections,
            lambda i: i.province),
        _counted(("Kết quả kiểm tra theo loại", "Findings by type"), ("Kết quả", "Finding"), FINDINGS,
                 Counter(i.finding for i in inspections)),
        _sanctions(conclusions),
        _counted(("Thủ đoạn vi phạm", "Methods used"), ("Thủ đoạn", "Method"), METHODS,
                 Counter(m for c in conclusions for m in c.methods)),
    ])


def _by(title: Header, column: Header, inspections: list, key) -> Section:
    """Inspections and those with findings, by ``key``; names that differ only in case and
    spacing ("hà nội", "Hà  Nội") are one, written as they were written first."""
    done, found, written = Counter(), Counter(), {}
    for inspection in inspections:
        name = written.setdefault(" ".join(key(inspection).casefold().split()), key(inspection))
        done[name] += 1
        found[name] += inspection.finding != Finding.CONFORMING
    rows = [[name, done[name], found[name]] for name in sorted(done)]
    return Section(title, [column, ("Số cuộc kiểm tra", "Inspections"), ("Phát hiện vi phạm", "With findings")], rows)


def _counted(title: Header, column: Header, table: dict[str, Header], counts: Counter) -> Section:
    return Section(title, [column, COUNT], [[table[code][0], counts.get(code, 0)] for code in table])


def _sanctions(conclusions: list[Conclusion]) -> Section:
    rows = []
    for code, words in SANCTIONS.items():
        chosen = [c for c in conclusions if code in c.sanctions]
        amount = sum(c.fine_vnd or 0 for c in chosen) if code == Sanction.FINE else None
        rows.append([words[0], len(chosen), amount])
    return Section(("Hình thức xử phạt", "Sanctions imposed"),
                   [("Hình thức", "Sanction"), ("Số kết luận", "Conclusions"),
                    ("Số tiền (đồng)", "Amount (VND)")], rows)


def _decisions(session: Session, period_from: date, period_to: date) -> dict[str, int]:
    counted = dict(session.execute(
        select(StatusDecision.action, func.count(distinct(StatusDecision.certificate_id)))
        .where(StatusDecision.decision_on.between(period_from, period_to),
               StatusDecision.action.in_((DecisionAction.SUSPEND, DecisionAction.REVOKE)))
        .group_by(StatusDecision.action)).all())
    return {"certificates_suspended": counted.get(DecisionAction.SUSPEND, 0),
            "certificates_revoked": counted.get(DecisionAction.REVOKE, 0)}


def _reports(session: Session, period_from: date, period_to: date) -> dict[str, int]:
    start = datetime.combine(period_from, time.min, UTC)
    end = datetime.combine(period_to + timedelta(days=1), time.min, UTC)
    received = session.execute(select(func.count()).where(
        CitizenReport.created_at >= start, CitizenReport.created_at < end)).scalar_one()
    handled = session.execute(select(func.count()).where(
        CitizenReport.state == ReportState.CLOSED, CitizenReport.updated_at >= start,
        CitizenReport.updated_at < end)).scalar_one()
    return {"reports_received": received, "reports_handled": handled}


def _flags(session: Session, period_from: date, period_to: date, conclusions: list[Conclusion]) -> dict[str, int]:
    """Flags raised: certificates flagged on a day of the period. Confirmed: of those, the
    ones a conclusion of the period names with the method 'copied QR code'."""
    raised = set(session.execute(
        select(Certificate.certificate_no).join(RaisedFlag, RaisedFlag.certificate_id == Certificate.id)
        .where(RaisedFlag.day.between(period_from, period_to)).distinct()).scalars())
    copied = {n for c in conclusions if Method.COPIED_QR in c.methods for n in c.certificates}
    return {"flags_raised": len(raised), "flags_confirmed": len(raised & copied)}

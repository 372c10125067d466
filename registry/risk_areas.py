"""The ranked targets added up by holder and by province: where a plan's scope is drawn.

Both are scored as certificates are (``registry.risk.scored``: the weights and caps of
``WEIGHTS``); a signal's raw count is summed over the holder's certificates, or over what
happened in the province:

- a holder: certificates of it with a clone flag, its certificates' open reports, the scans
  of its certificates while not valid (log10 + 1), its published violations;
- a province: certificates with a clone flag scanned there, open reports placed there,
  scans there of certificates that were not valid (log10 + 1), and inspections there in
  the last year that found something wrong (``earlier_findings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from registry.clock import today
from registry.models import Certificate, Organisation
from registry.oversight_models import CitizenReport, Inspection, ScanCount
from registry.risk import OPEN_REPORT_STATES, narrow_signals, scans_while_not_valid, scored, violations_by_holder
from registry.scans import flagged
from registry.vocabulary import Finding

FINDINGS_DAYS = 365


@dataclass
class Area:
    name: str  # the holder's name, or the province
    key: str  # the holder's tax code (or name when it has none), or the province
    score: float = 0.0
    reasons: dict[str, float] = field(default_factory=dict)


def ranked_holders(session: Session, on: date | None = None, limit: int = 50) -> list[Area]:
    on = on or today()
    by_certificate = narrow_signals(session, on)
    raw: dict[int, dict[str, float]] = {}
    if by_certificate:
        holders = dict(session.execute(select(Certificate.id, Certificate.holder_id)
                                       .where(Certificate.id.in_(by_certificate))).all())
        for cid, found in by_certificate.items():
            mine = raw.setdefault(holders[cid], {})
            for signal, count in found.items():
                mine[signal] = mine.get(signal, 0) + count
    for holder_id, count in violations_by_holder(session).items():
        raw.setdefault(holder_id, {})["holder_violations"] = count
    if not raw:
        return []
    names = {row.id: row for row in session.execute(
        select(Organisation.id, Organisation.name, Organisation.tax_code).where(Organisation.id.in_(raw)))}
    areas = [Area(names[hid].name, names[hid].tax_code or names[hid].name, *scored(found))
             for hid, found in raw.items()]
    areas.sort(key=lambda a: (-a.score, a.key))
    return areas[:limit]


def ranked_provinces(session: Session, on: date | None = None) -> list[Area]:
    on = on or today()
    units: dict[str, dict[str, float]] = {}

    def add(province: str | None, signal: str, amount: float) -> None:
        if province:
            found = units.setdefault(province, {})
            found[signal] = found.get(signal, 0) + amount

    for flag in flagged(session, on):
        for province in flag.provinces:
            add(province, "clone_flag", 1)
    for province, count in session.execute(
            select(CitizenReport.province, func.count()).where(CitizenReport.state.in_(OPEN_REPORT_STATES))
            .group_by(CitizenReport.province)).all():
        add(province, "open_reports", count)
    for province, total in session.execute(scans_while_not_valid(on, ScanCount.province)
                                           .where(ScanCount.province != "")).all():
        add(province, "scanned_not_valid", int(total))
    since = on - timedelta(days=FINDINGS_DAYS)
    for province, count in session.execute(
            select(Inspection.province, func.count())
            .where(Inspection.finding != Finding.CONFORMING, Inspection.inspected_on > since)
            .group_by(Inspection.province)).all():
        add(province, "earlier_findings", count)
    areas = [Area(province, province, *scored(found)) for province, found in units.items()]
    areas.sort(key=lambda a: (-a.score, a.key))
    return areas

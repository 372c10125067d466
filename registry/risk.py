"""Where an inspector's day is best spent: certificates ranked by what the registry already
knows against them, each with its reasons, and the holders and provinces they add up to.

The weights are one table (``WEIGHTS``), documented in docs/inspectors-and-admins.md; a
certificate's score is the sum of its signals, each signal's count capped so that one loud
signal cannot drown the others:

- ``clone_flag``: its scans jump far above their history or spread over many provinces
  (``registry.scans.flagged``): a QR code copied onto other devices;
- ``open_reports``: citizen reports naming it that nobody has closed yet;
- ``scanned_not_valid``: scanned in the last ``RECENT_DAYS`` days while expired, suspended,
  revoked or withdrawn: a device still sold after its certificate ended;
- ``holder_violations``: published violations of its holder;
- ``shared_mark``: its conformity mark code is printed for more than one certificate;
- ``scans_outside_holder_provinces``: scanned at least ``SPIKE_MINIMUM`` times this week in a
  province where none of its holder's certificates was scanned in the three months before:
  devices turning up where the holder does not sell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlmodel import Session

from registry.clock import today
from registry.codes import canonical_certificate_no
from registry.kept import KeptOne
from registry.models import Certificate, Organisation
from registry.oversight_models import CitizenReport, ScanCount, Violation
from registry.scans import flagged
from registry.vocabulary import AdminStatus, ReportState

# signal: (weight per unit, most units counted)
WEIGHTS: dict[str, tuple[float, int]] = {
    "clone_flag": (5.0, 1),
    "open_reports": (3.0, 3),
    "scanned_not_valid": (4.0, 3),  # units: log10 of the scans, plus one (1 scan: 1, 10: 2, 100: 3)
    "holder_violations": (2.0, 3),
    "shared_mark": (3.0, 1),
    "scans_outside_holder_provinces": (3.0, 3),  # units: such provinces
    "earlier_findings": (2.0, 3),  # provinces only: inspections there in the last year that found something
}
RECENT_DAYS = 30
SPIKE_DAYS, SPIKE_MINIMUM, HABIT_DAYS = 7, 20, 90
PROVINCE_DAYS = 90  # a certificate belongs to a province's list when it was scanned there this recently
CHUNK = 500
OPEN_REPORT_STATES = (ReportState.NEW, ReportState.INVESTIGATING)


@dataclass
class Target:
    certificate_id: int
    certificate_no: str
    holder_id: int
    holder_name: str
    score: float = 0.0
    reasons: dict[str, float] = field(default_factory=dict)  # signal -> units counted


def scored(raw: dict[str, float]) -> tuple[float, dict[str, float]]:
    """(score, reasons) of raw counts by signal (flags, reports, scans, violations...): each
    signal counted (scans by their order of magnitude, log10 + 1), capped, and weighted, in the
    table's order so that reasons read the same way everywhere."""
    score, reasons = 0.0, {}
    for signal, (weight, cap) in WEIGHTS.items():
        if raw.get(signal, 0) > 0:
            units = min(math.log10(raw[signal]) + 1 if signal == "scanned_not_valid" else raw[signal], cap)
            reasons[signal] = round(units, 2)
            score = round(score + weight * units, 2)
    return score, reasons


def narrow_signals(session: Session, on: date) -> dict[int, dict[str, float]]:
    """Per certificate id, the signals that name few certificates: a clone flag, open
    reports, scans while not valid (signal -> raw count: flags, reports, scans)."""
    signals: dict[int, dict[str, float]] = {}
    numbers = {flag.certificate_no for flag in flagged(session, on)}
    if numbers:
        for cid in session.execute(select(Certificate.id).where(Certificate.certificate_no.in_(numbers))).scalars():
            signals.setdefault(cid, {})["clone_flag"] = 1
    for cid, count in _open_reports(session).items():
        signals.setdefault(cid, {})["open_reports"] = count
    for cid, scans in _scans_while_not_valid(session, on).items():
        signals.setdefault(cid, {})["scanned_not_valid"] = scans
    for cid, provinces in scans_outside_holder_provinces(session, on).items():
        signals.setdefault(cid, {})["scans_outside_holder_provinces"] = len(provinces)
    return signals


_HABITS: KeptOne[dict[int, frozenset[str]]] = KeptOne()  # per database, week and registry state


def holder_provinces(session: Session, week: date) -> dict[int, frozenset[str]]:
    """Per holder, the provinces its certificates were scanned in over the ``HABIT_DAYS``
    before ``week``. Those days' counts no longer change (scans are counted on the day), so the
    answer is kept until the day or the registry moves: one scan of the window a day."""
    def work_out() -> dict[int, frozenset[str]]:
        habits: dict[int, set[str]] = {}
        for holder_id, province in session.execute(
                select(Certificate.holder_id, ScanCount.province).distinct()
                .join(Certificate, Certificate.id == ScanCount.certificate_id)
                .where(ScanCount.province != "", ScanCount.day > week - timedelta(days=HABIT_DAYS),
                       ScanCount.day <= week)):
            habits.setdefault(holder_id, set()).add(province)
        return {holder: frozenset(provinces) for holder, provinces in habits.items()}

    return _HABITS.get((str(session.get_bind().url), week, *registry_state(session)), work_out)


def scans_outside_holder_provinces(session: Session, on: date) -> dict[int, list[str]]:
    """Per certificate, the provinces where it was scanned ``SPIKE_MINIMUM`` times or more in
    the last ``SPIKE_DAYS`` days and where its holder's certificates were not scanned at all
    in the ``HABIT_DAYS`` before (a holder with no such history has no habit to break)."""
    week = on - timedelta(days=SPIKE_DAYS)
    recent = session.execute(
        select(ScanCount.certificate_id, Certificate.holder_id, ScanCount.province)
        .join(Certificate, Certificate.id == ScanCount.certificate_id)
        .where(ScanCount.province != "", ScanCount.day > week, ScanCount.day <= on)
        .group_by(ScanCount.certificate_id, Certificate.holder_id, ScanCount.province)
        .having(func.sum(ScanCount.count) >= SPIKE_MINIMUM)).all()
    if not recent:
        return {}
    habits = holder_provinces(session, week)
    outside: dict[int, list[str]] = {}
    for cid, holder_id, province in recent:
        if habits.get(holder_id) and province not in habits[holder_id]:
            outside.setdefault(cid, []).append(province)
    return outside


def ranked_certificates(session: Session, on: date | None = None, limit: int = 100,
                        where: ColumnElement[bool] | None = None, province: str | None = None) -> list[Target]:
    """The certificates with any signal, highest score first (ties: the older certificate);
    only those matching ``where`` (a condition on ``Certificate``: a category, a brand) and
    scanned or reported in ``province``, when given.

    Scores are summed over ids alone; only the ``limit`` ranked first are read in full, so a
    broad signal (a mark code shared by tens of thousands) costs a set, not a query of them."""
    on = on or today()
    signals = narrow_signals(session, on)
    for cid in shared_mark_ids(session):
        signals.setdefault(cid, {})["shared_mark"] = 1
    violations = violations_by_holder(session)
    if violations:
        for cid, holder_id in session.execute(select(Certificate.id, Certificate.holder_id)
                                              .where(Certificate.holder_id.in_(violations))).all():
            signals.setdefault(cid, {})["holder_violations"] = violations[holder_id]
    ranked = [Target(cid, "", 0, "", *scored(found)) for cid, found in signals.items()]
    ranked.sort(key=lambda t: (-t.score, t.certificate_id))
    top = _kept(session, ranked, limit, where, province, on) if where is not None or province else ranked[:limit]
    if top:
        rows = {cid: rest for cid, *rest in session.execute(
            select(Certificate.id, Certificate.certificate_no, Certificate.holder_id, Certificate.holder_name)
            .where(Certificate.id.in_([t.certificate_id for t in top])))}
        for target in top:
            target.certificate_no, target.holder_id, target.holder_name = rows[target.certificate_id]
    return top


def _kept(session: Session, ranked: list[Target], limit: int, where: ColumnElement[bool] | None,
          province: str | None, on: date) -> list[Target]:
    """The first ``limit`` of ``ranked`` that pass the filters. A province is one set (the
    certificates scanned or reported there), read once; a condition on the certificate is
    asked a chunk at a time in rank order: the filters read the few candidates, never the
    whole registry."""
    if province:
        present = _scanned_in(session, province, on) | _reported_in(session, province)
        ranked = [t for t in ranked if t.certificate_id in present]
    if where is None:
        return ranked[:limit]
    kept: list[Target] = []
    for start in range(0, len(ranked), CHUNK):
        chunk = ranked[start:start + CHUNK]
        passing = set(session.execute(select(Certificate.id).where(
            Certificate.id.in_([t.certificate_id for t in chunk]), where)).scalars())
        kept += [t for t in chunk if t.certificate_id in passing]
        if len(kept) >= limit:
            break
    return kept[:limit]


def _scanned_in(session: Session, province: str, on: date) -> set[int]:
    return set(session.execute(select(ScanCount.certificate_id).distinct().where(
        ScanCount.province == province, ScanCount.day > on - timedelta(days=PROVINCE_DAYS),
        ScanCount.day <= on)).scalars())


def _reported_in(session: Session, province: str) -> set[int]:
    codes = session.execute(select(CitizenReport.code).where(CitizenReport.state.in_(OPEN_REPORT_STATES),
                                                             CitizenReport.province == province)).scalars()
    numbers = {canonical_certificate_no(code) for code in codes}
    if not numbers:
        return set()
    return set(session.execute(select(Certificate.id).where(Certificate.certificate_no.in_(numbers))).scalars())


_SHARED: KeptOne[frozenset[int]] = KeptOne()  # per database and registry state: the grouping scans every row


def shared_mark_ids(session: Session) -> frozenset[int]:
    """Certificates whose mark code another certificate carries too; computed again only when
    the registry has changed (a new or updated certificate moves the key)."""
    return _SHARED.get((str(session.get_bind().url), *registry_state(session)),
                       lambda: frozenset(_shared_marks(session)))


def registry_state(session: Session) -> tuple:
    """The newest certificate id and change: a new or updated certificate moves them. Asked
    one at a time, each is read from its index's end (together, SQLite scans every row)."""
    return (session.execute(select(func.max(Certificate.id))).scalar_one(),
            session.execute(select(func.max(Certificate.updated_at))).scalar_one())


_REPORTS: KeptOne[dict[int, int]] = KeptOne()  # per database, reports' and registry's state


def _open_reports(session: Session) -> dict[int, int]:
    """Open reports by certificate id. The codes are as people typed them, each read as a
    number in Python, so the answer is kept until a report or the registry moves."""
    key = (str(session.get_bind().url), *registry_state(session),
           *session.execute(select(func.max(CitizenReport.id), func.max(CitizenReport.updated_at))).one())
    return _REPORTS.get(key, lambda: _count_open_reports(session))


def _count_open_reports(session: Session) -> dict[int, int]:
    codes = session.execute(select(CitizenReport.code, func.count()).where(CitizenReport.state.in_(OPEN_REPORT_STATES))
                            .group_by(CitizenReport.code))
    wanted: dict[str, int] = {}
    for code, count in codes:
        number = canonical_certificate_no(code)
        wanted[number] = wanted.get(number, 0) + count
    if not wanted:
        return {}
    found = session.execute(select(Certificate.certificate_no, Certificate.id)
                            .where(Certificate.certificate_no.in_(wanted))).all()
    return {cid: wanted[number] for number, cid in found}


def scans_while_not_valid(on: date, by: ColumnElement) -> Select:
    """Scans of the last ``RECENT_DAYS`` days, summed by ``by``, of certificates that were
    expired, suspended, revoked or withdrawn on the day of the scan."""
    ended = or_(Certificate.admin_status != AdminStatus.VALID, Certificate.expires_on < ScanCount.day)
    return (select(by, func.sum(ScanCount.count)).join(Certificate, Certificate.id == ScanCount.certificate_id)
            .where(ScanCount.day > on - timedelta(days=RECENT_DAYS), ScanCount.day <= on, ended).group_by(by))


def _scans_while_not_valid(session: Session, on: date) -> dict[int, int]:
    rows = session.execute(scans_while_not_valid(on, ScanCount.certificate_id).where(ScanCount.province == ""))
    return {cid: int(total) for cid, total in rows}


def _shared_marks(session: Session) -> list[int]:
    shared = (select(Certificate.mark_code).where(Certificate.mark_code.is_not(None), Certificate.mark_code != "")
              .group_by(Certificate.mark_code).having(func.count() > 1).subquery())
    return list(session.execute(select(Certificate.id).where(Certificate.mark_code.in_(select(shared.c.mark_code))))
                .scalars())


def violations_by_holder(session: Session) -> dict[int, int]:
    rows = session.execute(select(Organisation.id, func.count())
                           .join(Violation, Violation.tax_code == Organisation.tax_code)
                           .group_by(Organisation.id)).all()
    return {holder_id: count for holder_id, count in rows}

"""Public enforcement statistics: certificates by status and year, notices by month and
province, sanctions by month, and the methods seen.

The certificate counts read every row, so the figures are kept per registry state (the
newest certificate id and change, the newest notice, and the day, since statuses expire)
and worked out again only when one of those moves: the page costs a small query, not a scan.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import extract, func, select
from sqlmodel import Session

from registry.clock import today
from registry.conclusions import conclusions_of_notices, methods_seen
from registry.kept import KeptOne
from registry.models import Certificate
from registry.oversight_models import Violation
from registry.risk import registry_state
from registry.status import status_column

UNKNOWN_PROVINCE = ""  # a notice published without a conclusion names no province


@dataclass(frozen=True)
class Statistics:
    on: date
    by_status: dict[str, int]  # effective status -> certificates
    by_year: list[tuple[int, dict[str, int]]]  # year issued -> status -> certificates
    notices_by_month: list[tuple[str, int]]  # "2026-11" -> notices published about that month
    notices_by_province: list[tuple[str, int]]
    sanctions_by_month: list[tuple[str, dict[str, int]]]  # month -> sanction -> conclusions
    fines_vnd: int
    methods: list[tuple[str, int]]


_KEPT: KeptOne[Statistics] = KeptOne()


def statistics(session: Session) -> Statistics:
    on = today()
    key = (str(session.get_bind().url), on, *registry_state(session),
           session.execute(select(func.max(Violation.id))).scalar_one())
    return _KEPT.get(key, lambda: _work_out(session, on))


def _work_out(session: Session, on: date) -> Statistics:
    status, year = status_column(on), extract("year", Certificate.issued_on)
    by_year: dict[int, dict[str, int]] = {}
    by_status: Counter[str] = Counter()
    for issued, code, count in session.execute(select(year, status, func.count()).group_by(year, status)):
        by_year.setdefault(int(issued), {})[code] = count
        by_status[code] += count
    notices = session.execute(select(Violation.id, Violation.decision_on)).all()
    behind = conclusions_of_notices(session, [n.id for n in notices])
    months, provinces, sanctions, fines = Counter(), Counter(), {}, 0
    for notice_id, day in notices:
        month = day.strftime("%Y-%m")
        months[month] += 1
        conclusion = behind.get(notice_id)
        provinces[(conclusion.province if conclusion else None) or UNKNOWN_PROVINCE] += 1
        if conclusion:
            fines += conclusion.fine_vnd or 0
            for sanction in conclusion.sanctions:
                sanctions.setdefault(month, Counter())[sanction] += 1
    return Statistics(
        on=on, by_status=dict(by_status.most_common()), by_year=sorted(by_year.items()),
        notices_by_month=sorted(months.items()), notices_by_province=provinces.most_common(),
        sanctions_by_month=sorted((m, dict(c)) for m, c in sanctions.items()), fines_vnd=fines,
        methods=methods_seen(session),
    )

"""How far a plan has got: its targets checked, by team and by province, and what was found.

A target shop counts as done when an inspection of the plan names the same shop in the same
province (case and spacing aside); a target certificate when an inspection of the plan lists
its number among the codes checked. Inspections of shops the plan did not name still count
as inspections, and their findings too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session

from registry.codes import canonical_certificate_no
from registry.enforcement_models import Conclusion, InspectionPlan
from registry.plans import NO_TEAM, plan_inspections, shop_key
from registry.vocabulary import Finding


@dataclass
class Tally:
    """One row of progress: a team's, a province's, or the plan's in all."""

    key: str
    target_shops: int = 0
    shops_done: int = 0
    inspections: int = 0
    with_findings: int = 0  # inspections that found something other than conforming devices


@dataclass
class Progress:
    total: Tally
    by_team: list[Tally]
    by_province: list[Tally]
    target_certificates: int
    certificates_checked: int
    certificates_left: list[str]
    findings: dict[str, int]
    conclusions: int
    fines_vnd: int
    shops_left: list[dict] = field(default_factory=list)


def plan_progress(session: Session, plan: InspectionPlan) -> Progress:
    inspections = plan_inspections(session, plan.id)
    done_shops = {shop_key(i.shop_name, i.province) for i in inspections}
    checked = {canonical_certificate_no(code) for i in inspections for code in i.codes}
    total, teams, provinces = Tally("all"), {t: Tally(t) for t in plan.teams}, {}

    def rows_of(team: str | None, province: str) -> list[Tally]:
        team_row = teams.setdefault(team or NO_TEAM, Tally(team or NO_TEAM))
        province_row = provinces.setdefault(province, Tally(province))
        return [total, team_row, province_row]

    shops_left = []
    for shop in plan.target_shops:
        done = shop_key(shop["name"], shop["province"]) in done_shops
        for tally in rows_of(shop.get("team"), shop["province"]):
            tally.target_shops += 1
            tally.shops_done += done
        if not done:
            shops_left.append(shop)
    for inspection in inspections:
        for tally in rows_of(inspection.team, inspection.province):
            tally.inspections += 1
            tally.with_findings += inspection.finding != Finding.CONFORMING
    conclusions, fines = session.execute(select(func.count(), func.coalesce(func.sum(Conclusion.fine_vnd), 0))
                                         .where(Conclusion.plan_id == plan.id)).one()
    return Progress(
        total=total,
        by_team=sorted((t for t in teams.values() if t.key or t.inspections or t.target_shops), key=lambda t: t.key),
        by_province=sorted(provinces.values(), key=lambda t: t.key),
        target_certificates=len(plan.target_certificates),
        certificates_checked=sum(1 for n in plan.target_certificates if n in checked),
        certificates_left=[n for n in plan.target_certificates if n not in checked],
        findings=dict(Counter(i.finding for i in inspections).most_common()),
        conclusions=int(conclusions), fines_vnd=int(fines), shops_left=shops_left,
    )

"""Inspection plans: what an admin sets out to inspect, by whom, and how far it has got.

A plan names a period, a scope (provinces, device categories, brands, holders), its targets
(shops, each perhaps given to a team, and certificates) and the teams that carry it out.
Inspections recorded against it (``Inspection.plan_id``) make its progress; inspectors see
the plans of their team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from registry.access import Staff, audit
from registry.clock import utcnow
from registry.codes import canonical_certificate_no
from registry.enforcement_models import InspectionPlan
from registry.errors import NotFound, Refused
from registry.models import Certificate
from registry.oversight_models import Inspection

MAX_TARGETS = 2000  # shops or certificates in one plan: a plan is a month's work, not the registry
NO_TEAM = ""


class PlanRefused(Refused):
    """A plan, or a change to one, that cannot be made as asked."""


@dataclass
class ShopTarget:
    name: str
    address: str
    province: str
    team: str = NO_TEAM

    def key(self) -> tuple[str, str]:
        return shop_key(self.name, self.province)


@dataclass
class PlanInput:
    name: str
    starts_on: date
    ends_on: date
    teams: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    holders: list[str] = field(default_factory=list)
    shops: list[ShopTarget] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)

    def check(self) -> None:
        if not self.name.strip():
            raise PlanRefused("required: name")
        if self.ends_on < self.starts_on:
            raise PlanRefused("the plan ends before it starts")
        if not [t for t in self.teams if t.strip()]:
            raise PlanRefused("name at least one team that carries the plan out")
        for shop in self.shops:
            if not (shop.name.strip() and shop.province.strip()):
                raise PlanRefused("every target shop needs a name and a province")
            if shop.team and shop.team not in self.teams:
                raise PlanRefused(f"shop {shop.name!r} is given to team {shop.team!r}, which is not in the plan")


def shop_key(name: str, province: str) -> tuple[str, str]:
    """A shop as inspectors write it: case and spacing do not make another shop."""
    return " ".join(name.casefold().split()), " ".join(province.casefold().split())


def _clean(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def create_plan(session: Session, data: PlanInput, staff: Staff) -> InspectionPlan:
    data.check()
    plan = InspectionPlan(
        name=data.name.strip(), starts_on=data.starts_on, ends_on=data.ends_on, teams=_clean(data.teams),
        provinces=_clean(data.provinces), categories=_clean(data.categories), brands=_clean(data.brands),
        holders=_clean(data.holders), created_by=staff.name,
    )
    session.add(plan)
    session.flush()
    add_targets(session, plan, data.shops, data.certificates, staff, action="plan.create")
    return plan


def add_targets(session: Session, plan: InspectionPlan, shops: list[ShopTarget], certificates: list[str], staff: Staff,
                action: str = "plan.targets") -> tuple[int, int]:
    """Add shops and certificates to ``plan`` (those it has already are skipped); every
    certificate must be in the registry. Returns how many of each were new."""
    known = {shop_key(s["name"], s["province"]) for s in plan.target_shops}
    new_shops = [{"name": s.name.strip(), "address": s.address.strip(), "province": s.province.strip(),
                  "team": s.team} for s in shops if s.key() not in known]
    numbers = [canonical_certificate_no(c) for c in certificates if c.strip()]
    new_numbers = [n for n in dict.fromkeys(numbers) if n not in set(plan.target_certificates)]
    if new_numbers:
        found = set(session.execute(select(Certificate.certificate_no)
                                    .where(Certificate.certificate_no.in_(new_numbers))).scalars())
        missing = [n for n in new_numbers if n not in found]
        if missing:
            raise NotFound(f"not in the registry: {', '.join(missing[:5])}")
    if len(plan.target_shops) + len(new_shops) > MAX_TARGETS or \
            len(plan.target_certificates) + len(new_numbers) > MAX_TARGETS:
        raise PlanRefused(f"at most {MAX_TARGETS} shops and {MAX_TARGETS} certificates per plan")
    plan.target_shops = [*plan.target_shops, *new_shops]  # a new list: JSON columns track assignment
    plan.target_certificates = [*plan.target_certificates, *new_numbers]
    plan.updated_at = utcnow()
    session.add(plan)
    session.flush()
    audit(session, staff.name, staff.role, action, f"plan:{plan.id}", None,
          {"name": plan.name, "shops": new_shops, "certificates": new_numbers})
    return len(new_shops), len(new_numbers)


def list_plans(session: Session, staff: Staff) -> list[InspectionPlan]:
    """Admins see every plan; an inspector the plans their team carries out (plans are few:
    filtered here rather than inside a JSON column)."""
    stmt = select(InspectionPlan).order_by(InspectionPlan.starts_on.desc(), InspectionPlan.id.desc())
    return [p for p in session.execute(stmt).scalars() if _may_see(staff, p)]


def _may_see(staff: Staff, plan: InspectionPlan) -> bool:
    return staff.role == "admin" or bool(staff.team and staff.team in plan.teams)


def plan_for(session: Session, plan_id: int, staff: Staff) -> InspectionPlan:
    """The plan, if ``staff`` may see it; else NotFound (another team's plan is not theirs to know)."""
    plan = session.get(InspectionPlan, plan_id)
    if plan is None or not _may_see(staff, plan):
        raise NotFound(f"no plan {plan_id}")
    return plan


def check_inspection_fits(session: Session, plan_id: int, staff: Staff, inspected_on: date) -> None:
    """An inspection recorded against a plan must be one its team may carry out, in its period."""
    plan = plan_for(session, plan_id, staff)
    if not plan.starts_on <= inspected_on <= plan.ends_on:
        raise PlanRefused(f"the inspection date is outside the plan's period "
                          f"({plan.starts_on.isoformat()} to {plan.ends_on.isoformat()})")


def plan_inspections(session: Session, plan_id: int) -> list[Inspection]:
    stmt = select(Inspection).where(Inspection.plan_id == plan_id).order_by(Inspection.inspected_on, Inspection.id)
    return list(session.execute(stmt).scalars())

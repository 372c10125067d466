"""Staff pages of enforcement by plan: plans and their progress, where to look (the ranked
list, turned into a plan's targets with a tick), conclusions, and the yearly report.

Same login, CSRF and registry functions as ``public_site.staff_pages``; an inspector sees
the plans of their team, an admin makes plans, concludes and reads the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, PathParameter, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import select

from public_site.auth import NO_STORE, requires, staff_of, to_login
from public_site.enforcement_api import report_file, scope_clause
from public_site.plugin import AppSettings, Db, DbEngine, Scans
from public_site.rendering import render
from public_site.report_files import WRITERS
from public_site.schemas import MAX_ID
from public_site.staff_pages import FORM, _date, _id, _lines
from registry.clock import today
from registry.conclusions import ConclusionInput, conclude
from registry.enforcement_models import Conclusion
from registry.enforcement_report import enforcement_report, period
from registry.enforcement_terms import FINDINGS, METHODS, SANCTIONS, money
from registry.errors import Refused
from registry.listing_checks import shared_certificates
from registry.plan_progress import plan_progress
from registry.plans import PlanInput, ShopTarget, add_targets, create_plan, list_plans, plan_for
from registry.risk import WEIGHTS, ranked_certificates
from search.categories import CODES as CATEGORIES

PlanId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Day = Annotated[str, QueryParameter(max_length=10)]


@dataclass
class PlanForm:
    name: str = ""
    starts_on: str = ""
    ends_on: str = ""
    teams: str = ""
    provinces: str = ""
    categories: list[str] | str = field(default_factory=list)  # a repeated field: see _listed
    brands: str = ""
    shops: str = ""  # one per line: name | address | province | team


@dataclass
class PickForm:
    plan_id: str = ""
    certificates: list[str] | str = field(default_factory=list)


@dataclass
class ConclusionForm:
    inspection_id: str = ""
    plan_id: str = ""
    organisation_name: str = ""
    tax_code: str = ""
    province: str = ""
    concluded_on: str = ""
    decision_ref: str = ""
    findings: list[str] | str = field(default_factory=list)
    legal_decree: str = ""
    legal_article: str = ""
    sanctions: list[str] | str = field(default_factory=list)
    fine_vnd: str = ""
    certificates: str = ""
    methods: list[str] | str = field(default_factory=list)
    method_note: str = ""
    publish: str = ""


def _shops(text: str) -> list[ShopTarget]:
    """'name | address | province | team', one shop a line (address and team may be empty)."""
    shops = []
    for line in text.splitlines():
        if line.strip():
            parts = [p.strip() for p in line.split("|")] + ["", "", ""]
            shops.append(ShopTarget(parts[0], parts[1], parts[2], parts[3]))
    return shops


def _amount(text: str) -> int | None:
    """'12.500.000' or '12500000' đồng; the registry refuses what is out of range."""
    digits = text.replace(".", "").replace(",", "").replace(" ", "").strip()
    if not digits:
        return None
    if not digits.isdigit() or len(digits) > 15:
        raise ValueError(f"the fine {text.strip()[:20]!r} is not an amount in đồng")
    return int(digits)


def _listed(value: list[str] | str) -> list[str]:
    """A form's repeated field: one value comes as a string, several as a list."""
    return [value] if isinstance(value, str) else list(value)


def _period(period_from: str, period_to: str) -> tuple[date, date]:
    return period(_date(period_from) if period_from else None, _date(period_to) if period_to else None)


class StaffPlanController(Controller):
    path = "/staff"
    include_in_schema = False
    cache_control = NO_STORE
    guards = [requires("inspector")]
    exception_handlers = {NotAuthorizedException: to_login}

    @get("/plans", sync_to_thread=True)
    def plans(self, request: Request, db: Db) -> Template:
        return render(request, "staff/plans.html", plans=list_plans(db, staff_of(request)), today=today())

    @get("/plans/new", guards=[requires("admin")], sync_to_thread=False)
    def plan_form(self, request: Request) -> Template:
        start = today()
        form = PlanForm(starts_on=start.isoformat(), ends_on=date(start.year, 12, 31).isoformat())
        return render(request, "staff/plan_form.html", form=form, categories=CATEGORIES, problem="")

    @post("/plans", guards=[requires("admin")], sync_to_thread=True)
    def create(self, request: Request, db: Db, data: Annotated[PlanForm, FORM]) -> Response:
        try:
            plan = create_plan(db, PlanInput(
                data.name, _date(data.starts_on), _date(data.ends_on), _lines(data.teams), _lines(data.provinces),
                [c for c in _listed(data.categories) if c in CATEGORIES], _lines(data.brands), [],
                _shops(data.shops), []), staff_of(request))
        except ValueError as exc:  # a refusal, or a date that is not one
            db.rollback()
            return render(request, "staff/plan_form.html", status_code=getattr(exc, "status", 400), form=data,
                          categories=CATEGORIES, problem=str(exc))
        db.commit()
        return Redirect(f"/staff/plans/{plan.id}")

    @get("/plans/{plan_id:int}", sync_to_thread=True)
    def plan(self, request: Request, db: Db, plan_id: PlanId) -> Template:
        plan = plan_for(db, plan_id, staff_of(request))
        conclusions = db.execute(select(Conclusion).where(Conclusion.plan_id == plan.id)
                                 .order_by(Conclusion.id.desc())).scalars().all()
        return render(request, "staff/plan.html", plan=plan, progress=plan_progress(db, plan),
                      conclusions=conclusions, findings=FINDINGS, sanctions=SANCTIONS, money=money)

    @get("/targets", sync_to_thread=True)
    def targets(self, request: Request, engine: DbEngine, db: Db, scans: Scans,
                province: Annotated[str, QueryParameter(max_length=100)] = "",
                category: Annotated[str, QueryParameter(max_length=20)] = "") -> Template:
        scans.flush(engine)
        category = category if category in CATEGORIES else ""
        ranked = ranked_certificates(db, limit=100, where=scope_clause(category or None), province=province or None)
        plans = [p for p in list_plans(db, staff_of(request)) if p.ends_on >= today()]
        return render(request, "staff/targets.html", ranked=ranked, province=province, category=category,
                      categories=CATEGORIES, plans=plans, weights=WEIGHTS)

    @get("/listings", sync_to_thread=True)
    def listings(self, request: Request, db: Db,
                 min_shops: Annotated[int, QueryParameter(ge=2, le=10_000)] = 5) -> Template:
        """The numbers marketplace listings share (``registry.listing_checks``), for inspectors."""
        return render(request, "staff/listings.html", shared=shared_certificates(db, min_shops), min_shops=min_shops)

    @post("/targets", guards=[requires("admin")], sync_to_thread=True)
    def pick(self, request: Request, db: Db, data: Annotated[PickForm, FORM]) -> Response:
        """The ticked certificates of the ranked list become targets of the chosen plan."""
        staff = staff_of(request)
        plan_id = _id(data.plan_id)
        if plan_id is None:
            raise Refused("choose the plan to add the certificates to")
        plan = plan_for(db, plan_id, staff)
        add_targets(db, plan, [], _listed(data.certificates), staff)
        db.commit()
        return Redirect(f"/staff/plans/{plan.id}")

    @get("/conclusions/new", guards=[requires("admin")], sync_to_thread=False)
    def conclusion_form(self, request: Request,
                        inspection: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
                        plan: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None) -> Template:
        form = ConclusionForm(inspection_id=str(inspection or ""), plan_id=str(plan or ""),
                              concluded_on=today().isoformat(), publish="1")
        return self._conclusion_page(request, form)

    @post("/conclusions", guards=[requires("admin")], sync_to_thread=True)
    def conclude(self, request: Request, db: Db, data: Annotated[ConclusionForm, FORM]) -> Response:
        try:
            row = conclude(db, ConclusionInput(
                organisation_name=data.organisation_name, decision_ref=data.decision_ref,
                concluded_on=_date(data.concluded_on), findings=_listed(data.findings),
                legal_decree=data.legal_decree, legal_article=data.legal_article,
                sanctions=_listed(data.sanctions), methods=_listed(data.methods), method_note=data.method_note,
                fine_vnd=_amount(data.fine_vnd),
                tax_code=data.tax_code, province=data.province, certificates=_lines(data.certificates),
                plan_id=_id(data.plan_id), inspection_id=_id(data.inspection_id),
                publish=bool(data.publish)), staff_of(request))
        except ValueError as exc:  # a refusal, or a number or date that is not one
            db.rollback()
            return self._conclusion_page(request, data, str(exc), getattr(exc, "status", 400))
        db.commit()
        return Redirect(f"/staff/plans/{row.plan_id}" if row.plan_id else "/violations")

    @staticmethod
    def _conclusion_page(request: Request, form: ConclusionForm, problem: str = "", status_code: int = 200
                         ) -> Template:
        return render(request, "staff/conclusion_form.html", status_code=status_code, form=form, problem=problem,
                      findings=FINDINGS, sanctions=SANCTIONS, methods=METHODS)

    @get("/reports/enforcement", guards=[requires("admin")], sync_to_thread=True)
    def report(self, request: Request, db: Db, settings: AppSettings, period_from: Annotated[
               str, QueryParameter(name="from", max_length=10)] = "",
               period_to: Annotated[str, QueryParameter(name="to", max_length=10)] = "") -> Template:
        try:
            start, end = _period(period_from, period_to)
            report, problem = enforcement_report(db, start, end, settings.issuing_unit), ""
        except ValueError as exc:  # a refusal (a period too long), or a date that is not one
            start, end = _period("", "")
            report, problem = enforcement_report(db, start, end, settings.issuing_unit), str(exc)
        return render(request, "staff/enforcement_report.html", report=report, problem=problem)

    @get("/reports/enforcement/download/{file_format:str}", guards=[requires("admin")], sync_to_thread=True)
    def report_file(self, db: Db, settings: AppSettings, file_format: FromPath[str],
                    period_from: Annotated[str, QueryParameter(name="from", max_length=10)] = "",
                    period_to: Annotated[str, QueryParameter(name="to", max_length=10)] = "") -> Response[bytes]:
        if file_format not in WRITERS:
            raise Refused("ask for xlsx, csv or pdf")
        start, end = _period(period_from, period_to)
        return report_file(enforcement_report(db, start, end, settings.issuing_unit), file_format)

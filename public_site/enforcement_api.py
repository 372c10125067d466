"""The staff API of enforcement by plan: where to look, plans and their progress,
conclusions, and the report to the steering committee.

Inspectors read the ranked targets and their team's plans; admins make plans, add targets,
conclude and publish, and read the report. Every change writes an audit entry (the registry
functions do it), exactly as the staff pages do.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from sqlalchemy import ColumnElement, select
from sqlmodel import Session

from public_site.auth import NO_STORE, requires, staff_of
from public_site.enforcement_schemas import (
    ConclusionBody,
    ConclusionOut,
    EnforcementReportOut,
    FromRankingBody,
    PlanBody,
    PlanOut,
    ProgressOut,
    TargetsBody,
)
from public_site.plugin import AppSettings, Db, DbEngine, Scans
from public_site.report_files import MEDIA_TYPES, WRITERS
from public_site.schemas import MAX_ID, problems, typed
from public_site.staff_schemas import RiskArea, RiskTarget
from registry.access import Staff
from registry.conclusions import ConclusionInput, conclude, publish_conclusion
from registry.enforcement_models import Conclusion, InspectionPlan
from registry.enforcement_report import EnforcementReport, enforcement_report, period
from registry.errors import NotFound
from registry.plan_progress import plan_progress
from registry.plans import PlanInput, ShopTarget, add_targets, create_plan, list_plans, plan_for
from registry.risk import ranked_certificates
from registry.risk_areas import ranked_holders, ranked_provinces
from search.categories import Category, category_clause

PlanId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Province = Annotated[str | None, QueryParameter(max_length=100)]
PeriodFrom = Annotated[date | None, QueryParameter(name="from", description="first day; default: 1 January")]
PeriodTo = Annotated[date | None, QueryParameter(name="to", description="last day; default: today")]


def scope_clause(category: str | None) -> ColumnElement[bool] | None:
    return category_clause(category) if category else None


def plan_out(plan: InspectionPlan) -> PlanOut:
    return typed(plan, PlanOut, from_attributes=True)


def progress_out(db: Session, plan: InspectionPlan) -> ProgressOut:
    progress = asdict(plan_progress(db, plan))
    return typed({**progress, "plan": msgspec.structs.asdict(plan_out(plan))}, ProgressOut)


def add_from_ranking(db: Session, plan: InspectionPlan, data: FromRankingBody, staff: Staff) -> None:
    """The ranked list, filtered, turned into the plan's targets and scope in one step."""
    ranked = ranked_certificates(db, limit=data.limit, where=scope_clause(data.category), province=data.province)
    add_targets(db, plan, [], [t.certificate_no for t in ranked], staff, action="plan.targets.ranked")
    if data.province and data.province not in plan.provinces:
        plan.provinces = [*plan.provinces, data.province]
    if data.category and data.category not in plan.categories:
        plan.categories = [*plan.categories, data.category]
    db.add(plan)


class EnforcementApiController(Controller):
    path = "/api/v1"
    tags = ["staff"]
    security = [{"BearerToken": []}]
    cache_control = NO_STORE

    @get("/targets", guards=[requires("inspector")], sync_to_thread=True, operation_id="riskTargets",
         responses=problems(400, 401, 403))
    def targets(self, engine: DbEngine, db: Db, scans: Scans,
                limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100, province: Province = None,
                category: FromQuery[Category | None] = None) -> list[RiskTarget]:
        """Certificates worth an inspector's day, highest score first, each with its reasons
        (the weights: docs/inspectors-and-admins.md); ``province``: scanned or reported there
        lately; ``category``: of that kind of device."""
        scans.flush(engine)
        ranked = ranked_certificates(db, limit=limit, where=scope_clause(category), province=province)
        return typed(ranked, list[RiskTarget], from_attributes=True)

    @get("/targets/holders", guards=[requires("inspector")], sync_to_thread=True, operation_id="riskHolders",
         responses=problems(400, 401, 403))
    def target_holders(self, engine: DbEngine, db: Db, scans: Scans,
                       limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 50) -> list[RiskArea]:
        """Holders worth inspecting: their certificates' signals and their violations, added up."""
        scans.flush(engine)
        return typed(ranked_holders(db, limit=limit), list[RiskArea], from_attributes=True)

    @get("/targets/provinces", guards=[requires("inspector")], sync_to_thread=True, operation_id="riskProvinces",
         responses=problems(401, 403))
    def target_provinces(self, engine: DbEngine, db: Db, scans: Scans) -> list[RiskArea]:
        """Provinces worth inspecting: what was scanned, reported and found there."""
        scans.flush(engine)
        return typed(ranked_provinces(db), list[RiskArea], from_attributes=True)

    @get("/plans", guards=[requires("inspector")], sync_to_thread=True, operation_id="listPlans",
         responses=problems(401, 403))
    def plans(self, request: Request, db: Db) -> list[PlanOut]:
        """Every plan (admins), or the plans of the caller's team, newest first."""
        return [plan_out(p) for p in list_plans(db, staff_of(request))]

    @post("/plans", guards=[requires("admin")], sync_to_thread=True, operation_id="createPlan",
          responses=problems(400, 401, 403, 404))
    def create(self, request: Request, db: Db, data: JSONBody[PlanBody]) -> PlanOut:
        """Make an inspection plan: period, scope, targets and the teams that carry it out."""
        shops = [ShopTarget(s.name, s.address, s.province, s.team) for s in data.shops]
        plan = create_plan(db, PlanInput(data.name, data.starts_on, data.ends_on, data.teams, data.provinces,
                                         list(data.categories), data.brands, data.holders, shops,
                                         data.certificates), staff_of(request))
        db.commit()
        return plan_out(plan)

    @get("/plans/{plan_id:int}", guards=[requires("inspector")], sync_to_thread=True, operation_id="planProgress",
         responses=problems(400, 401, 403, 404))
    def progress(self, request: Request, db: Db, plan_id: PlanId) -> ProgressOut:
        """The plan with its progress against target, by team and province, and its findings."""
        return progress_out(db, plan_for(db, plan_id, staff_of(request)))

    @post("/plans/{plan_id:int}/targets", guards=[requires("admin")], sync_to_thread=True,
          operation_id="addPlanTargets", status_code=200, responses=problems(400, 401, 403, 404))
    def add(self, request: Request, db: Db, plan_id: PlanId, data: JSONBody[TargetsBody]) -> PlanOut:
        """Add shops and certificates to a plan (those it has already are skipped)."""
        staff = staff_of(request)
        plan = plan_for(db, plan_id, staff)
        add_targets(db, plan, [ShopTarget(s.name, s.address, s.province, s.team) for s in data.shops],
                    data.certificates, staff)
        db.commit()
        return plan_out(plan)

    @post("/plans/{plan_id:int}/targets/from-ranking", guards=[requires("admin")], sync_to_thread=True,
          operation_id="addRankedTargets", status_code=200, responses=problems(400, 401, 403, 404))
    def add_ranked(self, request: Request, engine: DbEngine, db: Db, scans: Scans, plan_id: PlanId,
                   data: JSONBody[FromRankingBody]) -> PlanOut:
        """Turn the ranked list (filtered by province and category) into the plan's targets and
        scope in one step."""
        scans.flush(engine)
        staff = staff_of(request)
        plan = plan_for(db, plan_id, staff)
        add_from_ranking(db, plan, data, staff)
        db.commit()
        return plan_out(plan)

    @get("/conclusions", guards=[requires("inspector")], sync_to_thread=True, operation_id="listConclusions",
         responses=problems(400, 401, 403, 404))
    def conclusions(self, request: Request, db: Db,
                    plan_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None) -> list[ConclusionOut]:
        """Conclusions, newest first: of one plan the caller may see, or (admins) all of them."""
        stmt = select(Conclusion).order_by(Conclusion.concluded_on.desc(), Conclusion.id.desc()).limit(1000)
        staff = staff_of(request)
        if plan_id is not None:
            stmt = stmt.where(Conclusion.plan_id == plan_for(db, plan_id, staff).id)
        elif staff.role != "admin":
            raise NotFound("name the plan (plan_id) whose conclusions you want")
        return typed(list(db.execute(stmt).scalars()), list[ConclusionOut], from_attributes=True)

    @post("/conclusions", guards=[requires("admin")], sync_to_thread=True, operation_id="recordConclusion",
          responses=problems(400, 401, 403, 404, 409))
    def conclude(self, request: Request, db: Db, data: JSONBody[ConclusionBody]) -> ConclusionOut:
        """Conclude an inspection or a plan; a certificate sanction applies as a status decision,
        and ``publish`` makes the public notice on /violations at once."""
        fields = msgspec.structs.asdict(data)
        row = conclude(db, ConclusionInput(**{**fields, "findings": list(data.findings),
                                              "sanctions": list(data.sanctions), "methods": list(data.methods)}),
                       staff_of(request))
        db.commit()
        return typed(row, ConclusionOut, from_attributes=True)

    @post("/conclusions/{conclusion_id:int}/publish", guards=[requires("admin")], sync_to_thread=True,
          operation_id="publishConclusion", status_code=200, responses=problems(400, 401, 403, 404, 409))
    def publish(self, request: Request, db: Db,
                conclusion_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)]) -> ConclusionOut:
        """Publish a conclusion kept back: its notice appears on /violations."""
        row = db.get(Conclusion, conclusion_id)
        if row is None:
            raise NotFound(f"no conclusion {conclusion_id}")
        publish_conclusion(db, row, staff_of(request))
        db.commit()
        return typed(row, ConclusionOut, from_attributes=True)

    @get("/reports/enforcement", guards=[requires("admin")], sync_to_thread=True, operation_id="enforcementReport",
         responses=problems(400, 401, 403))
    def report(self, db: Db, settings: AppSettings, period_from: PeriodFrom = None, period_to: PeriodTo = None
               ) -> EnforcementReportOut:
        """The report to the steering committee for a period (default: this year so far); the
        same as a file: ``/reports/enforcement.xlsx``, ``.csv``, ``.pdf``."""
        return typed(_report(db, settings, period_from, period_to), EnforcementReportOut, from_attributes=True)

    @get("/reports/enforcement.xlsx", guards=[requires("admin")], sync_to_thread=True, operation_id="enforcementXlsx",
         media_type=MEDIA_TYPES["xlsx"], responses=problems(400, 401, 403))
    def report_xlsx(self, db: Db, settings: AppSettings, period_from: PeriodFrom = None,
                    period_to: PeriodTo = None) -> Response[bytes]:
        """The report as XLSX: dates as date cells, counts and amounts as numbers."""
        return report_file(_report(db, settings, period_from, period_to), "xlsx")

    @get("/reports/enforcement.csv", guards=[requires("admin")], sync_to_thread=True, operation_id="enforcementCsv",
         media_type=MEDIA_TYPES["csv"], responses=problems(400, 401, 403))
    def report_csv(self, db: Db, settings: AppSettings, period_from: PeriodFrom = None,
                   period_to: PeriodTo = None) -> Response[bytes]:
        """The report as CSV (UTF-8 with a byte-order mark)."""
        return report_file(_report(db, settings, period_from, period_to), "csv")

    @get("/reports/enforcement.pdf", guards=[requires("admin")], sync_to_thread=True, operation_id="enforcementPdf",
         media_type=MEDIA_TYPES["pdf"], responses=problems(400, 401, 403))
    def report_pdf(self, db: Db, settings: AppSettings, period_from: PeriodFrom = None,
                   period_to: PeriodTo = None) -> Response[bytes]:
        """The report as PDF, to print and sign."""
        return report_file(_report(db, settings, period_from, period_to), "pdf")


def _report(db: Session, settings, period_from: date | None, period_to: date | None) -> EnforcementReport:
    return enforcement_report(db, *period(period_from, period_to), settings.issuing_unit)


def report_file(report: EnforcementReport, file_format: str) -> Response[bytes]:
    """The report written as ``file_format``, to download under a name that says its period."""
    name = f"enforcement-{report.period_from.isoformat()}-{report.period_to.isoformat()}.{file_format}"
    return Response(WRITERS[file_format](report), media_type=MEDIA_TYPES[file_format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

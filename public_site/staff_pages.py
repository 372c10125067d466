"""Pages for inspectors and admins, behind a token login and a session cookie.

Forms post with the CSRF token Litestar puts in ``csrf_input``; every change goes through
the same registry functions as the staff API, so both write the same audit entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import Body, FromPath, PathParameter, QueryParameter
from litestar.response import File, Redirect, Template
from sqlalchemy import Engine
from sqlmodel import Session

from public_site.auth import NO_STORE, SESSION_COOKIE, requires, session_cookie, staff_of, to_login
from public_site.plugin import AppSettings, Db, DbEngine, Scans
from public_site.rendering import render
from public_site.schemas import MAX_ID
from public_site.staff_api import certificate_or_404
from registry.access import Staff, audit_entries, close_session, open_session, staff_for_secret
from registry.clock import today
from registry.codes import canonical_certificate_no
from registry.decisions import DecisionInput, decide
from registry.errors import Refused
from registry.inspections import MAX_PHOTOS, InspectionInput, InspectionRefused, record_inspection, visible_inspections
from registry.oversight_models import FINDINGS, REPORT_STATES
from registry.ownership import Transfer, transfer
from registry.photo_access import discard_photos, may_see_photo
from registry.photos import check_and_store, stored_path
from registry.plans import list_plans
from registry.reports import list_reports, triage
from registry.reviews import pending_count
from registry.scans import flagged
from registry.violations import ViolationInput, publish_violation

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
MULTIPART = Body(media_type=RequestEncodingType.MULTI_PART)


@dataclass
class LoginForm:
    token: str = ""
    next: str = "/staff"


@dataclass
class InspectionForm:
    shop_name: str = ""
    address: str = ""
    province: str = ""
    inspected_on: str = ""
    codes: str = ""
    finding: str = ""
    notes: str = ""
    # a browser sends an empty part (filename "") when no photo is chosen: it arrives as a string
    photos: list[Any] = field(default_factory=list)  # UploadFile parts, or "" (see above); filtered in record()
    plan_id: str = ""  # the plan it carries out, if any


@dataclass
class TransferForm:
    certificate_no: str = ""
    to_source: str = ""
    reason: str = ""


@dataclass
class DecisionForm:
    certificate_no: str = ""
    action: str = ""
    reason: str = ""
    decision_ref: str = ""
    decision_on: str = ""


@dataclass
class ViolationForm:
    organisation_name: str = ""
    tax_code: str = ""
    decision_ref: str = ""
    decision_on: str = ""
    violation: str = ""
    sanction: str = ""
    certificates: str = ""
    models: str = ""


@dataclass
class TriageForm:
    state: str = ""
    note: str = ""


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError("dates are written YYYY-MM-DD") from exc


def _id(text: str) -> int | None:
    """A record id typed or carried in a form: none, or one a database column holds."""
    if not text.strip():
        return None
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_ID:
        raise ValueError(f"{text.strip()[:20]!r} is not a record number")
    return int(text)


def _safe_next(target: str) -> str:
    """Only our own staff pages: never an open redirect."""
    return target if target.startswith("/staff") and not target.startswith("//") else "/staff"


class StaffLoginController(Controller):
    path = "/staff"
    include_in_schema = False
    cache_control = NO_STORE

    @get("/login", sync_to_thread=False)
    def login_form(self, request: Request, next: Annotated[str, QueryParameter(max_length=200)] = "/staff") -> Template:
        return render(request, "staff/login.html", next=_safe_next(next), problem="")

    @post("/login", sync_to_thread=True)
    def login(self, request: Request, db: Db, settings: AppSettings, data: Annotated[LoginForm, FORM]) -> Response:
        staff = staff_for_secret(db, data.token.strip())
        if staff is None or staff.role == "importer":
            return render(
                request,
                "staff/login.html",
                status_code=401,
                next=_safe_next(data.next),
                problem="This token is unknown, revoked, or not an inspector's or admin's.",
            )
        cookie = open_session(db, staff)
        db.commit()
        return Redirect(_safe_next(data.next), cookies=[session_cookie(request, cookie, settings.secure_cookies)])

    @post("/logout", sync_to_thread=True)
    def logout(self, request: Request, db: Db) -> Redirect:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            close_session(db, cookie)
            db.commit()
        response = Redirect("/staff/login")
        response.delete_cookie(SESSION_COOKIE, path="/staff")
        return response


class StaffPageController(Controller):
    path = "/staff"
    include_in_schema = False
    cache_control = NO_STORE  # staff pages and photos stay out of every cache
    guards = [requires("inspector")]
    exception_handlers = {NotAuthorizedException: to_login}

    @get("/", sync_to_thread=True)
    def dashboard(self, request: Request, engine: DbEngine, db: Db, scans: Scans) -> Template:
        scans.flush(engine)
        staff = staff_of(request)
        return render(
            request,
            "staff/dashboard.html",
            staff=staff,
            flags=flagged(db),
            reports=list_reports(db, "new", limit=20),
            inspections=visible_inspections(db, staff, limit=20),
            waiting_reviews=pending_count(db) if staff.role == "admin" else 0,
        )

    @get("/inspections/new", sync_to_thread=True)
    def inspection_form(self, request: Request, db: Db, code: Annotated[str, QueryParameter(max_length=120)] = "",
                        plan: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
                        shop: Annotated[str, QueryParameter(max_length=300)] = "",
                        address: Annotated[str, QueryParameter(max_length=500)] = "",
                        province: Annotated[str, QueryParameter(max_length=100)] = "") -> Template:
        """The form, filled from a plan's page when an inspector picks one of its targets."""
        form = InspectionForm(codes=code, inspected_on=today().isoformat(), plan_id=str(plan or ""),
                              shop_name=shop, address=address, province=province)
        plans = [p for p in list_plans(db, staff_of(request)) if p.starts_on <= today() <= p.ends_on]
        return self._inspection_page(request, form, plans=plans)

    @post("/inspections", request_max_body_size=(MAX_PHOTOS * 8 + 1) * 1024 * 1024)
    async def record(self, request: Request, engine: DbEngine, settings: AppSettings,
                     data: Annotated[InspectionForm, MULTIPART]) -> Response:
        photos = data.photos if isinstance(data.photos, list) else [data.photos]
        photos = [p for p in photos if isinstance(p, UploadFile) and p.filename]
        names: list[str] = []
        try:
            if len(photos) > MAX_PHOTOS:
                raise InspectionRefused(f"at most {MAX_PHOTOS} photos per inspection")
            folder = settings.photo_dir
            for photo in photos:
                names.append(await anyio.to_thread.run_sync(check_and_store, await photo.read(), folder))
            form = InspectionInput(
                data.shop_name,
                data.address,
                data.province,
                _date(data.inspected_on),
                _lines(data.codes),
                data.finding,
                data.notes,
                names,
                _id(data.plan_id),
            )
            await anyio.to_thread.run_sync(self._save_inspection, engine, staff_of(request), form)
        except ValueError as exc:  # a refusal (registry.errors), or a date that is not one
            if names:
                await anyio.to_thread.run_sync(discard_photos, engine, settings.photo_dir, names)
            return self._inspection_page(request, data, str(exc), status_code=400)
        return Redirect(f"/staff/plans/{data.plan_id}" if data.plan_id.strip() else "/staff/inspections")

    @staticmethod
    def _save_inspection(engine: Engine, staff: Staff, form: InspectionInput) -> None:
        with Session(engine) as session:
            record_inspection(session, form, staff)
            session.commit()

    @staticmethod
    def _inspection_page(request: Request, form: InspectionForm, problem: str = "", status_code: int = 200,
                         plans: list | None = None) -> Template:
        return render(
            request,
            "staff/inspection_form.html",
            status_code=status_code,
            form=form,
            plans=plans,
            findings=FINDINGS,
            problem=problem,
            max_photos=MAX_PHOTOS,
        )

    @get("/inspections", sync_to_thread=True)
    def inspections(self, request: Request, db: Db) -> Template:
        staff = staff_of(request)
        return render(request, "staff/inspections.html", staff=staff, rows=visible_inspections(db, staff))

    @get("/photos/{name:str}", sync_to_thread=True)
    def photo(self, request: Request, db: Db, settings: AppSettings, name: FromPath[str]) -> File:
        """A photo, to whoever may see an inspection or a report that names it (else 404:
        whether a photo exists is none of the others' business)."""
        path = stored_path(settings.photo_dir, name)
        if path is None or not may_see_photo(db, staff_of(request), name):
            raise NotFoundException(detail="no such photo")
        return File(
            path,
            content_disposition_type="inline",
            media_type="image/jpeg" if name.endswith(".jpg") else "image/png",
        )

    @get("/reports", sync_to_thread=True)
    def reports(
        self, request: Request, db: Db,
        report_state: Annotated[str | None, QueryParameter(name="state", max_length=16)] = None,
    ) -> Template:
        rows = list_reports(db, report_state if report_state in REPORT_STATES else None)
        return render(request, "staff/reports.html", rows=rows, states=REPORT_STATES, problem="")

    @post("/reports/{report_id:int}", sync_to_thread=True)
    def triage(self, request: Request, db: Db, report_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)],
               data: Annotated[TriageForm, FORM]) -> Response:
        try:
            triage(db, report_id, data.state, data.note, staff_of(request))
        except LookupError as exc:
            raise NotFoundException(detail=str(exc)) from exc
        except Refused as exc:
            return render(request, "staff/reports.html", status_code=exc.status, rows=list_reports(db),
                          states=REPORT_STATES, problem=str(exc))
        db.commit()
        return Redirect("/staff/reports")

    @get("/decisions/new", guards=[requires("admin")], sync_to_thread=False)
    def decision_form(self, request: Request, no: Annotated[str, QueryParameter(max_length=60)] = "") -> Template:
        return render(request, "staff/decision_form.html", form=DecisionForm(certificate_no=no), problem="")

    @post("/decisions", guards=[requires("admin")], sync_to_thread=True)
    def decide(self, request: Request, db: Db, data: Annotated[DecisionForm, FORM]) -> Response:
        try:
            cert = certificate_or_404(db, data.certificate_no)
            decide(db, cert, DecisionInput(data.action, data.reason, data.decision_ref, _date(data.decision_on)),
                   staff_of(request))
        except (ValueError, NotFoundException) as exc:  # a refusal, a date that is not one, no such number
            detail = getattr(exc, "detail", None) or str(exc)
            return render(request, "staff/decision_form.html", status_code=400, form=data, problem=detail)
        db.commit()
        return Redirect(f"/c/{cert.certificate_no}")

    @get("/transfers/new", guards=[requires("admin")], sync_to_thread=False)
    def transfer_form(self, request: Request, no: Annotated[str, QueryParameter(max_length=60)] = "") -> Template:
        return render(request, "staff/transfer_form.html", form=TransferForm(certificate_no=no), problem="")

    @post("/transfers", guards=[requires("admin")], sync_to_thread=True)
    def transfer(self, request: Request, db: Db, data: Annotated[TransferForm, FORM]) -> Response:
        try:
            transfer(db, Transfer(data.certificate_no, data.to_source, data.reason), staff_of(request))
        except Refused as exc:
            return render(request, "staff/transfer_form.html", status_code=exc.status, form=data, problem=str(exc))
        db.commit()
        return Redirect(f"/c/{canonical_certificate_no(data.certificate_no)}")

    @get("/violations/new", guards=[requires("admin")], sync_to_thread=False)
    def violation_form(self, request: Request) -> Template:
        return render(request, "staff/violation_form.html", form=ViolationForm(), problem="")

    @post("/violations", guards=[requires("admin")], sync_to_thread=True)
    def publish(self, request: Request, db: Db, data: Annotated[ViolationForm, FORM]) -> Response:
        try:
            notice = ViolationInput(data.organisation_name, data.decision_ref, _date(data.decision_on), data.violation,
                                    data.sanction, data.tax_code, _lines(data.certificates), _lines(data.models))
            publish_violation(db, notice, staff_of(request))
        except ValueError as exc:  # a refusal (registry.errors), or a date that is not one
            return render(request, "staff/violation_form.html", status_code=400, form=data, problem=str(exc))
        db.commit()
        return Redirect("/violations")

    @get("/audit", guards=[requires("admin")], sync_to_thread=True)
    def audit(self, request: Request, db: Db,
              before_id: Annotated[int | None, QueryParameter(ge=1)] = None) -> Template:
        return render(request, "staff/audit.html", entries=audit_entries(db, before_id=before_id),
                      as_json=lambda value: json.dumps(value, ensure_ascii=False) if value else "")

"""The privileged JSON API: decisions, inspections, reports, flags, audit, feed uploads.

Every route here has a role guard and writes an audit entry for what it changes. Clients
send ``Authorization: Bearer <token>``; cookies are not accepted here, so there is no CSRF.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from datetime import date
from pathlib import Path, PurePath
from typing import Annotated, Any, Literal

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from public_site.auth import requires, staff_of
from registry.access import audit, audit_entries
from registry.codes import canonical_certificate_no
from registry.decisions import DecisionInput, DecisionRefused, decide, decision_view
from registry.inspections import (
    InspectionInput,
    InspectionRefused,
    inspections_csv,
    record_inspection,
    visible_inspections,
)
from registry.models import Certificate
from registry.reports import ReportRefused, list_reports, triage
from registry.scans import flagged

MAX_FEED_BYTES = 512 * 1024 * 1024


class DecisionBody(msgspec.Struct):
    certificate_no: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    action: Literal["suspend", "revoke", "reinstate"]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    decision_ref: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    decision_on: date


class InspectionBody(msgspec.Struct):
    shop_name: Annotated[str, msgspec.Meta(max_length=300)]
    address: Annotated[str, msgspec.Meta(max_length=500)]
    province: Annotated[str, msgspec.Meta(max_length=100)]
    inspected_on: date
    codes: Annotated[list[str], msgspec.Meta(max_length=50)]
    finding: Literal["conforming", "no_certificate", "mark_misused", "suspected_counterfeit", "other"]
    notes: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class TriageBody(msgspec.Struct):
    state: Literal["new", "investigating", "closed"]
    note: Annotated[str, msgspec.Meta(max_length=4000)] = ""


def certificate_or_404(session: Session, number: str) -> Certificate:
    row = session.execute(
        select(Certificate).where(Certificate.certificate_no == canonical_certificate_no(number))
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundException(detail=f"no certificate numbered {number!r}")
    return row


class StaffApiController(Controller):
    path = "/api/v1"
    tags = ["staff"]
    security = [{"BearerToken": []}]

    @post("/decisions", guards=[requires("admin")], sync_to_thread=True, operation_id="decideStatus")
    def decide(self, request: Request, data: JSONBody[DecisionBody]) -> dict[str, Any]:
        """Suspend, revoke or reinstate a certificate, with the legal reason and decision reference."""
        with Session(request.app.state.engine) as session:
            cert = certificate_or_404(session, data.certificate_no)
            try:
                row = decide(
                    session,
                    cert,
                    DecisionInput(data.action, data.reason, data.decision_ref, data.decision_on),
                    staff_of(request),
                )
            except DecisionRefused as exc:
                raise ClientException(detail=str(exc), status_code=409) from exc
            session.commit()
            return {"certificate_no": cert.certificate_no, "decision": decision_view(row)}

    @get("/inspections", guards=[requires("inspector")], sync_to_thread=True, operation_id="listInspections")
    def inspections(self, request: Request) -> list[dict[str, Any]]:
        """The caller's and their team's inspections (all of them for an admin)."""
        with Session(request.app.state.engine) as session:
            rows = visible_inspections(session, staff_of(request))
            return [row.model_dump(mode="json") for row in rows]

    @post("/inspections", guards=[requires("inspector")], sync_to_thread=True, operation_id="recordInspection")
    def record(self, request: Request, data: JSONBody[InspectionBody]) -> dict[str, Any]:
        """Record a shop inspection (photos are added from the inspection form)."""
        with Session(request.app.state.engine) as session:
            try:
                row = record_inspection(session, InspectionInput(**msgspec.structs.asdict(data)), staff_of(request))
            except InspectionRefused as exc:
                raise ClientException(detail=str(exc)) from exc
            session.commit()
            return row.model_dump(mode="json")

    @get("/inspections/export.csv", guards=[requires("admin")], sync_to_thread=True, operation_id="exportInspections")
    def export(self, request: Request) -> Response[str]:
        with Session(request.app.state.engine) as session:
            staff = staff_of(request)
            rows = visible_inspections(session, staff, limit=1_000_000)
            body = inspections_csv(rows)
            audit(session, staff.name, staff.role, "inspection.export", "inspections", None, {"rows": len(rows)})
            session.commit()
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="inspections.csv"'},
        )

    @get("/reports", guards=[requires("inspector")], sync_to_thread=True, operation_id="listReports")
    def reports(
        self,
        request: Request,
        report_state: Annotated[Literal["new", "investigating", "closed"] | None, QueryParameter(name="state")] = None,
    ) -> list[dict[str, Any]]:
        """Citizen reports, newest first, optionally of one state."""
        with Session(request.app.state.engine) as session:
            return [r.model_dump(mode="json", exclude={"client_hash"}) for r in list_reports(session, report_state)]

    @patch("/reports/{report_id:int}", guards=[requires("inspector")], sync_to_thread=True, operation_id="triageReport")
    def triage(self, request: Request, report_id: FromPath[int], data: JSONBody[TriageBody]) -> dict[str, Any]:
        with Session(request.app.state.engine) as session:
            try:
                row = triage(session, report_id, data.state, data.note, staff_of(request))
            except LookupError as exc:
                raise NotFoundException(detail=str(exc)) from exc
            except ReportRefused as exc:
                raise ClientException(detail=str(exc), status_code=409) from exc
            session.commit()
            return row.model_dump(mode="json", exclude={"client_hash"})

    @get("/flags", guards=[requires("inspector")], sync_to_thread=True, operation_id="cloneFlags")
    def flags(self, request: Request, on: FromQuery[date | None] = None) -> list[dict[str, Any]]:
        """Certificates whose scans suggest a copied QR code, with the evidence."""
        request.app.state.scans.flush(request.app.state.engine)
        with Session(request.app.state.engine) as session:
            return [asdict(flag) for flag in flagged(session, on)]

    @get("/audit", guards=[requires("admin")], sync_to_thread=True, operation_id="auditLog")
    def audit_log(
        self, request: Request, before_id: Annotated[int | None, QueryParameter(ge=1)] = None
    ) -> list[dict[str, Any]]:
        with Session(request.app.state.engine) as session:
            return [e.model_dump(mode="json") for e in audit_entries(session, before_id=before_id)]

    @post(
        "/imports",
        guards=[requires("importer", "admin")],
        request_max_body_size=MAX_FEED_BYTES,
        operation_id="uploadFeed",
        status_code=200,
    )
    async def upload(
        self,
        request: Request,
        source: Annotated[str, QueryParameter(min_length=1, max_length=100)],
        file_name: Annotated[str, QueryParameter(min_length=1, max_length=200)],
        mode: FromQuery[Literal["delta", "full"]] = "delta",
        skip_invalid: FromQuery[bool] = False,
    ) -> Response[dict[str, Any]]:
        """Upload one feed file (the raw bytes as the body); applied whole or not at all."""
        suffix = PurePath(file_name).suffix.lower()[:8] or ".csv"
        with tempfile.TemporaryDirectory(prefix="hopquy-upload-") as folder:
            path = Path(folder) / f"{PurePath(file_name).stem[:100] or 'feed'}{suffix}"
            with path.open("wb") as out:
                async for chunk in request.stream():
                    out.write(chunk)
            options = ImportOptions(source=source, full=mode == "full", strict=not skip_invalid)
            result = await anyio.to_thread.run_sync(import_file, request.app.state.engine, path, options)
        staff = staff_of(request)
        body = result.as_dict()
        with Session(request.app.state.engine) as session:
            audit(
                session,
                staff.name,
                staff.role,
                "feed.upload",
                f"source:{source}",
                None,
                {k: body[k] for k in ("file", "sha256", "status", "created", "updated", "withdrawn", "errors")},
            )
            session.commit()
        return Response(body, status_code=422 if result.status == "rejected" else 200)

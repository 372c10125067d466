"""The privileged JSON API: decisions, inspections, reports, flags, audit, feed uploads.

Every route here has a role guard and writes an audit entry for what it changes. Clients
send ``Authorization: Bearer <token>``; cookies are not accepted here, so there is no CSRF.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path, PurePath
from typing import Annotated, Literal

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from sqlalchemy import Engine, select
from sqlmodel import Session

from importer.run import ImportOptions
from ingest.service import Ingested, ingest
from public_site.auth import NO_STORE, requires, staff_of
from public_site.plugin import AppSettings, BatchEngine, Db, DbEngine, Index, Scans
from public_site.schemas import MAX_ID, PROBLEMS, problems, typed
from public_site.staff_schemas import (
    AuditOut,
    CloneFlag,
    DecisionAnswer,
    DecisionBody,
    ImportSummary,
    InspectionBody,
    InspectionOut,
    ReportOut,
    ReviewBody,
    ReviewOut,
    TransferAnswer,
    TransferBody,
    TriageBody,
)
from registry.access import Staff, audit, audit_entries
from registry.codes import canonical_certificate_no
from registry.decisions import DecisionInput, decide, decision_view
from registry.inspections import (
    InspectionInput,
    inspections_csv,
    record_inspection,
    visible_inspections,
)
from registry.models import Certificate
from registry.ownership import Transfer, transfer
from registry.reports import list_reports, triage
from registry.reviews import answer_review, list_reviews
from registry.scans import flagged
from registry.vocabulary import ReportState, ReviewState

MAX_FEED_BYTES = 512 * 1024 * 1024


def _refused_upload(engine: Engine, staff: Staff, source: str) -> None:
    """An attempt to feed another body's source is kept in the audit log."""
    with Session(engine) as session:
        audit(session, staff.name, staff.role, "feed.upload.refused", f"source:{source}", None,
              {"token_sources": list(staff.sources)})
        session.commit()


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
    cache_control = NO_STORE  # nothing a token holder is shown is kept by a browser or a proxy

    @post("/decisions", guards=[requires("admin")], sync_to_thread=True, operation_id="decideStatus",
          responses=problems(400, 401, 403, 404, 409))
    def decide(self, request: Request, db: Db, data: JSONBody[DecisionBody]) -> DecisionAnswer:
        """Suspend, revoke or reinstate a certificate, with the legal reason and decision reference."""
        cert = certificate_or_404(db, data.certificate_no)
        decision = DecisionInput(data.action, data.reason, data.decision_ref, data.decision_on)
        row = decide(db, cert, decision, staff_of(request))
        db.commit()
        return typed({"certificate_no": cert.certificate_no, "decision": decision_view(row)}, DecisionAnswer)

    @post("/transfers", guards=[requires("admin")], sync_to_thread=True, operation_id="transferCertificate",
          responses=problems(400, 401, 403, 404, 409))
    def transfer(self, request: Request, db: Db, data: JSONBody[TransferBody]) -> TransferAnswer:
        """Move a certificate to another source (certification body): only that source's feeds
        may change it from then on."""
        event = transfer(db, Transfer(data.certificate_no, data.to_source, data.reason), staff_of(request))
        db.commit()
        before, after = event.changes["source"]
        number = canonical_certificate_no(data.certificate_no)
        return TransferAnswer(certificate_no=number, source=after, previous_source=before)

    @get("/reviews", guards=[requires("admin")], sync_to_thread=True, operation_id="listReviews",
         responses=problems(400, 401, 403))
    def reviews(self, db: Db, review_state: Annotated[ReviewState | None, QueryParameter(name="state")] = None
                ) -> list[ReviewOut]:
        """Feed status changes held while a suspension or revocation stands: the pending ones,
        oldest first, or those of one ``state``, newest first."""
        return typed(list_reviews(db, review_state or ReviewState.PENDING), list[ReviewOut])

    @post("/reviews/{review_id:int}", guards=[requires("admin")], sync_to_thread=True, operation_id="answerReview",
          status_code=200, responses=problems(400, 401, 403, 404, 409))
    def answer(self, request: Request, db: Db, review_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)],
               data: JSONBody[ReviewBody]) -> ReviewOut:
        """Accept a held status change (the decision ends) or reject it (the decision stands)."""
        review = answer_review(db, review_id, data.answer, data.note, staff_of(request))
        db.commit()
        return typed(list_reviews(db, None, review_id=review.id)[0], ReviewOut)

    @get("/inspections", guards=[requires("inspector")], sync_to_thread=True, operation_id="listInspections",
         responses=problems(401, 403))
    def inspections(self, request: Request, db: Db) -> list[InspectionOut]:
        """The caller's and their team's inspections (all of them for an admin)."""
        return typed(visible_inspections(db, staff_of(request)), list[InspectionOut], from_attributes=True)

    @post("/inspections", guards=[requires("inspector")], sync_to_thread=True, operation_id="recordInspection",
          responses=problems(400, 401, 403, 404))
    def record(self, request: Request, db: Db, data: JSONBody[InspectionBody]) -> InspectionOut:
        """Record a shop inspection (photos are added from the inspection form); a ``plan_id``
        the caller's team may not see answers 404, as a plan that does not exist."""
        row = record_inspection(db, InspectionInput(**msgspec.structs.asdict(data)), staff_of(request))
        db.commit()
        return typed(row, InspectionOut, from_attributes=True)

    @get("/inspections/export.csv", guards=[requires("admin")], sync_to_thread=True, operation_id="exportInspections",
         media_type="text/csv", responses=problems(401, 403))
    def export(self, request: Request, db: Db) -> Response[str]:
        """Every inspection the caller may see, as CSV (the export is audited)."""
        staff = staff_of(request)
        rows = visible_inspections(db, staff, limit=1_000_000)
        body = inspections_csv(rows)
        audit(db, staff.name, staff.role, "inspection.export", "inspections", None, {"rows": len(rows)})
        db.commit()
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="inspections.csv"'},
        )

    @get("/reports", guards=[requires("inspector")], sync_to_thread=True, operation_id="listReports",
         responses=problems(400, 401, 403))
    def reports(
        self,
        db: Db,
        report_state: Annotated[ReportState | None, QueryParameter(name="state")] = None,
    ) -> list[ReportOut]:
        """Citizen reports, newest first, optionally of one state."""
        return typed(list_reports(db, report_state), list[ReportOut], from_attributes=True)

    @patch("/reports/{report_id:int}", guards=[requires("inspector")], sync_to_thread=True, operation_id="triageReport",
           responses=problems(400, 401, 403, 404, 409))
    def triage(self, request: Request, db: Db, report_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)],
               data: JSONBody[TriageBody]) -> ReportOut:
        """Move a citizen report on (new, investigating, closed), with a note."""
        try:
            row = triage(db, report_id, data.state, data.note, staff_of(request))
        except LookupError as exc:
            raise NotFoundException(detail=str(exc)) from exc
        db.commit()
        return typed(row, ReportOut, from_attributes=True)

    @get("/flags", guards=[requires("inspector")], sync_to_thread=True, operation_id="cloneFlags",
         responses=problems(400, 401, 403))
    def flags(self, engine: DbEngine, db: Db, scans: Scans, on: FromQuery[date | None] = None) -> list[CloneFlag]:
        """Certificates whose scans suggest a copied QR code, with the evidence."""
        scans.flush(engine)
        return typed(flagged(db, on), list[CloneFlag], from_attributes=True)

    @get("/audit", guards=[requires("admin")], sync_to_thread=True, operation_id="auditLog",
         responses=problems(400, 401, 403))
    def audit_log(
        self, db: Db, before_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None
    ) -> list[AuditOut]:
        """The audit log, newest first, a page at a time (``before_id``: the last id seen)."""
        return typed(audit_entries(db, before_id=before_id), list[AuditOut], from_attributes=True)

    @post(
        "/imports",
        guards=[requires("importer", "admin")],
        request_max_body_size=MAX_FEED_BYTES,
        operation_id="uploadFeed",
        status_code=200,
        responses={**problems(400, 401, 403), 422: ResponseSpec(
            data_container=ImportSummary, description=PROBLEMS[422], generate_examples=False)},
    )
    async def upload(
        self,
        request: Request,
        batch_engine: BatchEngine,
        index: Index,
        settings: AppSettings,
        source: Annotated[str, QueryParameter(min_length=1, max_length=100)],
        file_name: Annotated[str, QueryParameter(min_length=1, max_length=200)],
        mode: FromQuery[Literal["delta", "full"]] = "delta",
        skip_invalid: FromQuery[bool] = False,
    ) -> Response[ImportSummary]:
        """Upload one feed file (the raw bytes as the body); applied whole or not at all. An
        importer's token uploads only for the sources it is bound to."""
        suffix = PurePath(file_name).suffix.lower()[:8] or ".csv"
        staff = staff_of(request)
        if not staff.may_feed(source):
            await anyio.to_thread.run_sync(_refused_upload, batch_engine, staff, source)
            raise PermissionDeniedException(
                detail=f"this token feeds {', '.join(staff.sources) or 'no source'}, not {source}")
        with tempfile.TemporaryDirectory(prefix="hopquy-upload-") as folder:
            path = Path(folder) / f"{PurePath(file_name).stem[:100] or 'feed'}{suffix}"
            with path.open("wb") as out:
                async for chunk in request.stream():
                    out.write(chunk)
            options = ImportOptions(source=source, full=mode == "full", strict=not skip_invalid)

            def import_and_audit() -> Ingested:
                done = ingest(batch_engine, index, path, options, settings.data_dir / "spool")
                body = done.as_dict()
                with Session(batch_engine) as session:
                    audit(session, staff.name, staff.role, "feed.upload", f"source:{source}", None,
                          {k: body[k] for k in ("file", "sha256", "status", "created", "updated", "withdrawn",
                                                "held", "errors")})
                    session.commit()
                return done

            done = await anyio.to_thread.run_sync(import_and_audit)
        return Response(typed(done.as_dict(), ImportSummary),
                        status_code=422 if done.result.status == "rejected" else 200)

"""QR codes and labels as files: ``/qr/{no}.png|svg``, ``/label/{no}.png|pdf``, A4 label sheets.

They change only when the public URL does, so they carry an ETag and a year-long cache
lifetime; a repeated request is answered from memory or with ``304 Not Modified``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, QueryParameter
from sqlalchemy import select
from sqlmodel import Session

from public_site.api import path_text
from public_site.auth import current_staff
from public_site.labels import LabelContent, label_pdf, label_png
from public_site.plugin import AppSettings, Db
from public_site.qr import DEFAULT_PX, MAX_PX, MIN_PX, etag, qr_png, qr_svg, verify_url
from public_site.rendering import PageCache
from public_site.schemas import problems
from registry.codes import canonical_certificate_no
from registry.models import Certificate, Organisation
from registry.queries import find_certificate
from registry.settings import Settings
from registry.snapshots import load_records

LONG_CACHE = "public, max-age=31536000, immutable"
SHEET_LIMIT = 480  # 20 A4 pages, for staff
ANONYMOUS_SHEET_LIMIT = 96  # 4 pages: a shop's shelf; more is a job for a token, not a crawler
SHEETS = PageCache(32)  # the sheets asked for lately, by content
TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


def _split(file: PurePath, allowed: tuple[str, ...]) -> tuple[str, str]:
    number, _, suffix = path_text(file).rpartition(".")
    if suffix not in allowed or not number:
        raise NotFoundException(detail=f"ask for {' or '.join('.' + s for s in allowed)}")
    return canonical_certificate_no(number), suffix


def _label(db: Session, settings: Settings, number: str) -> LabelContent:
    view = find_certificate(db, number, with_history=False)
    if view is None:
        raise NotFoundException(detail=f"no certificate numbered {number!r}")
    rec = view.record
    return LabelContent(rec.certificate_no, rec.models, rec.brand, verify_url(settings.public_url, rec.certificate_no))


def _cached(request: Request, tag: str, media_type: str, render, name: str | None = None,
            cache_control: str = LONG_CACHE) -> Response:
    headers = {"ETag": tag, "Cache-Control": cache_control}
    if request.headers.get("if-none-match") == tag:
        return Response(b"", status_code=304, headers=headers)
    if name:
        headers["Content-Disposition"] = f'inline; filename="{name}"'
    return Response(render(), media_type=media_type, headers=headers)


class PrintController(Controller):
    include_in_schema = True
    tags = ["labels"]

    @get("/qr/{file:path}", operation_id="qrCode", sync_to_thread=True, media_type="image/png",
         responses=problems(400, 404), response_description="PNG for .png, SVG (image/svg+xml) for .svg")
    def qr(self, request: Request, db: Db, settings: AppSettings, file: FromPath[PurePath],
           size: Annotated[int, QueryParameter(ge=MIN_PX, le=MAX_PX)] = DEFAULT_PX) -> Response:
        """The QR code of a certificate's verify URL (``A0412150324AE01A2.png`` or ``.svg``)."""
        number, suffix = _split(file, ("png", "svg"))
        url = _label(db, settings, number).verify_url
        if suffix == "svg":
            return _cached(request, etag("svg", url), TYPES[suffix], lambda: qr_svg(url))
        return _cached(request, etag("png", url, size), TYPES[suffix], lambda: qr_png(url, size))

    @get("/label/{file:path}", operation_id="label", sync_to_thread=True, media_type="image/png",
         responses=problems(400, 404), response_description="PNG for .png, PDF (application/pdf) for .pdf")
    def label(self, request: Request, db: Db, settings: AppSettings, file: FromPath[PurePath]) -> Response:
        """A printable label (``.png`` or ``.pdf``): mark area, number, model and QR code."""
        number, suffix = _split(file, ("png", "pdf"))
        content = _label(db, settings, number)
        render = (lambda: label_png(content)) if suffix == "png" else (lambda: label_pdf([content]))
        return _cached(request, etag("label", suffix, content), TYPES[suffix], render,
                       f"hopquy-label-{number}.{suffix}")

    @get("/labels.pdf", operation_id="labelSheet", sync_to_thread=True, media_type="application/pdf",
         responses=problems(400, 404))
    def sheet(self, request: Request, db: Db, settings: AppSettings,
              no: Annotated[list[str], QueryParameter(description="certificate numbers")]) -> Response:
        """A4 sheets of labels (24 a page) for the certificates named by ``no``: up to 96 for
        anyone, 480 with a staff token."""
        numbers = list(dict.fromkeys(canonical_certificate_no(n) for n in no if n.strip()))
        limit = SHEET_LIMIT if current_staff(request) else ANONYMOUS_SHEET_LIMIT
        if not numbers or len(numbers) > limit:
            raise ValidationException(detail=f"give 1 to {limit} certificate numbers"
                                             + ("" if limit == SHEET_LIMIT else f" ({SHEET_LIMIT} with a staff token)"))
        ids = db.execute(select(Certificate.id).where(Certificate.certificate_no.in_(numbers))).scalars().all()
        return self._sheet(request, db, settings, ids, "hopquy-labels.pdf")

    @get("/o/{tax_code:str}/labels.pdf", operation_id="holderLabelSheet", sync_to_thread=True,
         media_type="application/pdf", responses=problems(400, 404))
    def holder_sheet(self, request: Request, db: Db, settings: AppSettings, tax_code: FromPath[str]) -> Response:
        """A4 sheets of labels for every certificate of a holder that is not withdrawn."""
        ids = db.execute(
            select(Certificate.id).join(Organisation, Organisation.id == Certificate.holder_id)
            .where(Organisation.tax_code == tax_code, Certificate.admin_status == "valid")
            .order_by(Certificate.certificate_no).limit(SHEET_LIMIT)
        ).scalars().all()
        if not ids:
            raise NotFoundException(detail=f"no valid certificates for tax code {tax_code!r}")
        return self._sheet(request, db, settings, ids, f"hopquy-labels-{tax_code}.pdf")

    @staticmethod
    def _sheet(request: Request, db: Session, settings: Settings, ids: list[int], name: str) -> Response:
        """A sheet is rendered once for what it shows (its ETag), and kept: asked again, it
        costs a lookup, and a browser holding it gets a 304."""
        if not ids:
            raise NotFoundException(detail="none of these certificate numbers is in the registry")
        records = load_records(db, ids)
        labels = [LabelContent(r.certificate_no, r.models, r.brand, verify_url(settings.public_url, r.certificate_no))
                  for r in sorted(records.values(), key=lambda r: r.certificate_no)]
        tag = etag("sheet", *labels)

        def render() -> bytes:
            return SHEETS.get(tag) or SHEETS.put(tag, label_pdf(labels, sheet=True))

        # the labels of a list or a holder change: cached for an hour, not for ever
        return _cached(request, tag, TYPES["pdf"], render, name, cache_control="public, max-age=3600")

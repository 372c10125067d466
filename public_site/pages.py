"""HTML pages, server-rendered and usable without JavaScript; each has a JSON twin in the API."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import PurePath
from typing import Annotated
from urllib.parse import quote

import anyio
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.response.base import ASGIResponse
from markupsafe import Markup, escape
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from public_site.api import MAX_PAGE, SEARCH_PARAMS, path_text
from public_site.filters import search_filters, search_url, without_empty_fields
from public_site.i18n import language, translator
from public_site.plugin import RETRY_LATER, Db, DbEngine, Index
from public_site.rendering import HtmlPage, language_cookies, render, render_bytes, shown_values
from public_site.request_metrics import COUNTS
from public_site.safety import client_key
from registry.clock import today
from registry.codes import canonical_certificate_no
from registry.loop_reader import DatabaseUnavailable
from registry.provinces import PROVINCES
from registry.queries import (
    certificate_row,
    certificate_view,
    find_certificate,
    find_holder,
    latest_certificates,
    registry_counts,
)
from registry.status import effective_status
from registry.violations import violations_of_certificate
from search.index_settings import MAX_TOTAL_HITS
from search.pasted import read_pasted
from search.query import search_certificates
from search.request import SearchParams, filtered
from search.slips import near_numbers

HOLDER_PAGE = 50
PANEL_FACETS = ("kind", "category", "brand", "regulation", "year", "technology")  # what the filter panel counts
PROVINCE_OPTIONS = Markup("".join(f"<option>{escape(p)}</option>" for p in PROVINCES))  # rendered once


@dataclass
class ProvinceForm:
    province: str = ""
    stamp: str = ""  # from the scan page: a province is counted only from a page we served


def province_stamp(secret: bytes, number: str, day: date) -> str:
    """The scan page's signature on its province form, for one certificate and one day."""
    return hmac.new(secret, f"province|{number}|{day.isoformat()}".encode(), hashlib.sha256).hexdigest()[:24]


def stamp_is_ours(secret: bytes, number: str, stamp: str, day: date) -> bool:
    """Signed today or yesterday (a page left open overnight) for this very certificate."""
    if not (stamp.isascii() and len(stamp) == 24):  # compare_digest takes ASCII text only
        return False
    return any(hmac.compare_digest(province_stamp(secret, number, on), stamp)
               for on in (day, day - timedelta(days=1)))


def linked_page(db, query: str) -> str | None:
    """Our own page a pasted link names, when what it names exists: the search page goes there."""
    pasted = read_pasted(query)
    if pasted.link == "certificate" and (view := find_certificate(db, pasted.query)) is not None:
        return f"/c/{view.record.certificate_no}"
    if pasted.link == "holder" and find_holder(db, pasted.query, 1, 1) is not None:
        return f"/o/{quote(pasted.query, safe='')}"
    return None


def front_matter(engine: Engine) -> tuple[dict[str, int], list]:
    """What the search page shows when nothing was searched or found: the registry's counts and
    its latest certificates with their status today."""
    with Session(engine) as db:
        latest = latest_certificates(db)
        return registry_counts(db), [(rec, effective_status(rec.admin_status, rec.expires_on)) for _, rec in latest]


class PageController(Controller):
    include_in_schema = False

    # the search on the event loop, as the API's (LoopReader.awork); the registry's counts and
    # latest certificates, shown when nothing was searched or found, in a worker thread (a count
    # over every certificate)
    @get("/", dependencies={"params": SEARCH_PARAMS}, before_request=without_empty_fields)
    async def home(self, request: Request, engine: DbEngine, index: Index,
                   params: NamedDependency[SearchParams]) -> Template | Redirect:
        def searched(reading: Engine) -> tuple[str | None, dict | None]:
            with Session(reading) as db:
                if (page := linked_page(db, params.q)) is not None:  # a link from a QR scanner, pasted
                    return page, None
            if params.q or filtered(params):
                return None, search_certificates(reading, index, replace(params, facets=PANEL_FACETS))
            return None, None

        page, results = await request.app.state.reader.awork(searched)
        if page is not None:
            return Redirect(page)
        counts, latest = await anyio.to_thread.run_sync(front_matter, engine) if not results else ({}, [])
        filters = search_filters(params, results["facets"], translator(language(request))) if results else []
        return render(request, "pages/home.html", params=params, results=results, counts=counts,
                      latest=latest, filters=filters, search_url=search_url,
                      max_total_hits=MAX_TOTAL_HITS, max_page=min(MAX_PAGE, MAX_TOTAL_HITS // params.per_page))

    @get("/c/{number:path}", sync_to_thread=True)
    def certificate(self, request: Request, db: Db, number: FromPath[PurePath]) -> Template:
        number = path_text(number)
        view = find_certificate(db, number)
        if view is None:
            return self._not_found(request, db.connection(), number)
        notices = violations_of_certificate(db, view.record.certificate_no, view.record.models)
        return render(request, "pages/certificate.html", view=view, rec=view.record, notices=notices,
                      shown=shown_values(view.record))

    # on the event loop: three indexed queries cost less than the hop to a worker thread
    # (the number taken as str: a PurePath would be built and thrown away on every scan)
    @get("/v/{number:path}")
    async def verify(self, request: Request, number: FromPath[str]) -> ASGIResponse:
        """The QR scan page: reads the registry only, never the search index; counts the scan."""
        return await self._scan(request, path_text(number))

    @post("/v/{number:path}", status_code=200)
    async def share_province(self, request: Request, number: FromPath[str],
                       data: Annotated[ProvinceForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> ASGIResponse:
        """The person scanning chose to say where they are: it helps spot copied QR codes.
        Counted only with the stamp of a scan page of this certificate, of today or yesterday."""
        number = path_text(number)
        province = data.province if data.province in PROVINCES else None
        return await self._scan(request, number, province, shared=province is not None, stamp=data.stamp)

    async def _scan(self, request: Request, number: str, province: str | None = None,
                    shared: bool = False, stamp: str = "") -> ASGIResponse:
        """A GET is one scan; a shared province is counted on its own row, not as a second scan.

        The row is read on every request; the page is rendered again only when what it shows
        (the record, its decision, today's status, the language) differs from a cached one.
        When the database does not answer in time the page says so (503), plainly.
        The answer is built as the ASGI response itself: the scan page's bytes need none of
        what ``Response`` does on the way (encoding, serialisers, header merging)."""
        def read(connection: Connection) -> tuple[int | None, ASGIResponse]:
            cert = certificate_row(connection, number)
            if cert is None:
                return None, self._not_found(request, connection, number).to_asgi_response(None, request)
            status = effective_status(cert.admin_status, cert.expires_on, day)
            key = (cert.id, cert.content_hash, cert.updated_at, cert.decision_id, status.code,
                   language(request), request.scope["path"], shared, day)
            pages = request.app.state.scan_pages
            page = pages.get(key)
            if page is None:
                view = certificate_view(connection, cert, status)
                page = pages.put(key, render_bytes(
                    request, "pages/verify.html", view=view, rec=view.record, shown=shown_values(view.record),
                    province_options=PROVINCE_OPTIONS, shared=shared,
                    stamp=province_stamp(secret, cert.certificate_no, day)))
            return cert.id, HtmlPage(page, language_cookies(request))

        day, secret = today(), request.app.state.stamp_secret
        if shared and not stamp_is_ours(secret, canonical_certificate_no(number), stamp, day):
            shared, province = False, None  # a forged or stale form: shown the page, counted nothing
        try:
            certificate_id, response = await request.app.state.reader.aread(read)
        except DatabaseUnavailable:
            page = render(request, "pages/unavailable.html", status_code=503, number=number)
            page.headers.update(RETRY_LATER)
            return page.to_asgi_response(None, request)
        if certificate_id is not None and (shared or request.method == "GET"):
            if request.app.state.scans.record(certificate_id, province, day, client_key(request)) and not shared:
                COUNTS.scans += 1
        return response

    @get("/o/{tax_code:str}", sync_to_thread=True)
    def holder(self, request: Request, db: Db, tax_code: FromPath[str],
               page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1) -> Template:
        """A holder and all its certificates, 50 a page."""
        holder = find_holder(db, tax_code, page, HOLDER_PAGE)
        if holder is None:
            raise NotFoundException(detail=f"no holder with tax code {tax_code!r}")
        return render(request, "pages/holder.html", holder=holder, page=page, per_page=HOLDER_PAGE)

    @staticmethod
    def _not_found(request: Request, connection: Connection, number: str) -> Template:
        base = "/" + request.url.path.split("/")[1]  # /v or /c: the numbers may contain slashes
        return render(request, "pages/not_found.html", status_code=404, number=number,
                      near=near_numbers(connection, number), base=base)

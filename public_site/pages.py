"""HTML pages, server-rendered and usable without JavaScript; each has a JSON twin in the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Template
from markupsafe import Markup, escape
from sqlalchemy import Connection
from sqlmodel import Session

from public_site.api import SEARCH_PARAMS, path_text
from public_site.i18n import COOKIE, language, translator
from registry.provinces import PROVINCES
from registry.queries import find_certificate, find_holder, latest_certificates, registry_counts
from registry.status import effective_status
from registry.violations import violations_of_certificate
from search.pins import near_numbers
from search.query import SearchParams, search_certificates

HOLDER_PAGE = 50
PROVINCE_OPTIONS = Markup("".join(f"<option>{escape(p)}</option>" for p in PROVINCES))  # rendered once


@dataclass
class ProvinceForm:
    province: str = ""

STATUS_CODES = ("valid", "expired", "suspended", "revoked", "withdrawn")


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Template:
    lang = language(request)
    cookies = []
    if request.query_params.get("lang") == lang:
        cookies.append(Cookie(key=COOKIE, value=lang, max_age=365 * 86400, samesite="lax",
                              httponly=True))
    t = translator(lang)
    context.setdefault("staff", request.scope.get("state", {}).get("staff"))
    context.setdefault("dmy", day_month_year)
    context.update(lang=lang, t=t, path=request.url.path,
                   statuses={code: t(f"status_{code}") for code in STATUS_CODES})
    return Template(template_name=name, context=context, status_code=status_code, cookies=cookies)


def day_month_year(value: str | date) -> str:
    """Dates as people in Vietnam write them: 20/11/2026."""
    return (date.fromisoformat(value) if isinstance(value, str) else value).strftime("%d/%m/%Y")


class PageController(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=True, dependencies={"params": SEARCH_PARAMS})
    def home(self, request: Request, params: NamedDependency[SearchParams]) -> Template:
        state = request.app.state
        results = None
        if params.q or params.status or params.kind or params.brand or params.regulation or params.year:
            results = search_certificates(state.engine, state.index, params)
        with Session(state.engine) as session:
            counts = registry_counts(session)
            latest = [] if results else latest_certificates(session)
        latest_rows = [(rec, effective_status(rec.admin_status, rec.expires_on)) for _, rec in latest]
        return render(request, "pages/home.html", params=params, results=results,
                      counts=counts, latest=latest_rows)

    @get("/c/{number:path}", sync_to_thread=True)
    def certificate(self, request: Request, number: FromPath[PurePath]) -> Template:
        number = path_text(number)
        with Session(request.app.state.engine) as session:
            view = find_certificate(session, number)
            if view is None:
                return self._not_found(request, session.connection(), number)
            notices = violations_of_certificate(session, view.record.certificate_no, view.record.models)
        return render(request, "pages/certificate.html", view=view, rec=view.record, notices=notices)

    # on the event loop: three indexed queries cost less than the hop to a worker thread
    @get("/v/{number:path}", sync_to_thread=False)
    def verify(self, request: Request, number: FromPath[PurePath]) -> Template:
        """The QR scan page: reads the registry only, never the search index; counts the scan."""
        return self._scan(request, path_text(number))

    @post("/v/{number:path}", sync_to_thread=True, status_code=200)
    def share_province(self, request: Request, number: FromPath[PurePath],
                       data: Annotated[ProvinceForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
        """The person scanning chose to say where they are: it helps spot copied QR codes."""
        province = data.province if data.province in PROVINCES else None
        return self._scan(request, path_text(number), province, shared=province is not None)

    def _scan(self, request: Request, number: str, province: str | None = None, shared: bool = False) -> Template:
        """A GET is one scan; a shared province is counted on its own row, not as a second scan."""
        with request.app.state.engine.connect() as connection:
            connection = connection.execution_options(read_only=True)
            view = find_certificate(connection, number, with_history=False)
            if view is None:
                return self._not_found(request, connection, number)
        if shared or request.method == "GET":
            request.app.state.scans.record(view.id, province)
        return render(request, "pages/verify.html", view=view, rec=view.record,
                      province_options=PROVINCE_OPTIONS, shared=shared)

    @get("/o/{tax_code:str}", sync_to_thread=True)
    def holder(self, request: Request, tax_code: FromPath[str],
               page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1) -> Template:
        """A holder and all its certificates, 50 a page."""
        with Session(request.app.state.engine) as session:
            holder = find_holder(session, tax_code, page, HOLDER_PAGE)
        if holder is None:
            raise NotFoundException(detail=f"no holder with tax code {tax_code!r}")
        return render(request, "pages/holder.html", holder=holder, page=page, per_page=HOLDER_PAGE)

    @staticmethod
    def _not_found(request: Request, connection: Connection, number: str) -> Template:
        base = "/" + request.url.path.split("/")[1]  # /v or /c: the numbers may contain slashes
        return render(request, "pages/not_found.html", status_code=404, number=number,
                      near=near_numbers(connection, number), base=base)

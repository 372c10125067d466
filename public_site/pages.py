"""HTML pages, server-rendered and usable without JavaScript; each has a JSON twin in the API."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlmodel import Session

from public_site.api import SEARCH_PARAMS
from public_site.i18n import COOKIE, language, translator
from registry.queries import find_certificate, latest_certificates, near_numbers, registry_counts
from registry.status import effective_status
from search.query import SearchParams, search_certificates


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Template:
    lang = language(request)
    cookies = []
    if request.query_params.get("lang") == lang:
        cookies.append(Cookie(key=COOKIE, value=lang, max_age=365 * 86400, samesite="lax",
                              httponly=True))
    context.update(lang=lang, t=translator(lang), path=request.url.path)
    return Template(template_name=name, context=context, status_code=status_code, cookies=cookies)


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

    @get("/c/{number:str}", sync_to_thread=True)
    def certificate(self, request: Request, number: FromPath[str]) -> Template:
        with Session(request.app.state.engine) as session:
            view = find_certificate(session, number)
            if view is None:
                return self._not_found(request, session, number)
        return render(request, "pages/certificate.html", view=view, rec=view.record)

    @get("/v/{number:str}", sync_to_thread=True)
    def verify(self, request: Request, number: FromPath[str]) -> Template:
        """The QR scan page: reads the registry only, never the search index."""
        with Session(request.app.state.engine) as session:
            view = find_certificate(session, number, with_history=False)
            if view is None:
                return self._not_found(request, session, number)
        return render(request, "pages/verify.html", view=view, rec=view.record)

    @staticmethod
    def _not_found(request: Request, session: Session, number: str) -> Template:
        return render(request, "pages/not_found.html", status_code=404, number=number,
                      near=near_numbers(session, number))

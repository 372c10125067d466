"""The JSON API (``/api/v1``) and ``/healthz``: every page's JSON twin lives here."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from sqlalchemy import text
from sqlmodel import Session

from registry.queries import find_certificate
from search.query import SearchParams, search_certificates
from search.sync import pending

Status = Literal["valid", "expired", "suspended", "revoked", "withdrawn"]
Kind = Literal["certificate", "declaration"]


def search_params(
    q: Annotated[str, QueryParameter(max_length=200, description="what the person typed")] = "",
    status: Annotated[Status | None, QueryParameter()] = None,
    kind: Annotated[Kind | None, QueryParameter()] = None,
    brand: Annotated[str | None, QueryParameter(max_length=200)] = None,
    regulation: Annotated[str | None, QueryParameter(max_length=60)] = None,
    year: Annotated[int | None, QueryParameter(ge=1990, le=2100)] = None,
    page: Annotated[int, QueryParameter(ge=1, le=500)] = 1,
    per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
) -> SearchParams:
    return SearchParams(q.strip(), status, kind, brand, regulation, year, page, per_page)


SEARCH_PARAMS = Provide(search_params, sync_to_thread=False)


class ApiController(Controller):
    path = "/api/v1"
    tags = ["registry"]

    @get("/search", operation_id="searchCertificates", sync_to_thread=True,
         dependencies={"params": SEARCH_PARAMS})
    def search(self, request: Request, params: NamedDependency[SearchParams]) -> dict[str, Any]:
        """Search certificates by model, number, mark code, brand, product or holder."""
        state = request.app.state
        return search_certificates(state.engine, state.index, params)

    @get("/certificates/{number:str}", operation_id="getCertificate", sync_to_thread=True)
    def certificate(self, request: Request, number: FromPath[str]) -> dict[str, Any]:
        """The full record of one certificate, with its effective status and history."""
        with Session(request.app.state.engine) as session:
            view = find_certificate(session, number)
        if view is None:
            raise NotFoundException(detail=f"no certificate numbered {number!r}")
        return view.as_dict()


@get("/healthz", operation_id="health", sync_to_thread=True, tags=["service"])
def healthz(request: Request) -> dict[str, Any]:
    """Whether the database and the search index answer; search may be down without harm."""
    state = request.app.state
    database: dict[str, Any] = {"ok": True}
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database["pending_index_updates"] = pending(state.engine)
    except Exception as exc:  # noqa: BLE001  report, do not crash the health check
        database = {"ok": False, "error": exc.__class__.__name__}
    search = {"ok": bool(state.index and state.index.healthy()),
              "configured": state.index is not None}
    status = "ok" if database["ok"] and search["ok"] else ("degraded" if database["ok"] else "down")
    return {"status": status, "database": database, "search": search}

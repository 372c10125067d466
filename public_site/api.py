"""The JSON API (``/api/v1``): every page's JSON twin lives here."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Literal

from litestar import Controller, Request, get, post
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, JSONBody, QueryParameter

from public_site.partner_api import signed
from public_site.partner_schemas import ReceiptAnswer
from public_site.plugin import Db, Index
from public_site.schemas import (
    MAX_ID,
    CertificateDetail,
    ChangesPage,
    HolderPage,
    SearchPage,
    Statistics,
    VerifyAnswers,
    VerifyRequest,
    problems,
    typed,
)
from registry.changes import changes_since, statistics
from registry.queries import find_certificate, find_holder
from registry.verification import verify_codes
from registry.vocabulary import Kind, Status
from search.categories import Category
from search.query import search_certificates
from search.request import ALL_FACETS, SearchParams, facet_names

MAX_PAGE = 500


def search_params(
    q: Annotated[str, QueryParameter(max_length=200, description="what the person typed")] = "",
    status: Annotated[Status | None, QueryParameter()] = None,
    kind: Annotated[Kind | None, QueryParameter()] = None,
    brand: Annotated[str | None, QueryParameter(max_length=200)] = None,
    regulation: Annotated[str | None, QueryParameter(max_length=60)] = None,
    year: Annotated[int | None, QueryParameter(ge=1990, le=2100)] = None,
    category: Annotated[Category | None, QueryParameter(description="device type, from the product name")] = None,
    technology: Annotated[str | None, QueryParameter(max_length=40, description="LTE, NR, Wi-Fi, ...")] = None,
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    group: Annotated[Literal["device", "certificate"], QueryParameter(
        description="device (default): one hit per device, its best certificate; certificate: every one")] = "device",
    device: Annotated[str | None, QueryParameter(max_length=200, description="one device's certificates "
                                                 "(a hit's device)")] = None,
    facets: Annotated[str, QueryParameter(max_length=200, description=(
        "counts to compute, comma-separated: " + ", ".join(ALL_FACETS) + ", or all; none unless asked "
        "(keys in the answer: status, kind, brand, regulations, issued_year, technologies, category)"))] = "",
) -> SearchParams:
    try:
        counted = facet_names(facets)
    except ValueError as exc:
        raise ValidationException(detail=str(exc)) from exc
    return SearchParams(q=q.strip(), status=status, kind=kind, brand=brand, regulation=regulation, year=year,
                        category=category, technology=technology, page=page, per_page=per_page, facets=counted,
                        group=group, device=device)


SEARCH_PARAMS = Provide(search_params, sync_to_thread=False)


def path_text(value: PurePath | str) -> str:
    """A ``{x:path}`` parameter as typed: declaration numbers contain slashes (0001/2024/CBHQ-A01)."""
    return str(value).lstrip("/")


class ApiController(Controller):
    path = "/api/v1"
    tags = ["registry"]

    # on the event loop while the database is quick: the search's requests to Meilisearch wait
    # without holding it, and the registry's few indexed reads cost less than the hop to a
    # worker thread (search.on_the_loop, LoopReader.awork)
    @get("/search", operation_id="searchCertificates", responses=problems(400), dependencies={"params": SEARCH_PARAMS})
    async def search(self, request: Request, index: Index, params: NamedDependency[SearchParams]) -> SearchPage:
        """Search certificates by model, number, mark code, brand, product or holder."""
        body = await request.app.state.reader.awork(lambda engine: search_certificates(engine, index, params))
        return typed(body, SearchPage)

    @get("/certificates/{number:path}", operation_id="getCertificate", sync_to_thread=True,
         responses=problems(400, 404))
    def certificate(self, db: Db, number: FromPath[PurePath]) -> CertificateDetail:
        """The full record of one certificate, with its effective status and history."""
        number = path_text(number)
        view = find_certificate(db, number)
        if view is None:
            raise NotFoundException(detail=f"no certificate numbered {number!r}")
        return typed(view.as_dict(), CertificateDetail)


class VerifyController(Controller):
    path = "/api/v1/verify"
    tags = ["verification"]

    # The lookups are one or three indexed queries of well under a millisecond: they run on
    # the event loop, where a hop to a worker thread would cost more than the query itself.
    @get("/{code:path}", operation_id="verifyCode", responses=problems(400, 503))
    async def one(self, request: Request, code: FromPath[str],
                  receipt: Annotated[bool, QueryParameter(description="add a signed receipt of the answer")] = False,
                  ) -> ReceiptAnswer:  # code as str: no PurePath per call
        """Status of a certificate number, conformity mark code or model code, best match first."""
        code = path_text(code)
        if len(code) > 120:
            raise ValidationException(detail="a code has at most 120 characters")
        public_url = request.app.state.settings.public_url
        answers = await request.app.state.reader.aread(lambda connection: verify_codes(connection, [code], public_url))
        if receipt:
            answers[0]["receipt"] = await sync_to_thread(signed, request, answers[0])
        return typed(answers, list[ReceiptAnswer])[0]

    @post("/", operation_id="verifyCodes", sync_to_thread=True, status_code=200, responses=problems(400, 503))
    def many(self, request: Request, data: JSONBody[VerifyRequest]) -> VerifyAnswers:
        """Up to 1,000 codes at once, one answer each in the order asked: for marketplaces."""
        state = request.app.state
        answers = state.reader.read(lambda connection: verify_codes(connection, data.codes, state.settings.public_url))
        answer = {"results": answers, "found": sum(a["found"] for a in answers)}
        if data.receipt:
            answer["receipt"] = signed(request, answer)
        return typed(answer, VerifyAnswers)


class RegistryController(Controller):
    path = "/api/v1"
    tags = ["registry"]

    @get("/holders/{tax_code:str}", operation_id="getHolder", sync_to_thread=True, responses=problems(400, 404))
    def holder(self, db: Db, tax_code: FromPath[str],
               page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
               per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> HolderPage:
        """A holder (by tax code) with one page of its certificates and counts by status."""
        view = find_holder(db, tax_code, page, per_page)
        if view is None:
            raise NotFoundException(detail=f"no holder with tax code {tax_code!r}")
        return typed({
            "name": view.organisation.name, "tax_code": view.organisation.tax_code, "total": view.total,
            "by_status": view.by_status, "page": page, "per_page": per_page,
            "certificates": [{"certificate_no": r.certificate_no, "status": st.code, "brand": r.brand,
                              "models": list(r.models), "product_name": r.product_name,
                              "issued_on": r.issued_on.isoformat(),
                              "expires_on": r.expires_on.isoformat() if r.expires_on else None}
                             for r, st in view.certificates],
        }, HolderPage)

    @get("/changes", operation_id="listChanges", sync_to_thread=True, responses=problems(400))
    def changes(self, db: Db,
                since: Annotated[int, QueryParameter(ge=0, le=MAX_ID, description="the last call's next_cursor")] = 0,
                limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 500) -> ChangesPage:
        """Every registry change in order, for mirrors: walk with ``since=next_cursor``."""
        return typed(changes_since(db, since, limit), ChangesPage)

    @get("/stats", operation_id="statistics", sync_to_thread=True, cache=60, responses=problems())
    def stats(self, db: Db) -> Statistics:
        """Counts by status, kind, issue year and brand; refreshed every minute."""
        return typed(statistics(db), Statistics)

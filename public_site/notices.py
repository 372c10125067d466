"""Public notices of violations: ``/violations`` and its JSON twin ``/api/v1/violations``."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template
from sqlmodel import Session

from public_site.plugin import Db
from public_site.rendering import render
from public_site.schemas import ViolationsPage, problems, typed
from registry.violations import find_violations, violation_dict

PER_PAGE = 20
Query = Annotated[str, QueryParameter(max_length=200)]
Page = Annotated[int, QueryParameter(ge=1, le=1000)]
TaxCode = Annotated[str | None, QueryParameter(max_length=14)]


def _find(db: Session, q: str, page: int, tax_code: str | None) -> tuple[int, list]:
    return find_violations(db, q.strip(), page, PER_PAGE, tax_code)


class NoticeController(Controller):
    @get("/violations", sync_to_thread=True, include_in_schema=False)
    def page(self, request: Request, db: Db, q: Query = "", page: Page = 1, tax_code: TaxCode = None) -> Template:
        total, rows = _find(db, q, page, tax_code)
        return render(request, "pages/violations.html", q=q, page=page, per_page=PER_PAGE,
                      total=total, rows=rows)

    @get("/api/v1/violations", sync_to_thread=True, operation_id="listViolations", tags=["registry"],
         responses=problems(400))
    def api(self, db: Db, q: Query = "", page: Page = 1, tax_code: TaxCode = None) -> ViolationsPage:
        """Published notices of violations and sanctions, newest first."""
        total, rows = _find(db, q, page, tax_code)
        return typed({"query": q, "total": total, "page": page, "per_page": PER_PAGE,
                      "violations": [violation_dict(v) for v in rows]}, ViolationsPage)

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
from registry.conclusions import conclusions_of_notices, methods_seen, public_fields
from registry.enforcement_terms import FINDINGS, METHODS, SANCTIONS, money
from registry.violations import find_violations, violation_dict

PER_PAGE = 20
TERMS = {"findings": FINDINGS, "methods": METHODS, "sanctions": SANCTIONS, "money": money}
Query = Annotated[str, QueryParameter(max_length=200)]
Page = Annotated[int, QueryParameter(ge=1, le=1000)]
TaxCode = Annotated[str | None, QueryParameter(max_length=14)]


def _find(db: Session, q: str, page: int, tax_code: str | None) -> tuple[int, list[dict]]:
    """A page of notices, each with the facts of the conclusion behind it, if any."""
    total, rows = find_violations(db, q.strip(), page, PER_PAGE, tax_code)
    behind = conclusions_of_notices(db, [v.id for v in rows])
    notices = []
    for row in rows:
        notice = violation_dict(row)
        notice["decision_on"] = row.decision_on
        notice["conclusion"] = public_fields(behind[row.id]) if row.id in behind else None
        notices.append(notice)
    return total, notices


def _methods(db: Session) -> list[dict]:
    return [{"method": code, "label": list(METHODS[code]), "conclusions": count} for code, count in methods_seen(db)]


class NoticeController(Controller):
    @get("/violations", sync_to_thread=True, include_in_schema=False)
    def page(self, request: Request, db: Db, q: Query = "", page: Page = 1, tax_code: TaxCode = None) -> Template:
        total, rows = _find(db, q, page, tax_code)
        return render(request, "pages/violations.html", q=q, page=page, per_page=PER_PAGE,
                      total=total, rows=rows, methods=_methods(db), terms=TERMS)

    @get("/api/v1/violations", sync_to_thread=True, operation_id="listViolations", tags=["registry"],
         responses=problems(400))
    def api(self, db: Db, q: Query = "", page: Page = 1, tax_code: TaxCode = None) -> ViolationsPage:
        """Published notices of violations and sanctions, newest first."""
        total, rows = _find(db, q, page, tax_code)
        return typed({"query": q, "total": total, "page": page, "per_page": PER_PAGE,
                      "violations": rows, "methods_seen": _methods(db)}, ViolationsPage)

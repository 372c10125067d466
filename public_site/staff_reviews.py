"""The review queue's page: feed status changes held while the authority's decision stands.

An admin sees what each body's feed asked for, the decision it would have lifted, and
accepts or rejects it; the same ``registry.reviews`` functions as the staff API do the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body, PathParameter
from litestar.response import Redirect, Template

from public_site.auth import NO_STORE, requires, staff_of, to_login
from public_site.plugin import Db
from public_site.rendering import render
from public_site.schemas import MAX_ID
from registry.errors import Refused
from registry.reviews import answer_review, list_reviews
from registry.vocabulary import ReviewState


@dataclass
class ReviewForm:
    answer: str = ""
    note: str = ""


class StaffReviewController(Controller):
    path = "/staff/reviews"
    include_in_schema = False
    cache_control = NO_STORE
    guards = [requires("admin")]
    exception_handlers = {NotAuthorizedException: to_login}

    @get("/", sync_to_thread=True)
    def queue(self, request: Request, db: Db) -> Template:
        return self._page(request, db)

    @post("/{review_id:int}", sync_to_thread=True)
    def answer(self, request: Request, db: Db, review_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)],
               data: Annotated[ReviewForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
        try:
            answer_review(db, review_id, data.answer, data.note, staff_of(request))
        except Refused as exc:  # answered already, outdated, no such review, a bad answer
            db.rollback()
            return self._page(request, db, problem=str(exc), status_code=exc.status)
        db.commit()
        return Redirect("/staff/reviews")

    @staticmethod
    def _page(request: Request, db: Db, problem: str = "", status_code: int = 200) -> Template:
        return render(request, "staff/reviews.html", status_code=status_code, problem=problem,
                      pending=list_reviews(db, ReviewState.PENDING),
                      answered=[r for state in (ReviewState.ACCEPTED, ReviewState.REJECTED)
                                for r in list_reviews(db, state, limit=20)])

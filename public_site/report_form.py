"""``/report``: anyone can tell the authority about a suspicious device, with an optional photo.

Bots are kept out without any third-party service: a field humans never see must stay
empty, the form carries a signed timestamp and must take a human's few seconds to fill,
each connection may send a handful of reports an hour, and the CSRF token ties the post to
a form we served.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Template
from sqlmodel import Session

from public_site.plugin import AppSettings, DbEngine
from public_site.rendering import render
from registry.errors import Refused
from registry.photos import PhotoRefused, check_and_store
from registry.reports import ReportInput, client_hash, file_report
from registry.settings import Settings

MIN_SECONDS, MAX_SECONDS = 3, 2 * 3600
MAX_BODY = 9 * 1024 * 1024


@dataclass
class ReportForm:
    code: str = ""
    problem: str = ""
    place: str = ""
    province: str = ""
    contact: str = ""
    issued: str = ""
    website: str = ""  # the honeypot: hidden from people, filled by bots
    photo: UploadFile | None = None


def form_stamp(secret: str, now: float | None = None) -> str:
    issued = str(int(now if now is not None else time.time()))
    return f"{issued}.{hmac.new(secret.encode(), issued.encode(), hashlib.sha256).hexdigest()[:32]}"


def stamp_problem(secret: str, stamp: str, now: float | None = None) -> str | None:
    """Why this form stamp is refused, or None when a person plausibly filled the form."""
    issued, _, signature = stamp.partition(".")
    if not issued.isdigit() or not hmac.compare_digest(form_stamp(secret, int(issued)), stamp):
        return "the form has expired; please fill it in again"
    age = (now if now is not None else time.time()) - int(issued)
    if age < MIN_SECONDS:
        return "the form was sent too fast; please check it and send it again"
    if age > MAX_SECONDS:
        return "the form has expired; please fill it in again"
    return None


class ReportController(Controller):
    path = "/report"
    include_in_schema = False

    @get("/", sync_to_thread=False)
    def form(self, request: Request, settings: AppSettings,
             code: Annotated[str, QueryParameter(max_length=120)] = "") -> Template:
        return self._form(request, settings, ReportForm(code=code))

    @post("/", request_max_body_size=MAX_BODY)
    async def send(self, request: Request, engine: DbEngine, settings: AppSettings,
                   data: Annotated[ReportForm, Body(media_type=RequestEncodingType.MULTI_PART)]) -> Template:
        problem = "" if not data.website else "the form could not be accepted"
        problem = problem or stamp_problem(settings.secret_key, data.issued) or ""
        photo = None
        if not problem and data.photo is not None and data.photo.filename:
            content = await data.photo.read()
            try:
                photo = await anyio.to_thread.run_sync(check_and_store, content, settings.photo_dir)
            except PhotoRefused as exc:
                problem = str(exc)
        if problem:
            return self._form(request, settings, data, problem, status_code=400)
        sender = client_hash(settings.secret_key.encode(), request.client.host if request.client else "?")
        report = ReportInput(data.code, data.problem, data.place, data.province, data.contact, photo)
        try:
            await anyio.to_thread.run_sync(self._save, engine, report, sender)
        except Refused as exc:
            return self._form(request, settings, data, str(exc), status_code=exc.status)
        return render(request, "pages/report_sent.html", code=data.code)

    @staticmethod
    def _save(engine, report: ReportInput, sender: str) -> None:
        with Session(engine) as session:
            file_report(session, report, sender)
            session.commit()

    @staticmethod
    def _form(request: Request, settings: Settings, data: ReportForm, problem: str = "",
              status_code: int = 200) -> Template:
        stamp = form_stamp(settings.secret_key)
        return render(request, "pages/report.html", status_code=status_code, form=data,
                      problem=problem, stamp=stamp)

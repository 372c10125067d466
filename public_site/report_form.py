"""``/report``: anyone can tell the authority about a suspicious device, with an optional photo.

Bots are kept out without any third-party service: a field humans never see must stay
empty, the form carries a signed timestamp and must take a human's few seconds to fill,
each connection may send a handful of reports an hour, and the CSRF token ties the post to
a form we served.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from pathlib import Path
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
from registry.photo_access import discard_photos
from registry.photos import check_and_store
from registry.reports import ReportInput, check_quota, client_hash, file_report
from registry.settings import Settings

MIN_SECONDS, MAX_SECONDS = 3, 2 * 3600
MAX_BODY = 9 * 1024 * 1024
# photos decoded at once by this process: a burst of uploads waits its turn instead of
# holding many decoded images in memory together
PHOTO_DECODES = threading.BoundedSemaphore(2)


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
    # ASCII digits of a plausible length only: "²" is a digit to str.isdigit, and int() refuses it
    well_formed = stamp.isascii() and issued.isdigit() and len(issued) <= 12
    if not well_formed or not hmac.compare_digest(form_stamp(secret, int(issued)), stamp):
        return "the form has expired; please fill it in again"
    age = (now if now is not None else time.time()) - int(issued)
    if age < MIN_SECONDS:
        return "the form was sent too fast; please check it and send it again"
    if age > MAX_SECONDS:
        return "the form has expired; please fill it in again"
    return None


def _decode_and_store(content: bytes, folder: Path) -> str:
    with PHOTO_DECODES:
        return check_and_store(content, folder)


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
        """The fields, the form stamp and the sender's quota are checked before a photo is
        decoded (a few at a time); a photo of a report that is then refused is not kept."""
        problem = "" if not data.website else "the form could not be accepted"
        problem = problem or stamp_problem(settings.secret_key, data.issued) or ""
        if problem:
            return self._form(request, settings, data, problem, status_code=400)
        sender = client_hash(settings.secret_key.encode(), request.client.host if request.client else "?")
        report = ReportInput(data.code, data.problem, data.place, data.province, data.contact)
        try:
            report.check()
            await anyio.to_thread.run_sync(self._check_quota, engine, sender)
            if data.photo is not None and data.photo.filename:
                content = await data.photo.read()
                report.photo = await anyio.to_thread.run_sync(_decode_and_store, content, settings.photo_dir)
            await anyio.to_thread.run_sync(self._save, engine, report, sender)
        except Refused as exc:
            if report.photo:  # unless an earlier report holds the same picture
                await anyio.to_thread.run_sync(discard_photos, engine, settings.photo_dir, [report.photo])
            return self._form(request, settings, data, str(exc), status_code=exc.status)
        return render(request, "pages/report_sent.html", code=data.code)

    @staticmethod
    def _check_quota(engine, sender: str) -> None:
        with Session(engine) as session:
            check_quota(session, sender)

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

"""Open data files and the Atom feed of changes: for mirrors, journalists and other agencies."""

from __future__ import annotations

from email.utils import format_datetime

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Stream, Template

from public_site.plugin import AppSettings, Db, DbEngine
from public_site.schemas import problems
from registry.changes import latest_changes
from registry.opendata import Export, last_updated

MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson"}
ATOM_ENTRIES = 100


class OpenDataController(Controller):
    tags = ["open data"]

    @get("/open-data/{file:str}", operation_id="openData", sync_to_thread=True, media_type="text/csv",
         responses=problems(400, 404), response_description="CSV for .csv, JSON Lines for .jsonl")
    def certificates(self, request: Request, engine: DbEngine, file: FromPath[str]) -> Response | Stream:
        """The whole registry, streamed: ``certificates.csv`` or ``certificates.jsonl``.

        ``Last-Modified`` (and ``X-Registry-Updated``) carry the time of the last change.
        """
        name, _, fmt = file.rpartition(".")
        if name != "certificates" or fmt not in MEDIA:
            raise NotFoundException(detail="ask for certificates.csv or certificates.jsonl")
        updated = last_updated(engine)
        headers = {"Content-Disposition": f'attachment; filename="hopquy-{file}"',
                   "Cache-Control": "public, max-age=300"}
        if updated is not None:
            stamp = format_datetime(updated, usegmt=True)
            headers.update({"Last-Modified": stamp, "X-Registry-Updated": updated.isoformat()})
            if request.headers.get("if-modified-since") == stamp:
                return Response(b"", status_code=304, headers=headers)
        return Stream(iter(Export(engine, fmt)), media_type=MEDIA[fmt], headers=headers)

    @get("/feeds/changes.atom", operation_id="changesAtom", sync_to_thread=True, media_type="application/atom+xml")
    def atom(self, db: Db, settings: AppSettings) -> Template:
        """The latest registry changes as an Atom feed."""
        entries = latest_changes(db, ATOM_ENTRIES)
        return Template(template_name="feeds/changes.atom", media_type="application/atom+xml",
                        context={"entries": entries, "base": settings.public_url,
                                 "updated": entries[0]["at"] if entries else "1970-01-01T00:00:00+00:00"})

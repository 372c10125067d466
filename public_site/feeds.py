"""Open data files and the Atom feed of changes: for mirrors, journalists and other agencies."""

from __future__ import annotations

import anyio.to_thread
from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Stream, Template

from public_site.file_answers import file_answer
from public_site.plugin import AppSettings, Db, OpenData
from public_site.schemas import problems
from registry.changes import latest_changes

MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson"}
ATOM_ENTRIES = 100


class OpenDataController(Controller):
    tags = ["open data"]

    @get("/open-data/{file:str}", operation_id="openData", media_type="text/csv",
         responses=problems(400, 404), response_description="CSV for .csv, JSON Lines for .jsonl")
    async def certificates(self, request: Request, open_data: OpenData, file: FromPath[str]) -> Response | Stream:
        """The whole registry: ``certificates.csv`` or ``certificates.jsonl``, served from a file
        written after the registry changes (within a minute; the effective statuses are of the day).

        ``ETag``, ``Last-Modified`` (the registry's last change the file includes, also in
        ``X-Registry-Updated``), conditional requests (``304``) and one byte ``Range`` (``206``,
        with ``If-Range``) are supported, so mirrors poll cheaply and downloads resume.
        """
        name, _, fmt = file.rpartition(".")
        if name != "certificates" or fmt not in MEDIA:
            raise NotFoundException(detail="ask for certificates.csv or certificates.jsonl")
        published = open_data.current(fmt)
        if published is None:  # the first download of a new registry writes the file
            published = await anyio.to_thread.run_sync(open_data.ensure, fmt)
        headers = {"Content-Disposition": f'attachment; filename="hopquy-{file}"',
                   "Cache-Control": "public, max-age=300", "X-Registry-Rows": str(published.rows)}
        if published.registry_updated:
            headers["X-Registry-Updated"] = published.registry_updated
        return file_answer(request, open_data.path(published), published.size, published.etag,
                           published.last_modified, MEDIA[fmt], headers)

    @get("/feeds/changes.atom", operation_id="changesAtom", sync_to_thread=True, media_type="application/atom+xml")
    def atom(self, db: Db, settings: AppSettings) -> Template:
        """The latest registry changes as an Atom feed."""
        entries = latest_changes(db, ATOM_ENTRIES)
        return Template(template_name="feeds/changes.atom", media_type="application/atom+xml",
                        context={"entries": entries, "base": settings.public_url,
                                 "updated": entries[0]["at"] if entries else "1970-01-01T00:00:00+00:00"})

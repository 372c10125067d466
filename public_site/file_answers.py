"""Answer a download from a file on disk: validators, ``304``, and one byte range (``206``).

Mirrors poll the open data with ``If-None-Match``/``If-Modified-Since``; a phone on a weak
line resumes a big download with ``Range`` (and ``If-Range``, so that a resumed download
never splices two versions). Several ranges in one request are answered with the whole
file, as RFC 9110 allows. The file is opened before the answer starts, so a newer version
renamed into place meanwhile does not disturb a download already running.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import anyio
from litestar import Request, Response
from litestar.response import Stream

CHUNK = 256 * 1024
_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})")  # longer numbers are no range of ours


def file_answer(request: Request, path: Path, size: int, etag: str, modified, media_type: str,
                headers: dict[str, str]) -> Response | Stream:
    """The file at ``path`` (``size`` bytes), or a 304, a 206 or a 416, as the request asks."""
    tag = f'"{etag}"'
    stamp = format_datetime(modified, usegmt=True)
    headers = {**headers, "ETag": tag, "Last-Modified": stamp, "Accept-Ranges": "bytes"}
    if _not_modified(request, tag, modified):
        return Response(b"", status_code=304, headers=headers)
    span = _range(request, size, tag, stamp)
    if span == "unsatisfiable":
        return Response(b"", status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    start, end = span if span else (0, size - 1)
    headers["Content-Length"] = str(max(end - start + 1, 0))
    if span:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    handle = path.open("rb")  # now: a rename or unlink later leaves this download whole
    return Stream(_read(handle, start, end + 1), status_code=206 if span else 200, media_type=media_type,
                  headers=headers)


def _not_modified(request: Request, tag: str, modified) -> bool:
    if (asked := request.headers.get("if-none-match")) is not None:
        return tag in (t.strip().removeprefix("W/") for t in asked.split(",")) or asked.strip() == "*"
    if (since := request.headers.get("if-modified-since")) is not None:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _range(request: Request, size: int, tag: str, stamp: str) -> tuple[int, int] | str | None:
    """(first, last) byte asked for, "unsatisfiable", or None for the whole file."""
    asked = request.headers.get("range")
    if not asked or "," in asked:
        return None
    if (condition := request.headers.get("if-range")) is not None and condition.strip() not in (tag, stamp):
        return None  # the client holds another version: it gets this one whole
    match = _RANGE.fullmatch(asked.strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        count = int(last)
        return (max(size - count, 0), size - 1) if count and size else "unsatisfiable"
    start = int(first)
    if last and int(last) < start:
        return None  # not a valid range: ignored
    if start >= size:
        return "unsatisfiable"
    return start, min(int(last), size - 1) if last else size - 1


async def _read(handle, start: int, stop: int) -> AsyncIterator[bytes]:
    async_handle = anyio.wrap_file(handle)
    try:
        await async_handle.seek(start)
        left = stop - start
        while left > 0:
            data = await async_handle.read(min(CHUNK, left))
            if not data:
                return
            left -= len(data)
            yield data
    finally:
        await async_handle.aclose()

"""Sync from where feeds live: a folder that certification bodies drop files into, or a URL.

Both are meant for cron. A folder's files are imported oldest first, and files already
imported for the source (same sha256) are skipped by the importer itself. A URL is fetched
with a conditional request (ETag / If-Modified-Since) remembered in the registry, so an
unchanged feed costs one ``304 Not Modified`` and no download.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from importer.run import ImportOptions, ImportResult, import_file
from registry.clock import utcnow
from registry.errors import Refused
from registry.models import FeedLocation

MAX_BYTES = 512 * 1024 * 1024  # as an upload may be
MAX_SECONDS = 30 * 60
MAX_REDIRECTS = 5


class FetchRefused(Refused):
    """A download not taken: too big, too slow, or sent to another host."""


FEED_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".json", ".jsonl", ".ndjson"}
Importer = Callable[[Path], ImportResult]


def folder_files(folder: Path) -> list[Path]:
    """Feed files in ``folder``, oldest first; hidden and partial downloads are left alone."""
    files = [
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in FEED_SUFFIXES and not p.name.startswith((".", "~$"))
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def sync_folder(
    engine: Engine, folder: Path, options: ImportOptions, run: Importer | None = None
) -> list[ImportResult]:
    run = run or (lambda path: import_file(engine, path, options))
    return [run(path) for path in folder_files(folder)]


@dataclass
class FetchResult:
    url: str
    status: str  # not-modified | fetched
    result: ImportResult | None = None


def sync_url(
    engine: Engine, url: str, options: ImportOptions, run: Importer | None = None,
    client: httpx.Client | None = None,
) -> FetchResult:
    """Fetch ``url`` if it changed since the last successful import, and import it."""
    run = run or (lambda path: import_file(engine, path, options))
    with Session(engine) as session:
        known = session.get(FeedLocation, url)
        headers = {}
        if known and known.etag:
            headers["If-None-Match"] = known.etag
        if known and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
    own_client = client is None
    client = client or httpx.Client(timeout=httpx.Timeout(30, read=300))
    try:
        with tempfile.TemporaryDirectory(prefix="hopquy-fetch-") as tmp:
            response = _get(client, url, headers)
            try:
                if response.status_code == 304:
                    _remember(engine, url, options.source, known.etag if known else None,
                              known.last_modified if known else None)
                    return FetchResult(url, "not-modified")
                response.raise_for_status()
                path = Path(tmp) / _file_name(url, response)
                _save(response, path)
                etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
            finally:
                response.close()
            result = run(path)
    finally:
        if own_client:
            client.close()
    if result.status in ("applied", "skipped"):  # a rejected file is fetched again next time
        _remember(engine, url, options.source, etag, modified)
    return FetchResult(url, "fetched", result)


def _get(client: httpx.Client, url: str, headers: dict[str, str]) -> httpx.Response:
    """The response to ``url``, following redirects only within its own scheme and host: a
    feed address must not send the importer anywhere else (another host, a private network)."""
    origin, target = urlsplit(url)[:2], url
    for _ in range(MAX_REDIRECTS + 1):
        response = client.send(client.build_request("GET", target, headers=headers), stream=True)
        if not response.has_redirect_location:
            return response
        response.close()
        target = urljoin(target, response.headers.get("location", ""))
        if urlsplit(target)[:2] != origin:
            raise FetchRefused(f"{url} redirects to {target}, another host: not followed")
    raise FetchRefused(f"{url} redirects more than {MAX_REDIRECTS} times")


def _save(response: httpx.Response, path: Path) -> None:
    """The body into ``path``, at most ``MAX_BYTES`` and ``MAX_SECONDS``."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise FetchRefused(f"the feed is {int(declared):,} bytes; at most {MAX_BYTES:,} are taken")
    deadline, size = time.monotonic() + MAX_SECONDS, 0
    with path.open("wb") as f:
        for chunk in response.iter_bytes(1 << 20):
            size += len(chunk)
            if size > MAX_BYTES:
                raise FetchRefused(f"the feed goes on past {MAX_BYTES:,} bytes: not taken")
            if time.monotonic() > deadline:
                raise FetchRefused(f"the download took over {MAX_SECONDS} s: not taken")
            f.write(chunk)


def _file_name(url: str, response: httpx.Response) -> str:
    disposition = response.headers.get("content-disposition", "")
    if "filename=" in disposition:
        name = disposition.split("filename=", 1)[1].strip().strip('"')
    else:
        name = unquote(Path(urlsplit(url).path).name) or "feed"
    name = Path(name).name or "feed"
    if Path(name).suffix.lower() not in FEED_SUFFIXES:
        name += ".csv" if "csv" in response.headers.get("content-type", "") else ".feed"
    return name


def _remember(engine: Engine, url: str, source: str, etag: str | None, modified: str | None) -> None:
    with Session(engine) as session, session.begin():
        location = session.get(FeedLocation, url) or FeedLocation(url=url, source=source)
        location.source, location.etag, location.last_modified = source, etag, modified
        location.checked_at = utcnow()
        session.add(location)

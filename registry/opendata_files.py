"""The open-data files as published: written after the registry changes, served from disk.

A download must not hold a database connection for minutes: twenty clients that stop
reading would take the whole pool. So each format is written once to a file of its own
(named by its content hash, then renamed into place: a reader never sees half a file), and
a small JSON sidecar says which file is current, what it holds and when the registry last
changed before it was written. Any number of workers and processes share the folder; a
lock file lets one of them write at a time, and the others serve the file that is there.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from registry.clock import today
from registry.opendata import Export, last_updated

FORMATS = ("csv", "jsonl")


@dataclass(frozen=True)
class Published:
    """One format's current file and what it says of itself."""

    fmt: str
    file_name: str  # certificates-<hash>.<fmt>, in the folder
    etag: str  # the content's sha256, shortened: the same bytes, the same tag, in every worker
    registry_updated: str | None  # ISO time of the registry's last change the file includes
    day: str  # the day of its effective statuses: a file from yesterday is out of date today
    rows: int
    size: int
    written_at: str

    @property
    def last_modified(self) -> datetime:
        return datetime.fromisoformat(self.registry_updated or self.written_at)


class OpenDataFiles:
    """The folder of published files for one registry."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self.engine, self.folder = engine, folder

    def path(self, published: Published) -> Path:
        return self.folder / published.file_name

    def current(self, fmt: str) -> Published | None:
        """The file of ``fmt`` now published, or None before the first one is written."""
        try:
            published = Published(**json.loads((self.folder / f"certificates.{fmt}.json").read_text()))
        except (OSError, ValueError, TypeError):
            return None
        return published if self.path(published).exists() else None

    def is_stale(self, published: Published | None, registry_updated: datetime | None, on: date) -> bool:
        if published is None:
            return True
        stamp = registry_updated.isoformat() if registry_updated else None
        return published.registry_updated != stamp or published.day != on.isoformat()

    def ensure(self, fmt: str) -> Published:
        """The current file of ``fmt``, written first if the registry changed since (or a day passed)."""
        with self._lock():  # one writer at a time; the others then find its file current
            updated, on = last_updated(self.engine), today()
            published = self.current(fmt)
            if self.is_stale(published, updated, on):
                published = self._write(fmt, updated, on)
            return published

    def ensure_all(self) -> list[Published]:
        return [self.ensure(fmt) for fmt in FORMATS]

    def _write(self, fmt: str, updated: datetime | None, on: date) -> Published:
        self.folder.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        export = Export(self.engine, fmt)
        with tempfile.NamedTemporaryFile("wb", dir=self.folder, prefix=".writing-", delete=False) as out:
            try:
                for chunk in export:
                    data = chunk.encode()
                    digest.update(data)
                    size += len(data)
                    out.write(data)
                out.flush()
                os.fsync(out.fileno())
            except BaseException:
                os.unlink(out.name)
                raise
        etag = digest.hexdigest()[:32]
        published = Published(fmt, f"certificates-{etag}.{fmt}", etag, updated.isoformat() if updated else None,
                              on.isoformat(), export.count, size, datetime.now().astimezone().isoformat())
        os.replace(out.name, self.path(published))
        _write_atomically(self.folder / f"certificates.{fmt}.json", json.dumps(asdict(published)))
        self._remove_old(fmt, keep=published.file_name)
        return published

    def _remove_old(self, fmt: str, keep: str) -> None:
        """Older files go; a download already reading one keeps its open file to the end."""
        for path in self.folder.glob(f"certificates-*.{fmt}"):
            if path.name != keep:
                path.unlink(missing_ok=True)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text)
    os.replace(temporary, path)

"""Background threads of the server (outbox drainer, scan counts, open-data files, orphan
photos, raised flags, the ranked list's memory), stopped cleanly at shutdown."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from public_site import request_metrics
from registry.opendata_files import OpenDataFiles
from registry.photo_access import remove_orphans
from registry.raised_flags import keep_raised_flags
from registry.risk import ranked_certificates
from registry.scans import ScanCounter
from search.client import SearchIndex
from search.drain import run_forever

logger = logging.getLogger(__name__)


class IndexWorker:
    def __init__(self, engine: Engine, index: SearchIndex) -> None:
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=run_forever, args=(engine, index), kwargs={"stop": self.stop_event},
            name="hopquy-index-worker", daemon=True,
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=30)


class Periodic:
    """A job run every ``every`` seconds in a thread of its own (first at start, if asked,
    and once more at stop, if asked); a failing round is logged and the next one tries again
    (the database may be busy or down for a while)."""

    def __init__(self, name: str, job: Callable[[], object], every: float, *, at_start: bool = False,
                 at_stop: bool = False) -> None:
        self.name, self.job, self.every, self.at_start, self.at_stop = name, job, every, at_start, at_stop
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None

    def _run(self) -> None:
        if self.at_start:
            self._round()
        while not self.stop_event.wait(self.every):
            self._round()

    def _round(self) -> None:
        try:
            self.job()
        except Exception:
            logger.warning("%s: this round failed; the next one tries again", self.name, exc_info=True)

    def start(self) -> None:
        """A new thread each time: an app started again (tests do) starts its jobs again."""
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"hopquy-{self.name}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        if self.at_stop:
            self._round()


def scan_flusher(engine: Engine, counter: ScanCounter) -> Periodic:
    """Writes the scan counts every few seconds, and once more at shutdown."""
    return Periodic("scan-flusher", lambda: counter.flush(engine), 5.0, at_stop=True)


def open_data_refresher(files: OpenDataFiles) -> Periodic:
    """Rewrites the open-data files soon after the registry changes (and once a day, for the
    effective statuses), so that a download is served from disk, never from the database."""
    return Periodic("open-data", files.ensure_all, 60.0, at_start=True)


def photo_sweeper(engine: Engine, folder: Path) -> Periodic:
    """Removes, every hour, stored photos that no inspection or report names."""

    def sweep() -> None:
        with Session(engine) as session:
            if removed := remove_orphans(session, folder):
                logger.info("removed %d photo(s) nothing refers to", len(removed))

    return Periodic("photo-sweeper", sweep, 3600.0, at_start=True)


def flag_keeper(engine: Engine) -> Periodic:
    """Keeps every clone flag as it is raised (``registry.raised_flags``), for the yearly report."""
    return Periodic("flag-keeper", lambda: keep_raised_flags(engine), 600.0, at_start=True)


def risk_warmer(engine: Engine) -> Periodic:
    """Reads the ranked list every five minutes, so that what it keeps between calls (shared mark
    codes, holders' provinces, open reports) is computed here after an import, not while an
    inspector waits (1 s on SQLite, 3 s on PostgreSQL at a million certificates)."""

    def warm() -> None:
        with Session(engine) as session:
            ranked_certificates(session, limit=1)

    return Periodic("risk-warmer", warm, 300.0)


def metrics_writer() -> Periodic | None:
    """With several workers, this one's request counts go to a file for the others' scrapes."""
    if request_metrics.folder() is None:
        return None
    return Periodic("metrics-file", request_metrics.write_own_file, 5.0, at_start=True, at_stop=True)

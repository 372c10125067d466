"""Background threads of the server (outbox drainer, scan counts), stopped cleanly at shutdown."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from registry.opendata_files import OpenDataFiles
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


class OpenDataRefresher:
    """Rewrites the open-data files soon after the registry changes (and once a day, for the
    effective statuses), so that a download is served from disk, never from the database."""

    def __init__(self, files: OpenDataFiles, every: float = 60.0) -> None:
        self.files, self.every = files, every
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="hopquy-open-data", daemon=True)

    def _run(self) -> None:
        while True:
            try:
                self.files.ensure_all()
            except Exception:  # the database is busy or down: the files there stay published
                logger.warning("open-data files not refreshed yet", exc_info=True)
            if self.stop_event.wait(self.every):
                return

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)


class ScanFlusher:
    """Writes the scan counts every few seconds, and once more at shutdown."""

    def __init__(self, engine: Engine, counter: ScanCounter, every: float = 5.0) -> None:
        self.engine, self.counter, self.every = engine, counter, every
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="hopquy-scan-flusher", daemon=True)

    def _run(self) -> None:
        while not self.stop_event.wait(self.every):
            self._flush()

    def _flush(self) -> None:
        try:
            self.counter.flush(self.engine)
        except Exception:  # the database is busy or down: the counts wait for the next round
            logger.warning("scan counts not written yet", exc_info=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)
        self._flush()

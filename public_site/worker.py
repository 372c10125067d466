"""The outbox drainer as a background thread of the server, stopped cleanly at shutdown."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from search.client import SearchIndex
from search.sync import run_forever


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

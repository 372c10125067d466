"""A bulk import indexed while it writes: a new index is built aside and swapped in after
the commit.

Through the outbox, a big import is indexed only after its commit: writing and indexing
take their time one after the other. When a file brings at least twice as many records as
the registry holds (a first load, a new certification body), it is quicker to build a whole
new index while the import writes: the registry's current documents are sent to it from a
thread, and each chunk of created certificates as soon as it is written. The index still
follows the commit: nobody searches the new index until the import has committed and every
change it missed is in it; the swap makes it live at once.

Under the build lock (``search.build_lock``) no drainer runs, so after the commit the
outbox holds everything not yet in the new index: the import's updates and withdrawals, and
whatever others changed meanwhile. They are sent to the new index, the two are swapped, and
only then are those outbox rows released. A build killed at any point leaves the outbox
rows in place (the old index stays live and is brought up to date by the next drain); a
rolled-back import drops its new index.
"""

from __future__ import annotations

import tempfile
import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any, BinaryIO

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from registry import outbox
from registry.models import Certificate
from registry.records import CertificateData
from registry.snapshots import load_records
from search.build_lock import BuildLock
from search.client import UNAVAILABLE, SearchIndex, SearchUnavailable
from search.documents import to_document
from search.drain import BATCH
from search.drain import PAGE as DRAIN_PAGE
from search.reindex import prepare_aside, send_registry, swap_in
from search.spool import prepared_lines

# Bytes of documents sent to the new index at a time: Meilisearch indexes each page as a batch,
# and a batch costs more the bigger the index is, so pages are as big as a request may be
# (under its default 100 MB); measured in docs/benchmarks.md. A page waits in a temporary file.
PAGE_BYTES = 90_000_000
ROW_BYTES = 400  # what a feed row takes on average, to guess a file's rows from its size


def worth_building(engine: Engine, file_bytes: int) -> bool:
    """Whether a file of ``file_bytes`` likely holds twice as many records as the registry."""
    with Session(engine) as session:
        held = session.execute(select(func.count()).select_from(Certificate)).scalar_one()
    return 2 * held * ROW_BYTES <= file_bytes


class StagedBuild:
    """``start`` before the import, ``created`` as its hook, then ``finish`` or ``abandon``."""

    def __init__(self, engine: Engine, index: SearchIndex) -> None:
        self.engine, self.index = engine, index
        self.name = f"{index.name}_import_{time.time_ns()}"
        self.tasks: list[Any] = []
        self.covered = array("q")  # created certificates whose documents were sent, ascending
        # the page being filled: on disk, not in memory
        self._page: BinaryIO = tempfile.TemporaryFile(prefix="hopquy-page-")
        self._held = ExitStack()
        self._registry: threading.Thread | None = None
        self._registry_sent: tuple[list[Any], int] | BaseException | None = None
        self._lost: BaseException | None = None  # why Meilisearch could not take a page

    def start(self) -> None:
        self._held.enter_context(BuildLock(self.engine, self.index.name).exclusive())
        try:
            prepare_aside(self.index, self.name)
        except BaseException:
            self._release()
            raise

    def _start_registry(self) -> None:
        """Send the registry's documents from a thread, once the import is under way. Started
        before the import starts its reader, this thread would make the reader be spawned
        rather than forked (``importer.pipeline.reader_start_method``: a fork beside a thread
        inside SQLite can hang the child), which costs a fresh interpreter."""
        if self._registry is None:
            self._registry = threading.Thread(target=self._send_registry, name="staged-registry", daemon=True)
            self._registry.start()

    def _send_registry(self) -> None:
        try:
            self._registry_sent = send_registry(self.engine, self.index, self.name)
        except BaseException as exc:  # noqa: BLE001  raised again by finish
            self._registry_sent = exc

    def created(self, ids: Sequence[int], records: Sequence[CertificateData]) -> None:
        """The importer's hook: a chunk of certificates was just written (not yet committed)."""
        self._start_registry()
        if self._lost is not None:
            return  # Meilisearch went away: the import goes on, its outbox rows keep every change
        lines = prepared_lines(ids, records)
        self.covered.extend(cid for cid, _ in lines)
        if self._page.tell() + sum(len(line) for _, line in lines) > PAGE_BYTES:
            self._flush()  # before: a page never grows past the limit
        self._page.writelines(line for _, line in lines)

    def _flush(self) -> None:
        if self._page.tell() and self._lost is None:
            try:
                self.tasks.append(self.index.send_file(self._page, self.name))
            except (SearchUnavailable, *UNAVAILABLE) as exc:
                self._lost = exc
            self._page.seek(0)
            self._page.truncate()

    def finish(self) -> int:
        """After the commit: complete the new index, swap it in; returns the outbox rows it took.
        Raises ``SearchUnavailable`` if Meilisearch went away meanwhile: the old index stays
        live and the next drain brings it up to date from the outbox."""
        try:
            self._flush()
            if self._lost is not None:
                self._drop_aside()
                raise SearchUnavailable(f"Meilisearch went away during the import: {self._lost}")
            self._start_registry()  # an import that created nothing
            self._registry.join()
            if isinstance(self._registry_sent, BaseException):
                raise self._registry_sent
            self.tasks.extend(self._registry_sent[0])
            claimed = self._send_pending()
            for task in self.tasks:
                self.index.wait(task)
            swap_in(self.index, self.name)
            with Session(self.engine) as session, session.begin():
                outbox.release(session, claimed)
            return len(claimed)
        finally:
            self._release()

    def _send_pending(self) -> outbox.Claimed:
        """Send every queued change the new index lacks; the import's own new certificates
        (at their first version) are in it already."""
        claimed, after = outbox.Claimed(), 0
        with Session(self.engine) as session:
            while round_ := outbox.claim(session, BATCH, after):
                claimed.ids.extend(round_.ids)
                claimed.versions.extend(round_.versions)
                after = round_.ids[-1]
            for start in range(0, len(claimed), DRAIN_PAGE):
                missing = [cid for cid, version in claimed.pairs(start, start + DRAIN_PAGE)
                           if not (version == 1 and self._is_covered(cid))]
                records = load_records(session, missing)
                if records:
                    self.tasks.append(self.index.send([to_document(cid, r) for cid, r in records.items()],
                                                      self.name))
        return claimed

    def _release(self) -> None:
        self._page.close()
        self._held.close()

    def _is_covered(self, cid: int) -> bool:
        at = bisect_left(self.covered, cid)
        return at < len(self.covered) and self.covered[at] == cid

    def abandon(self) -> None:
        """The import did not commit: drop the new index."""
        try:
            self._drop_aside()
        finally:
            self._release()

    def _drop_aside(self) -> None:
        """Drop the new index if Meilisearch is there (if not, the next build drops it)."""
        try:
            if self._registry is not None:
                self._registry.join()
            self.index.wait(self.index.client.delete_index(self.name))
        except (SearchUnavailable, *UNAVAILABLE):
            pass

"""Import a feed and bring the search index up to date: the one path that ``hopquy import``,
``hopquy sync`` and ``POST /api/v1/imports`` all take.

A file that dwarfs the registry is indexed aside while it is written (``search.staged``);
any other has its new documents spooled as it is read (``search.spool``) and drained right
after the commit. When Meilisearch is unreachable the outbox keeps every change for later.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from importer.pipeline import PARALLEL_MIN_BYTES
from importer.run import ImportOptions, ImportResult, Progress, import_file
from search.client import UNAVAILABLE, SearchIndex, SearchUnavailable
from search.documents import document_line
from search.drain import drain, ensure_filled
from search.spool import SpoolWriter
from search.staged import StagedBuild, worth_building

BULK_NICENESS = 10


@dataclass
class Ingested:
    result: ImportResult
    indexed: int | None  # documents sent to the index now; None: left to the outbox
    seconds: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {**self.result.as_dict(), "indexed": self.indexed, "seconds": self.seconds}


def ingest(engine: Engine, index: SearchIndex | None, path: Path, options: ImportOptions, spool_dir: Path,
           progress: Progress | None = None, yield_cpu: bool = False) -> Ingested:
    """Import ``path`` whole or not at all, then index what it changed.

    ``yield_cpu``: a bulk load lowers its own priority so that Meilisearch keeps up with its
    writes; only for a process of its own (the command line), never for the server."""
    started = time.perf_counter()
    build = _staged_build(engine, index, path, options, yield_cpu)
    spool_path = spool_dir / f"import-{os.getpid()}-{time.time_ns()}.ndjson"
    spool = None
    if build is not None:
        options = replace(options, documents=document_line, created=build.created)
    elif index is not None and not options.dry_run:
        spool_dir.mkdir(parents=True, exist_ok=True)
        spool = SpoolWriter(spool_path)
        options = replace(options, documents=document_line, created=spool.add)
    result = None
    try:
        result = import_file(engine, path, options, progress)
    except BaseException:
        if build is not None:
            build.abandon()
        raise
    finally:
        if spool is not None:
            spool.close(keep=result is not None and result.status == "applied" and result.run_id is not None)
    imported = time.perf_counter()
    try:
        indexed = _index_now(engine, index, result, spool_path, build)
    finally:
        spool_path.unlink(missing_ok=True)
    seconds = {"import": round(imported - started, 3), "index": round(time.perf_counter() - imported, 3)}
    return Ingested(result, indexed, seconds)


def _staged_build(engine: Engine, index: SearchIndex | None, path: Path, options: ImportOptions,
                  yield_cpu: bool) -> StagedBuild | None:
    """A new index built while a big file that dwarfs the registry is written."""
    size = path.stat().st_size
    if index is None or options.dry_run or size < PARALLEL_MIN_BYTES or not worth_building(engine, size):
        return None
    build = StagedBuild(engine, index)
    try:
        build.start()
    except Exception:  # noqa: BLE001  Meilisearch went away: the outbox will do
        return None
    if yield_cpu:  # the processor goes to Meilisearch (and the site), which then keeps up with the writes
        os.nice(BULK_NICENESS)
    return build


def _index_now(engine: Engine, index: SearchIndex | None, result: ImportResult, spool: Path,
               build: StagedBuild | None) -> int | None:
    """Index right away when a Meilisearch is reachable; else the outbox keeps the changes."""
    if result.status != "applied":
        if build is not None:
            build.abandon()
        return None
    if index is None:
        return None
    try:
        if build is not None:
            return build.finish()
        ensure_filled(engine, index)
        return drain(engine, index, spool=spool)
    except (SearchUnavailable, *UNAVAILABLE):
        return None

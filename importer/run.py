"""One import run: read, validate and apply a feed in a single transaction.

Either the whole file lands or nothing does: the run record, the certificates, their
history and their search-outbox rows commit together, so killing the process at any
moment leaves the registry as it was before or after.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from importer.headers import describe
from importer.pipeline import Batch, FeedInfo, validated_feed
from importer.problems import FeedError, Problem
from registry.apply import SyncCounts, apply_records
from registry.clock import utcnow
from registry.db import refresh_statistics
from registry.digests import file_sha256
from registry.models import ImportRun
from registry.records import ROW, CertificateData, DocumentMaker
from registry.withdrawal import MassWithdrawRefused

Progress = Callable[[int, int, int], None]  # rows read, bytes read, total bytes


@dataclass
class ImportOptions:
    source: str
    full: bool = False
    strict: bool = True
    dry_run: bool = False
    allow_mass_withdraw: bool = False
    sheet: str | None = None
    force: bool = False
    keep_changes: int = 0
    # a big file's new records get their search documents made by ``documents`` while it is
    # read (importer.prepare); ``created`` hears each chunk of certificates written, with
    # their ids, before the commit (the spool or a staged build: ingest.service)
    documents: DocumentMaker | None = None
    created: Callable[[list[int], list[CertificateData]], None] | None = None


@dataclass
class ImportResult:
    file_name: str
    sha256: str
    source: str
    status: str = "applied"  # applied | rejected | skipped | dry-run
    rows: int = 0
    invalid_rows: int = 0
    counts: SyncCounts = field(default_factory=SyncCounts)
    problems: list[Problem] = field(default_factory=list)
    run_id: int | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def as_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "file": self.file_name, "sha256": self.sha256, "source": self.source,
            "status": self.status, "rows": self.rows, "invalid_rows": self.invalid_rows,
            "created": c.created, "updated": c.updated, "unchanged": c.unchanged,
            "withdrawn": c.withdrawn, "held": c.held, "run_id": self.run_id,
            "errors": len(self.errors), "warnings": len(self.problems) - len(self.errors),
            "problems": [p.as_dict() for p in self.problems],
            "changes": c.changes,
        }


def _refuse_foreign(result: ImportResult, source: str) -> None:
    """Rows naming another source's certificate were not applied: each is an invalid row."""
    for record, owner in result.counts.foreign:
        result.problems.append(Problem(
            record.extra.get(ROW), describe("certificate_no"), record.certificate_no,
            f"this certificate belongs to source {owner}; a feed of {source} cannot change it "
            "(an admin can transfer it)",
            f"chứng nhận này thuộc nguồn {owner}; dữ liệu của {source} không được sửa nó "
            "(quản trị viên có thể chuyển giao)"))
    result.invalid_rows += len(result.counts.foreign)


class _Rollback(Exception):
    pass


def already_imported(session: Session, source: str, sha256: str) -> ImportRun | None:
    return session.execute(
        select(ImportRun).where(ImportRun.source == source, ImportRun.sha256 == sha256)
    ).scalars().first()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector: an import allocates millions of short-lived, acyclic objects,
    and full collections scanning them took a third of the import time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_file(
    engine: Engine, path: Path, options: ImportOptions, progress: Progress | None = None
) -> ImportResult:
    path = Path(path)
    result = ImportResult(path.name, file_sha256(path), options.source)
    with Session(engine) as session:
        if not options.force and not options.dry_run:
            previous = already_imported(session, options.source, result.sha256)
            if previous is not None:
                result.status, result.run_id = "skipped", previous.id
                return result
    documents = None
    if options.documents and options.created and not options.dry_run:
        documents = (engine.url.render_as_string(hide_password=False), options.documents)
    items = validated_feed(path, options.sheet, options.source, documents)
    try:
        with paused_gc():
            _apply(engine, items, options, result, progress)
    except FeedError as exc:
        result.status = "rejected"
        result.problems.append(exc.problem)
    except MassWithdrawRefused as exc:
        result.status = "rejected"
        result.problems.append(Problem(
            None, None, None,
            f"{exc}; use --allow-mass-withdraw if the file really is the whole list",
            f"bản đầy đủ này sẽ rút {exc.would_withdraw} trên {exc.active} bản ghi đang hiệu "
            "lực của nguồn (trên 20%): bị từ chối; dùng --allow-mass-withdraw nếu đúng là vậy"))
    finally:
        items.close()
    if result.status == "applied":
        c = result.counts
        refresh_statistics(engine, c.created + c.updated + c.withdrawn)
    return result


def _apply(engine, items: Iterator[FeedInfo | Batch], options, result: ImportResult, progress) -> None:
    info = next(items)
    result.problems.extend(
        Problem(info.header_row, name, None, "unknown column, ignored", "cột không xác định, bỏ qua", "warning")
        for name in info.unknown_columns
    )
    # every number the file names, broken rows included, so that a row with a typo does
    # not look "absent" to a full snapshot
    present: set[str] = set()
    skipped = [0]  # rows the reader recognised as unchanged by their fingerprint

    def records() -> Iterator[CertificateData]:
        for batch in items:
            result.rows += batch.rows
            result.invalid_rows += batch.invalid
            result.problems.extend(batch.problems)
            skipped[0] += len(batch.unchanged_numbers)
            if options.full:
                present.update(batch.invalid_numbers)
                present.update(batch.unchanged_numbers)
            if progress:
                progress(result.rows, batch.position, info.size)
            yield from batch.records

    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            run = ImportRun(source=options.source, file_name=result.file_name,
                            sha256=result.sha256, mode="full" if options.full else "delta",
                            started_at=utcnow())
            session.add(run)
            session.flush()
            result.counts = apply_records(
                session, records(), run, full=options.full,
                allow_mass_withdraw=options.allow_mass_withdraw,
                keep_changes=options.keep_changes, present=present,
                on_created=None if options.dry_run else options.created)
            result.counts.unchanged += skipped[0]
            _refuse_foreign(result, options.source)
            if result.rows == 0:
                raise FeedError("the file has a header but no records",
                                "tệp có dòng tiêu đề nhưng không có bản ghi nào")
            if result.errors and options.strict:
                result.status = "rejected"
                raise _Rollback
            if options.dry_run:
                result.status = "dry-run"
                raise _Rollback
            c = result.counts
            run.created, run.updated, run.unchanged, run.withdrawn = c.created, c.updated, c.unchanged, c.withdrawn
            run.rows, run.finished_at = result.rows, utcnow()
            result.run_id = run.id
    except _Rollback:
        pass

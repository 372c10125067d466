"""Read and validate a feed in batches, in a child process when the file is big.

Parsing and validating a million rows is pure Python work, and so is writing them; on a
machine with two cores the two halves run side by side: a child reads and validates while
the parent writes the previous batches. Small files stay in-process, where a child would
cost more than it saves. Both paths yield exactly the same items.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from importer.fingerprints import fingerprint, signature
from importer.prepare import prepare_new, stored_fingerprints
from importer.problems import FeedError, Problem
from importer.readers import open_feed
from importer.validate import RowValidator
from registry.children import die_with_parent
from registry.db import make_engine
from registry.records import FINGERPRINT, CertificateData, DocumentMaker

BATCH_ROWS = 2000
PARALLEL_MIN_BYTES = 8 << 20  # about 20,000 rows
# Batches on their way to the writer: bounded, so that a slow writer holds the reader back, and
# few, since each waits as live objects before it is pickled (memory: docs/benchmarks.md).
CHANNEL_BATCHES = 2


@dataclass
class FeedInfo:
    header_row: int
    unknown_columns: list[str]
    size: int


@dataclass
class Batch:
    records: list[CertificateData] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0  # rows with any content
    invalid: int = 0
    invalid_numbers: list[str] = field(default_factory=list)  # numbers named by invalid rows
    unchanged_numbers: list[str] = field(default_factory=list)  # rows skipped: same fingerprint
    existing: set[str] = field(default_factory=set)  # numbers the registry already holds, when asked
    position: int = 0  # bytes read so far


# numbers -> the stored fingerprint of each that the registry already holds
Known = Callable[[list[str]], dict[str, str | None]]


def validate_batches(path: Path, sheet: str | None, source: str,
                     known: Known | None = None) -> Iterator[FeedInfo | Batch]:
    """``FeedInfo`` first, then batches of validated rows; raises ``FeedError``.

    With ``known``, rows whose fingerprint matches the registry's are not validated again:
    they come back as ``unchanged_numbers``. Each batch's stored fingerprints are looked up
    in a thread while the next batch is read (see ``stored_fingerprints``)."""
    feed = open_feed(path, sheet)
    lookups = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fingerprints") if known else None
    try:
        yield FeedInfo(feed.header.row, list(feed.header.unknown), feed.size)
        validator = RowValidator(feed.header, source)
        sign = signature(feed.header.columns, source)
        rows: list[tuple[int, list[Any]]] = []
        ahead: _Read | None = None  # the batch read last, its lookup under way
        for number, cells in feed.rows:
            if not any(c not in (None, "") for c in cells):
                continue  # blank lines between blocks are common in hand-kept sheets
            rows.append((number, cells))
            if len(rows) >= BATCH_ROWS:
                read = _Read(rows, feed.position(), validator, known, lookups)
                if ahead is not None:
                    yield ahead.batch(validator, sign)
                ahead, rows = read, []
        if ahead is not None:
            yield ahead.batch(validator, sign)
        yield _Read(rows, feed.size, validator, known, lookups).batch(validator, sign)
    finally:
        feed.close()
        if lookups is not None:
            lookups.shutdown(cancel_futures=True)


class _Read:
    """A batch of rows as read, with the registry's fingerprints of its numbers on the way."""

    def __init__(self, rows, position: int, validator: RowValidator, known: Known | None,
                 lookups: ThreadPoolExecutor | None) -> None:
        self.rows, self.position = rows, position
        self.numbers = [validator.number_of(cells) for _, cells in rows] if known else []
        self.stored: Future | None = None
        if lookups is not None:
            self.stored = lookups.submit(known, [n for n in self.numbers if n])

    def batch(self, validator: RowValidator, sign: bytes) -> Batch:
        rows, numbers = self.rows, self.numbers
        batch = Batch(rows=len(rows), position=self.position)
        prints = [fingerprint(sign, cells) for _, cells in rows]
        stored: dict[str, str | None] = self.stored.result() if self.stored is not None else {}
        batch.existing = set(stored)
        same = [i for i, number in enumerate(numbers) if number and stored.get(number) == prints[i]]
        unchanged = _note_unchanged(validator, rows, numbers, same)
        candidates = set(same) if unchanged is None else set()
        for i, (row, cells) in enumerate(rows):
            if unchanged is None:  # row by row (see _note_unchanged)
                skip = i in candidates and validator.note_unchanged(row, numbers[i])
            else:
                skip = i in unchanged
            if skip:
                batch.unchanged_numbers.append(numbers[i])
                continue
            record, problems = validator.validate(row, cells)
            if problems:
                batch.problems.extend(problems)
            if record is None:
                batch.invalid += 1
                if validator.last_number:
                    batch.invalid_numbers.append(validator.last_number)
            else:
                record.extra[FINGERPRINT] = prints[i]
                batch.records.append(record)
        return batch


def _note_unchanged(validator: RowValidator, rows, numbers: list[str | None], same: list[int]) -> set[int] | None:
    """The indexes of the rows ``same`` (fingerprint as stored) that are skipped as unchanged:
    all but those whose number came earlier in the file, noted in one go. None when a row to
    be validated in this batch shares a number with one of them: then the batch goes row by
    row, so that the first of the two in the file is the one that counts, as always."""
    if not same:
        return set()
    if len(same) < len(rows):
        others = {numbers[i] for i in set(range(len(rows))).difference(same)}
        if any(numbers[i] in others for i in same):
            return None
    refused = validator.note_all_unchanged([(rows[i][0], numbers[i]) for i in same])
    return {i for i in same if rows[i][0] not in refused}


def validated_feed(path: Path, sheet: str | None, source: str,
                   documents: tuple[str, DocumentMaker] | None = None) -> Iterator[FeedInfo | Batch]:
    """``validate_batches``, moved to a child process for big files.

    With ``documents`` (the database URL and a document maker), the child also prepares the
    search documents of the records that are new to the registry (see ``importer.prepare``).
    """
    if path.stat().st_size < PARALLEL_MIN_BYTES:
        return validate_batches(path, sheet, source)
    return _from_child(path, sheet, source, documents)


def _from_child(path: Path, sheet: str | None, source: str,
                documents: tuple[str, DocumentMaker] | None = None) -> Iterator[FeedInfo | Batch]:
    context = multiprocessing.get_context(reader_start_method())
    channel = context.Queue(maxsize=CHANNEL_BATCHES)
    child = context.Process(target=_child_main, args=(path, sheet, source, channel, documents), daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"the feed reader stopped unexpectedly (exit code {child.exitcode})"
                    ) from None
                continue
            if kind == "item":
                yield payload
            elif kind == "feed-error":
                raise FeedError.from_problem(payload)
            elif kind == "crash":
                raise RuntimeError(f"the feed reader failed:\n{payload}")
            else:
                return
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        channel.close()


def reader_start_method() -> str:
    """How to start the reader: fork when this process runs one thread, else spawn.

    Fork is the cheap way, and the only one for a script that calls ``import_file`` at top
    level: spawn re-imports the caller's main script. The forked child only reads a file and
    exits through ``os._exit``, so inherited database connections are never touched. But a
    fork copies locks as they are: if another thread is inside SQLite at that moment (a
    server answering requests while it imports an upload), the child waits forever on
    SQLite's lock in ``sqlite3.connect``. So a process with other threads spawns a fresh
    interpreter; servers, the only callers with threads, guard their main module as spawn
    needs."""
    return "fork" if threading.active_count() == 1 else "spawn"


def _child_main(path: Path, sheet: str | None, source: str, channel,
                documents: tuple[str, DocumentMaker] | None) -> None:
    die_with_parent()
    # its own connection, never the parent's; it only looks numbers up, so a small page cache
    engine = make_engine(documents[0], sqlite_cache_mib=8) if documents else None
    try:
        known = partial(stored_fingerprints, engine, source) if engine is not None else None
        for item in validate_batches(path, sheet, source, known):
            if isinstance(item, Batch) and engine is not None:
                prepare_new(item.records, item.existing, documents[1])
            channel.put(("item", item))
    except FeedError as exc:
        channel.put(("feed-error", exc.problem))
    except BaseException:  # noqa: BLE001  reported to the parent, which decides
        channel.put(("crash", traceback.format_exc()))
    else:
        channel.put(("done", None))

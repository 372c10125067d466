"""Read and validate a feed in batches, in a child process when the file is big.

Parsing and validating a million rows is pure Python work, and so is writing them; on a
machine with two cores the two halves run side by side: a child reads and validates while
the parent writes the previous batches. Small files stay in-process, where a child would
cost more than it saves. Both paths yield exactly the same items.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from importer.problems import FeedError, Problem
from importer.readers import open_feed
from importer.validate import RowValidator
from registry.children import die_with_parent
from registry.records import CertificateData

BATCH_ROWS = 2000
PARALLEL_MIN_BYTES = 8 << 20  # about 20,000 rows


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
    position: int = 0  # bytes read so far


def validate_batches(path: Path, sheet: str | None, source: str) -> Iterator[FeedInfo | Batch]:
    """``FeedInfo`` first, then batches of validated rows; raises ``FeedError``."""
    feed = open_feed(path, sheet)
    try:
        yield FeedInfo(feed.header.row, list(feed.header.unknown), feed.size)
        validator = RowValidator(feed.header, source)
        batch = Batch()
        for number, cells in feed.rows:
            if not any(c not in (None, "") for c in cells):
                continue  # blank lines between blocks are common in hand-kept sheets
            batch.rows += 1
            record, problems = validator.validate(number, cells)
            if problems:
                batch.problems.extend(problems)
            if record is None:
                batch.invalid += 1
                if validator.last_number:
                    batch.invalid_numbers.append(validator.last_number)
            else:
                batch.records.append(record)
            if batch.rows >= BATCH_ROWS:
                batch.position = feed.position()
                yield batch
                batch = Batch()
        batch.position = feed.size
        yield batch
    finally:
        feed.close()


def validated_feed(path: Path, sheet: str | None, source: str) -> Iterator[FeedInfo | Batch]:
    """``validate_batches``, moved to a child process for big files."""
    if path.stat().st_size < PARALLEL_MIN_BYTES:
        return validate_batches(path, sheet, source)
    return _from_child(path, sheet, source)


def _from_child(path: Path, sheet: str | None, source: str) -> Iterator[FeedInfo | Batch]:
    # fork, not spawn: spawn re-imports the caller's main script, which breaks any script
    # that calls import_file at top level. The child only reads a file and exits through
    # os._exit, so inherited database connections are never touched or finalised.
    context = multiprocessing.get_context("fork")
    channel = context.Queue(maxsize=8)  # bounded: a slow writer holds the reader back
    child = context.Process(target=_child_main, args=(path, sheet, source, channel), daemon=True)
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


def _child_main(path: Path, sheet: str | None, source: str, channel) -> None:
    die_with_parent()
    try:
        for item in validate_batches(path, sheet, source):
            channel.put(("item", item))
    except FeedError as exc:
        channel.put(("feed-error", exc.problem))
    except BaseException:  # noqa: BLE001  reported to the parent, which decides
        channel.put(("crash", traceback.format_exc()))
    else:
        channel.put(("done", None))

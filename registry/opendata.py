"""Open data: the whole registry streamed as CSV or JSON Lines, in the feed's own columns.

A file exported here imports back unchanged (English headers), plus the effective status on
the day of the export and the time of the record's last change.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from registry.catalogue import EXPORTED, LIST_COLUMNS
from registry.clock import today
from registry.models import Certificate
from registry.snapshots import load_records
from registry.status import effective_status

COLUMNS = [*EXPORTED, "effective_status", "updated_at"]  # the feed's columns first (registry.catalogue)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000


def rows(engine: Engine, on: date | None = None) -> Iterator[dict[str, Any]]:
    """Every certificate in id order, in batches so memory stays flat."""
    on = on or today()
    last_id = 0
    with Session(engine) as session:
        while True:
            batch = session.execute(
                select(Certificate.id, Certificate.updated_at).where(Certificate.id > last_id)
                .order_by(Certificate.id).limit(BATCH)
            ).all()
            if not batch:
                return
            records = load_records(session, [r.id for r in batch])
            for cid, updated_at in batch:
                record = records[cid]
                snap = record.snapshot()
                yield {
                    **{k: snap.get(k) for k in COLUMNS if k in snap},
                    "certificate_no": record.certificate_no,
                    "status": record.admin_status,
                    **{name: snap.get(name, []) for name in LIST_COLUMNS},
                    "effective_status": effective_status(record.admin_status, record.expires_on, on).code,
                    "updated_at": updated_at.isoformat(),
                }
            last_id = batch[-1].id


def safe_cell(value: Any) -> str:
    """A spreadsheet must never run a cell as a formula: prefix such cells with a quote."""
    if value is None:
        return ""
    text = "; ".join(value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Export:
    """The registry as CSV or JSON Lines text, in chunks for a file or an HTTP stream."""

    def __init__(self, engine: Engine, fmt: str, chunk_rows: int = 500) -> None:
        self.engine, self.fmt, self.chunk_rows, self.count = engine, fmt, chunk_rows, 0

    def __iter__(self) -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if self.fmt == "csv":
            writer.writerow(COLUMNS)
        for record in rows(self.engine):
            if self.fmt == "csv":
                writer.writerow([safe_cell(record.get(k)) for k in COLUMNS])
            else:
                buffer.write(json.dumps({k: record.get(k) for k in COLUMNS}, ensure_ascii=False) + "\n")
            self.count += 1
            if self.count % self.chunk_rows == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def write_csv(engine: Engine, out: IO[str]) -> int:
    return _write(Export(engine, "csv"), out)


def write_jsonl(engine: Engine, out: IO[str]) -> int:
    return _write(Export(engine, "jsonl"), out)


def _write(export: Export, out: IO[str]) -> int:
    for chunk in export:
        out.write(chunk)
    return export.count


def last_updated(engine: Engine) -> datetime | None:
    """When the registry last changed: the stamp open-data files carry."""
    with Session(engine) as session:
        return session.execute(select(func.max(Certificate.updated_at))).scalar_one()

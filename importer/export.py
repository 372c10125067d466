"""Open data: the whole registry streamed as CSV or JSON Lines, in the feed's own columns.

A file exported here imports back unchanged (English headers), plus the effective status on
the day of the export and the time of the record's last change.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from typing import IO, Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from registry.clock import today
from registry.models import Certificate
from registry.snapshots import load_records
from registry.status import effective_status

COLUMNS = ["certificate_no", "kind", "product_name", "brand", "models", "manufacturer", "origin",
           "holder_name", "holder_tax_code", "regulations", "method", "lot_ref",
           "certification_body", "issued_on", "expires_on", "status", "mark_code", "note",
           "effective_status", "updated_at"]
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


def write_csv(engine: Engine, out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for record in rows(engine):
        writer.writerow([safe_cell(record.get(k)) for k in COLUMNS])
        count += 1
    return count


def write_jsonl(engine: Engine, out: IO[str]) -> int:
    count = 0
    for record in rows(engine):
        out.write(json.dumps({k: record.get(k) for k in COLUMNS}, ensure_ascii=False) + "\n")
        count += 1
    return count

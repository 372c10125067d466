"""Import benchmark: a big feed into the registry and the index, next to raw Meilisearch.

    python -m benchmarks.import_bench --rows 100000
    python -m benchmarks.import_bench --rows 1000000 --database-url postgresql://postgres@127.0.0.1/test

In one run and on one machine: parse+validate rows/s; the ``hopquy import`` command (database,
then index) with the peak memory of its whole process tree; the same documents indexed by plain
Meilisearch with the same settings; and a re-import of the file with 1% of rows changed. The
machine is noisy, so the figures that matter are the ratios printed at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import orjson
from sqlalchemy import select
from sqlmodel import Session

from benchmarks.feedgen import write_csv
from benchmarks.measure import Memory, meilisearch_for, raw_index, run_measured
from importer.pipeline import Batch, validate_batches
from registry.db import make_engine
from registry.models import Certificate
from registry.snapshots import load_records
from search.documents import to_document

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
HOPQUY = str(Path(sys.executable).with_name("hopquy"))


def feeds(work: Path, rows: int) -> tuple[Path, Path]:
    """The feed, and a copy with every 100th record's note changed (1%)."""
    full, changed = work / f"feed-{rows}.csv", work / f"feed-{rows}-1pct.csv"
    if not full.exists():
        write_csv(full, rows, seed=1, shared=SHARED if SHARED.exists() else None)
    if not changed.exists():
        with full.open(encoding="utf-8", newline="") as src, changed.open("w", encoding="utf-8", newline="") as dst:
            reader, writer = csv.reader(src), csv.writer(dst)
            for number, cells in enumerate(reader):
                if number > 3 and number % 100 == 0:
                    cells[-1] = f"sửa đổi {number}"
                writer.writerow(cells)
    return full, changed


def validate_rate(feed: Path) -> float:
    started, rows = time.perf_counter(), 0
    for item in validate_batches(feed, None, "bench"):
        if isinstance(item, Batch):
            rows += item.rows
    return rows / (time.perf_counter() - started)


def hopquy_import(feed: Path, env: dict[str, str]) -> tuple[dict, float, Memory]:
    # as an operator deploys: the schema first (a no-op once there), then the import
    subprocess.run([HOPQUY, "db", "upgrade"], env=env, check=True, capture_output=True)
    done, wall, peak = run_measured([HOPQUY, "import", str(feed), "--source", "bench", "--json"], env)
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stderr.decode()[-3000:]}")
    return json.loads(done.stdout), wall, peak


def export_documents(database_url: str, path: Path) -> str:
    """Write the registry's search documents as NDJSON; returns the last certificate number."""
    engine = make_engine(database_url)
    last = ""
    with Session(engine) as session, path.open("wb") as out:
        ids = session.execute(select(Certificate.id).order_by(Certificate.id)).scalars().all()
        for start in range(0, len(ids), 10_000):
            records = load_records(session, ids[start : start + 10_000])
            for cid, record in records.items():
                out.write(orjson.dumps(to_document(cid, record)) + b"\n")
                last = record.certificate_no
    engine.dispose()
    return last


def answers(url: str, key: str, index: str, number: str) -> bool:
    import meilisearch

    hits = meilisearch.Client(url, key).index(index).search(number, {"limit": 1})["hits"]
    return bool(hits) and hits[0]["certificate_no"] == number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("var/bench"))
    parser.add_argument("--database-url", help="default: a fresh SQLite file in --work")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    full, changed = feeds(work, args.rows)
    database_url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    if not args.database_url:
        for leftover in work.glob("bench.db*"):
            leftover.unlink()
    else:
        _reset_postgres(database_url)

    figures = Figures()
    figures["parse+validate"] = f"{validate_rate(full):,.0f} rows/s"
    with meilisearch_for(work) as (url, key):
        env = {"HOPQUY_DATABASE_URL": database_url, "HOPQUY_MEILI_URL": url, "HOPQUY_MEILI_KEY": key,
               "HOPQUY_MEILI_INDEX": "bench"}
        summary, wall, peak = hopquy_import(full, env)
        db_s, index_s = summary["seconds"]["import"], summary["seconds"]["index"]
        figures["import: database"] = f"{db_s:.1f} s ({summary['created']:,} created, {args.rows / db_s:,.0f} rows/s)"
        figures["import: index"] = f"{index_s:.1f} s ({summary['indexed']:,} documents)"
        docs = work / "documents.ndjson"
        last = export_documents(database_url, docs)
        figures["index answers the last row"] = f"{wall:.1f} s after start: {answers(url, key, 'bench', last)}"
        figures["import: peak memory (all processes)"] = str(peak)
        raw = raw_index(url, key, "raw", docs)
        figures["raw Meilisearch add_documents"] = f"{raw:.1f} s"
        again, again_wall, again_peak = hopquy_import(changed, env)
        figures["re-import 1% changed"] = (
            f"{again_wall:.1f} s, {again['updated']:,} updated, {again['indexed']:,} documents sent, "
            f"peak {again_peak}")
    figures["RATIO import (database + index) / raw"] = f"{(db_s + index_s) / raw:.2f} (target <= 1.5)"
    figures["RATIO re-import 1% / full import"] = f"{again_wall / wall:.1%} (target < 15%)"
    worst = max(peak, again_peak, key=lambda m: m.pss_sum)
    figures["peak memory"] = f"{worst} (target < 500 MiB)"
    print(f"\nimport benchmark, {args.rows:,} rows, {database_url.split(':')[0]}")
    for name, value in figures.items():
        print(f"  {name:<40}  {value}")


class Figures(dict):
    """Figures as they are measured: printed at once (a 1M run takes a while), and kept."""

    def __setitem__(self, name: str, value: str) -> None:
        print(f"{name}: {value}", file=sys.stderr, flush=True)
        super().__setitem__(name, value)


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


if __name__ == "__main__":
    main()

"""The restore drill's figures: ``hopquy backup`` and ``hopquy restore`` of a big registry,
beside the raw tool doing the same copy in the same run (SQLite's backup API alone; plain
``pg_dump -Fc`` and ``pg_restore``). What ours adds: the sha256 of every file, the row
counts of every table before and after, the photos and the secret.

    python -m benchmarks.backup_bench --rows 1000000
    python -m benchmarks.backup_bench --rows 1000000 --database-url postgresql://postgres@127.0.0.1/test

The registry is imported once (without a search index: the index is rebuilt after a restore
and measured by the search benchmarks) and reused by later runs while it holds ``--rows``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from pathlib import Path

from sqlalchemy import func, select, text
from sqlmodel import Session

from benchmarks.import_bench import feeds
from importer.run import ImportOptions, import_file
from registry.backup import _libpq_url, backup, copy_sqlite, restore
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import Certificate

RESTORED_DB = "hopquy_restore_bench"


def ensure_registry(url: str, work: Path, rows: int):
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        have = session.execute(select(func.count()).select_from(Certificate)).scalar_one()
    if have < rows:
        full, _ = feeds(work, rows)
        started = time.perf_counter()
        import_file(engine, full, ImportOptions(source="bench"))
        print(f"  imported {rows:,} rows in {time.perf_counter() - started:.0f} s (once; later runs reuse it)")
    return engine


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def fresh_postgres(url: str) -> str:
    """An empty database beside the registry's, for the restores; its URL."""
    admin = make_engine(url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {RESTORED_DB}"))
        connection.execute(text(f"CREATE DATABASE {RESTORED_DB}"))
    admin.dispose()
    return url.rsplit("/", 1)[0] + f"/{RESTORED_DB}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("var/backup-bench"))
    parser.add_argument("--database-url", help="default: a SQLite file in --work")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{work / 'registry.sqlite3'}"
    postgres = url.startswith("postgresql")
    engine = ensure_registry(url, work, args.rows)
    data_dir = work / "data"
    data_dir.mkdir(exist_ok=True)
    (data_dir / "secret-key").write_text("bench-secret-bench-secret-bench-secret-00")
    for name in ("ours", "raw", "restored-data"):
        shutil.rmtree(work / name, ignore_errors=True)
    (work / "raw").mkdir()
    figures: dict[str, float] = {}
    raw_dump = work / "raw" / ("registry.pgdump" if postgres else "registry.sqlite3")
    if postgres:
        def raw_backup() -> None:
            subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={raw_dump}",
                            _libpq_url(engine)], check=True)
    else:
        def raw_backup() -> None:  # the backup API alone (registry.backup.copy_sqlite), no sha256, no counts
            copy_sqlite(engine.url.database, raw_dump)
    figures["raw backup"] = timed(raw_backup)
    figures["hopquy backup"] = timed(lambda: backup(engine, data_dir, work / "ours"))
    size = sum(path.stat().st_size for path in (work / "ours").rglob("*") if path.is_file())

    target_url = fresh_postgres(url) if postgres else f"sqlite:///{work / 'restored-raw.sqlite3'}"
    if postgres:
        target = make_engine(target_url)

        def raw_restore() -> None:
            subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                            f"--dbname={_libpq_url(target)}", str(raw_dump)], check=True)
    else:
        Path(work / "restored-raw.sqlite3").unlink(missing_ok=True)

        def raw_restore() -> None:
            copy_sqlite(raw_dump, work / "restored-raw.sqlite3")
    figures["raw restore"] = timed(raw_restore)
    if postgres:
        target.dispose()
        target_url = fresh_postgres(url)
    else:
        target_url = f"sqlite:///{work / 'restored.sqlite3'}"
        Path(work / "restored.sqlite3").unlink(missing_ok=True)
    target = make_engine(target_url)
    figures["hopquy restore"] = timed(lambda: restore(target, work / "restored-data", work / "ours"))
    target.dispose()
    with Session(engine) as session:
        count = session.execute(select(func.count()).select_from(Certificate)).scalar_one()
    print(f"\nbackup benchmark, {count:,} certificates, {url.split(':')[0]}, backup {size / 1e6:,.0f} MB")
    for name, seconds in figures.items():
        print(f"  {name:<16} {seconds:8.2f} s")
    print(f"  RATIO backup  hopquy / raw  {figures['hopquy backup'] / figures['raw backup']:.2f}")
    print(f"  RATIO restore hopquy / raw  {figures['hopquy restore'] / figures['raw restore']:.2f}")


if __name__ == "__main__":
    main()

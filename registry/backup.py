"""Backup and restore of everything that is not derived: the registry database, the photos
of inspections and reports, and the generated secret (it keys the hashes that stand in for
client addresses and signs the scan page's province form). The search index, the open-data
files and the metrics are derived: a restore rebuilds them.

A backup is a folder: ``registry.sqlite3`` (SQLite's online backup API: a consistent copy
while the server writes) or ``registry.pgdump`` (``pg_dump -Fc``, one snapshot), ``photos/``,
``secret-key``, and ``manifest.json`` with the schema revision, the rows of every table and
the size and sha256 of every file. It is written aside and renamed into place, so a folder
with a manifest is a whole backup. A restore checks every sha256 first, loads into an empty
database only (in one transaction on PostgreSQL), and checks the row counts after.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from registry.db import is_postgres
from registry.digests import file_sha256
from registry.migrate import current_revision

FORMAT = 1
MANIFEST = "manifest.json"
SECRET = "secret-key"


class BackupError(RuntimeError):
    """A backup or restore that cannot go on, and why."""


def backup(engine: Engine, data_dir: Path, target: Path) -> dict[str, Any]:
    """Write a whole backup to ``target`` (which must not exist); returns its manifest."""
    if target.exists():
        raise BackupError(f"{target} exists: a backup goes into a new folder")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    if is_postgres(engine):
        database = "registry.pgdump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *_schema_option(engine),
              f"--file={partial / database}", _libpq_url(engine)])
    else:
        database = "registry.sqlite3"
        copy_sqlite(_sqlite_path(engine), partial / database)
    counts, revision = table_counts(engine)  # after the copy: rows added meanwhile are not in it
    photos = data_dir / "photos"
    if photos.is_dir():
        shutil.copytree(photos, partial / "photos")
    if (data_dir / SECRET).is_file():
        shutil.copy2(data_dir / SECRET, partial / SECRET)
    manifest = {
        "format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"kind": engine.dialect.name, "file": database, "schema_revision": revision},
        "rows": counts, "files": _files(partial),
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    partial.rename(target)
    return manifest


def restore(engine: Engine, data_dir: Path, source: Path) -> dict[str, Any]:
    """Load the backup in ``source`` into ``engine``'s empty database and ``data_dir``."""
    manifest = read_manifest(source)
    kind = manifest["database"]["kind"]
    if kind != engine.dialect.name:
        raise BackupError(f"this backup holds a {kind} database; the target is {engine.dialect.name}")
    if tables := inspect(engine).get_table_names():
        raise BackupError(f"the target database is not empty ({len(tables)} tables): restore goes into an "
                          "empty database only")
    photos = data_dir / "photos"
    if photos.is_dir() and any(photos.iterdir()):
        raise BackupError(f"{photos} is not empty: restore goes into an empty data dir")
    dump = source / manifest["database"]["file"]
    if kind == "postgresql":
        _drop_empty_schema(engine)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={_libpq_url(engine)}", str(dump)])
    else:
        engine.dispose()
        Path(_sqlite_path(engine)).parent.mkdir(parents=True, exist_ok=True)
        copy_sqlite(dump, _sqlite_path(engine))
    if (source / "photos").is_dir():
        shutil.copytree(source / "photos", photos, dirs_exist_ok=True)
    if (source / SECRET).is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / SECRET, data_dir / SECRET)
    counts, _ = table_counts(engine)
    if counts != manifest["rows"]:
        differ = sorted(name for name in manifest["rows"] if counts.get(name) != manifest["rows"][name])
        raise BackupError(f"the restored rows differ from the manifest's in {', '.join(differ)}")
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest, once every file it lists is there with its sha256."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} holds no {MANIFEST}: not a whole backup") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not one this version reads ({FORMAT})")
    for entry in manifest["files"]:
        path = source / entry["path"]
        if not path.is_file() or file_sha256(path) != entry["sha256"]:
            raise BackupError(f"{entry['path']} is missing or damaged (its sha256 differs from the manifest's)")
    return manifest


def table_counts(engine: Engine) -> tuple[dict[str, int], str | None]:
    """Rows of every table of the registry, and the schema revision."""
    with engine.connect() as connection:
        counts = {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                  for table in SQLModel.metadata.sorted_tables}
        return counts, current_revision(connection)


def _files(folder: Path) -> list[dict[str, Any]]:
    return [{"path": path.relative_to(folder).as_posix(), "bytes": path.stat().st_size, "sha256": file_sha256(path)}
            for path in sorted(folder.rglob("*")) if path.is_file()]


def copy_sqlite(source: str | Path, target: str | Path) -> None:
    """SQLite's online backup API: a consistent copy while others write; both files closed after."""
    with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(target)) as writing:
        reading.backup(writing)


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client, the server's major "
                          "version)") from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return path


def _libpq_url(engine: Engine) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver name, no ``options`` query)."""
    url = make_url(engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    return url.difference_update_query(["options"]).render_as_string(hide_password=False)


def _schema(engine: Engine) -> str | None:
    """The schema that the URL's ``options=-csearch_path=...`` names, if any (a registry kept
    in one schema of a shared database)."""
    options = engine.url.query.get("options")
    for option in ([options] if isinstance(options, str) else options or []):
        for part in unquote(option).split():
            name, _, value = part.removeprefix("-c").partition("=")
            if name.strip() == "search_path":
                return value.split(",")[0].strip() or None
    return None


def _schema_option(engine: Engine) -> list[str]:
    schema = _schema(engine)
    return [f"--schema={schema}"] if schema else []


def _drop_empty_schema(engine: Engine) -> None:
    """A registry in a schema of its own is dumped with its ``CREATE SCHEMA``: the empty
    schema waiting for it goes first (it was checked to hold no table)."""
    schema = _schema(engine)
    if schema:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}"'))
        engine.dispose()

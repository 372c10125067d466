"""``hopquy backup DIR`` and ``hopquy restore DIR``: what cannot be rebuilt, kept and loaded
back (``registry.backup``); a restore ends by rebuilding the search index."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from cli.context import engine_for, search_index
from registry.backup import BackupError, backup, restore
from registry.db import BATCH, make_engine
from registry.migrate import SchemaBehind, prepare
from registry.settings import get_settings


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup_command(folder: Path) -> None:
    """Write a consistent copy of the registry, photos and secret to FOLDER (a new folder)."""
    settings = get_settings()
    started = time.perf_counter()
    try:
        manifest = backup(engine_for(settings), settings.data_dir, folder)
    except BackupError as exc:
        sys.exit(f"backup failed: {exc}")
    size = sum(entry["bytes"] for entry in manifest["files"])
    click.echo(f"backed up {manifest['rows']['certificate']} certificates, {len(manifest['files'])} files, "
               f"{size / 1e6:.1f} MB, to {folder} in {time.perf_counter() - started:.1f} s")


@click.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--no-reindex", is_flag=True, help="leave the search index for a later `hopquy reindex`")
def restore_command(folder: Path, no_reindex: bool) -> None:
    """Load the backup in FOLDER into an empty database and data dir, then rebuild the index."""
    settings = get_settings()
    engine = make_engine(settings.database_url, timeouts=BATCH)
    started = time.perf_counter()
    try:
        manifest = restore(engine, settings.data_dir, folder)
    except BackupError as exc:
        sys.exit(f"restore failed: {exc}")
    click.echo(f"restored {manifest['rows']['certificate']} certificates from {folder} "
               f"in {time.perf_counter() - started:.1f} s")
    try:
        prepare(engine, settings.migrate)
    except SchemaBehind as exc:
        sys.exit(f"{exc}; then run `hopquy reindex`")
    if no_reindex:
        return
    from search.reindex import reindex

    with search_index(settings) as index:
        if index is None:
            sys.exit("no Meilisearch reachable to rebuild the index: run `hopquy reindex` when it is")
        started = time.perf_counter()
        click.echo(f"reindexed {reindex(engine, index)} certificates in {time.perf_counter() - started:.1f} s")

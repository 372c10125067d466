"""``hopquy import``: one feed file into the registry, with progress, summary and report."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli.context import engine_for, search_index
from importer.run import ImportOptions, ImportResult
from importer.run import Progress as RowProgress
from ingest.service import Ingested, ingest
from registry.settings import get_settings

SHOWN_PROBLEMS = 50


def feed_options(command):
    """The options ``hopquy import`` and ``hopquy sync`` share."""
    options = [
        click.option("--source", required=True, help="the feed's source (certification body)"),
        click.option("--mode", type=click.Choice(["delta", "full"]), default="delta", show_default=True,
                     help="full: the file is the whole current list of the source"),
        click.option("--skip-invalid", is_flag=True, help="import the valid rows, report the rest"),
        click.option("--allow-mass-withdraw", is_flag=True, help="let a full snapshot withdraw over 20%"),
        click.option("--sheet", help="XLSX sheet name (default: the first)"),
        click.option("--json", "as_json", is_flag=True, help="print the summary as JSON"),
        click.option("--quiet", is_flag=True, help="no progress bar, no table"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def import_options(source: str, mode: str, skip_invalid: bool, allow_mass_withdraw: bool, sheet: str | None,
                   dry_run: bool = False, force: bool = False) -> ImportOptions:
    return ImportOptions(source=source, full=mode == "full", strict=not skip_invalid, dry_run=dry_run,
                         allow_mass_withdraw=allow_mass_withdraw, sheet=sheet, force=force,
                         keep_changes=200 if dry_run else 0)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@feed_options
@click.option("--dry-run", is_flag=True, help="validate and show the changes, write nothing")
@click.option("--force", is_flag=True, help="import even if this file was imported before")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="write the report as JSON")
def import_command(file: Path, source: str, mode: str, skip_invalid: bool, dry_run: bool,
                   allow_mass_withdraw: bool, sheet: str | None, force: bool, report: Path | None,
                   as_json: bool, quiet: bool) -> None:
    """Import FILE (CSV, XLSX, JSON) from SOURCE: all of it, or nothing and a report."""
    settings = get_settings()
    engine = engine_for(settings)
    options = import_options(source, mode, skip_invalid, allow_mass_withdraw, sheet, dry_run, force)
    result, body = import_and_index(settings, engine, file, options, as_json or quiet)
    if report:
        report.write_text(json.dumps(body, ensure_ascii=False, indent=2, default=str))
    show(result, body, as_json, quiet, with_problems=not report)
    sys.exit(1 if result.status == "rejected" else 0)


def import_and_index(settings, engine, file: Path, options: ImportOptions, silent: bool) -> tuple[ImportResult, dict]:
    """Import one file with a progress bar on a terminal, index it, and return its summary."""
    console = Console(stderr=True, quiet=silent)
    with search_index(settings, start_managed=False) as index:
        done = _with_progress(file, console, silent, lambda progress: ingest(
            engine, index, file, options, settings.data_dir / "spool", progress, yield_cpu=True))
    return done.result, done.as_dict()


def _with_progress(file: Path, console: Console, silent: bool, run: Callable[[RowProgress], Ingested]) -> Ingested:
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rows]} rows"),
                  TextColumn("{task.fields[rate]} rows/s"), TimeRemainingColumn(),
                  console=console, transient=True, disable=silent or not console.is_terminal,
                  auto_refresh=False) as bar:
        # refreshed by the import itself, not by rich's thread: a process with no other thread
        # can fork its feed reader (importer.pipeline.reader_start_method)
        task = bar.add_task(file.name, total=file.stat().st_size, rows=0, rate="-")
        shown = [0.0]

        def progress(rows: int, done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 1e-9
            now = time.monotonic()
            due = now - shown[0] >= 0.1 or done >= total  # ten times a second is smooth enough
            if due:
                shown[0] = now
            bar.update(task, completed=done, rows=f"{rows:,}", rate=f"{rows / elapsed:,.0f}", refresh=due)

        return run(progress)


def show(result: ImportResult, body: dict, as_json: bool, quiet: bool, with_problems: bool = True) -> None:
    if as_json:
        click.echo(json.dumps(body if with_problems else {**body, "problems": None}, ensure_ascii=False,
                              default=str))
    else:
        _print(Console(stderr=True), result, body["indexed"], body["seconds"], quiet)


def _indexed_cell(result: ImportResult, indexed: int | None) -> str:
    if result.status != "applied":
        return "-"
    return "queued" if indexed is None else str(indexed)


def _print(console: Console, result: ImportResult, indexed: int | None, seconds: dict, quiet: bool) -> None:
    for problem in result.problems[:SHOWN_PROBLEMS]:
        console.print(str(problem), style="red" if problem.severity == "error" else "yellow",
                      markup=False, highlight=False)
    if len(result.problems) > SHOWN_PROBLEMS:
        console.print(f"… and {len(result.problems) - SHOWN_PROBLEMS} more (use --report FILE)")
    if quiet:
        return
    c = result.counts
    table = Table(title=f"{result.file_name} → {result.source}: {result.status}")
    for name in ("rows", "created", "updated", "unchanged", "withdrawn", "held", "invalid", "indexed"):
        table.add_column(name, justify="right")
    table.add_row(str(result.rows), str(c.created), str(c.updated), str(c.unchanged),
                  str(c.withdrawn), str(c.held), str(result.invalid_rows),
                  _indexed_cell(result, indexed))
    console.print(table)
    if c.held:
        console.print(f"{c.held} status change(s) wait for an admin's review while a decision stands "
                      "(/staff/reviews)")
    if result.status == "applied":
        console.print(f"written in {seconds['import']:.1f} s, indexed in {seconds['index']:.1f} s")
    if result.status == "skipped":
        console.print("this exact file was already imported for this source (use --force to re-run)")
    elif result.status == "rejected" and result.rows:
        console.print("nothing was written: fix the rows above, or use --skip-invalid")
    for change in c.changes[:50]:
        console.print(f"{change['action']:>9} {change['certificate_no']}: {change['diff']}",
                      markup=False, highlight=False)

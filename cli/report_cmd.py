"""``hopquy report enforcement``: the yearly report to the steering committee, as a file."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import click
from sqlmodel import Session

from cli.context import engine_for
from public_site.report_files import FORMATS, WRITERS
from registry.enforcement_report import enforcement_report, period
from registry.errors import Refused
from registry.settings import get_settings


@click.group("report")
def report_command() -> None:
    """Reports made from the registry's records."""


@report_command.command("enforcement")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="first day (YYYY-MM-DD); default: 1 January of this year")
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="last day (YYYY-MM-DD); default: today")
@click.option("--format", "file_format", type=click.Choice(FORMATS), default="xlsx", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the file to write; default: enforcement-FROM-TO.FORMAT here")
def enforcement_command(period_from: datetime | None, period_to: datetime | None, file_format: str,
                        output: Path | None) -> None:
    """Inspections, findings, conclusions, sanctions, decisions, citizen reports and clone flags
    of a period, for the report to Ban Chỉ đạo 389 (due before 10 December)."""
    settings = get_settings()
    start, end = period(period_from.date() if period_from else None, period_to.date() if period_to else None)
    started = time.perf_counter()
    with Session(engine_for(settings)) as session:
        try:
            report = enforcement_report(session, start, end, settings.issuing_unit)
        except Refused as exc:
            sys.exit(f"report refused: {exc}")
    body = WRITERS[file_format](report)
    output = output or Path(f"enforcement-{start.isoformat()}-{end.isoformat()}.{file_format}")
    output.write_bytes(body)
    click.echo(f"wrote {output} ({len(body):,} bytes): {report.totals['inspections']} inspections, "
               f"{report.totals['conclusions']} conclusions, in {time.perf_counter() - started:.1f} s")

"""``hopquy sync``: import what is new in a folder, or at a feed URL; made for cron."""

from __future__ import annotations

import json
import sys

import click
import httpx

from cli.context import engine_for
from cli.import_cmd import feed_options, import_and_index, import_options, show
from importer.sources import FetchRefused, sync_folder, sync_url
from registry.settings import get_settings


@click.command("sync")
@click.argument("location")
@feed_options
def sync_command(location: str, source: str, mode: str, skip_invalid: bool, allow_mass_withdraw: bool,
                 sheet: str | None, as_json: bool, quiet: bool) -> None:
    """Import the new feed files in folder LOCATION, or the feed at URL LOCATION if it changed.

    Files already imported for SOURCE (same content) are skipped; a URL is asked with
    If-None-Match / If-Modified-Since, so an unchanged feed is not even downloaded.
    Exits with 1 if any file was rejected.
    """
    from pathlib import Path

    settings = get_settings()
    engine = engine_for(settings)
    options = import_options(source, mode, skip_invalid, allow_mass_withdraw, sheet)
    summaries: list[dict] = []

    def run(path: Path):
        result, body = import_and_index(settings, engine, path, options, as_json or quiet)
        if not as_json:
            show(result, body, as_json, quiet)
        summaries.append({**body, "problems": [p.as_dict() for p in result.errors][:50]})
        return result

    if location.startswith(("http://", "https://")):
        try:
            fetched = sync_url(engine, location, options, run)
        except (FetchRefused, httpx.HTTPError) as exc:  # nothing was imported; cron mails this line
            sys.exit(f"{location}: {exc}")
        if fetched.status == "not-modified" and not as_json:
            click.echo(f"{location}: not modified since the last import", err=True)
    else:
        folder = Path(location)
        if not folder.is_dir():
            sys.exit(f"{location}: not a folder or an http(s) URL")
        sync_folder(engine, folder, options, run)
        if not summaries and not as_json:
            click.echo(f"{location}: no feed files", err=True)
    if as_json:
        click.echo(json.dumps({"location": location, "files": summaries}, ensure_ascii=False, default=str))
    sys.exit(1 if any(s["status"] == "rejected" for s in summaries) else 0)

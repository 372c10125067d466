"""``hopquy``: serve the site, import feeds, manage the database and the search index."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.backup_cmd import backup_command, restore_command
from cli.certificate_cmd import certificate_command
from cli.context import engine_for, required_index
from cli.import_cmd import import_command
from cli.receipt_cmd import keys_command, receipt_command
from cli.report_cmd import report_command
from cli.sources_cmd import sync_command
from cli.token_cmd import token_command
from registry.db import make_engine
from registry.logs import configure_logging
from registry.migrate import current_revision, downgrade, head_revision, upgrade
from registry.settings import get_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Hopquy: the public registry of certified telecom and IT equipment."""
    configure_logging()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="app processes")
@click.option("--sample-if-empty", is_flag=True, help="import the bundled sample feed into an empty registry")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="a line per request (hopquy.access, with the request id); behind a proxy that keeps "
                   "its own, turn it off: it costs the scan page throughput")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="the proxies (addresses, networks, comma-separated) whose X-Forwarded-For is believed: "
                   "rate limits then count the real clients behind them, and nobody else can spoof one")
def serve(host: str, port: int, workers: int, sample_if_empty: bool, access_log: bool,
          forwarded_allow_ips: str) -> None:
    """Serve the site and API; starts our own Meilisearch unless HOPQUY_MEILI_URL is set."""
    from cli.serve import run_server

    run_server(host, port, workers, sample_if_empty, access_log, forwarded_allow_ips)


@main.group()
def db() -> None:
    """The registry database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations: a deploy step, before the new version's servers start
    (they refuse a schema that is behind). Safe to run from several places at once."""
    upgrade(make_engine(get_settings().database_url))
    click.echo(f"database is up to date ({head_revision()})")


@db.command("downgrade")
@click.argument("revision")
@click.option("--yes", is_flag=True, help="I have a backup: drop what the later migrations added, with its data")
def db_downgrade(revision: str, yes: bool) -> None:
    """Take the schema back to REVISION (e.g. 0007), to roll back to the Hopquy version that
    needs it (docs/operations.md). Back up first: what later migrations added is dropped."""
    if not yes:
        sys.exit("a downgrade drops what the later migrations added, with its data: back up, then add --yes")
    engine = make_engine(get_settings().database_url)
    downgrade(engine, revision)
    with engine.connect() as connection:
        click.echo(f"database schema is now at {current_revision(connection)}")


@main.group("search")
def search_group() -> None:
    """The search index (derived from the registry)."""


@search_group.command("drain")
@click.option("--follow", is_flag=True, help="keep draining as changes arrive (a worker)")
def search_drain(follow: bool) -> None:
    """Index the registry changes waiting in the outbox; suitable for cron."""
    from search.client import UNAVAILABLE, SearchUnavailable
    from search.drain import drain, ensure_filled, pending, run_forever
    from search.lapsed import queue_lapsed

    engine = engine_for()
    with required_index() as index:
        if follow:
            run_forever(engine, index)
        try:
            ensure_filled(engine, index)
            count = drain(engine, index)
            if lapsed := queue_lapsed(engine, index):  # their stored status changed with the day
                count += drain(engine, index)
        except (SearchUnavailable, *UNAVAILABLE) as exc:
            sys.exit(f"search index unreachable: {exc}; {pending(engine)} changes still queued")
        queued = pending(engine)
        building = bool(queued) and not count and _building(engine, index)
    click.echo(f"indexed {count} certificates" + (f" ({lapsed} for a status the day changed)" if lapsed else "")
               + f"; {queued} still queued"
               + (" (an index is being built aside: they go into it before it is swapped in)" if building else ""))


# the name it had before: crontabs that call it keep working
search_group.add_command(click.Command("sync", callback=search_drain.callback, params=search_drain.params,
                                       help="Another name of drain.", hidden=True))


def _building(engine, index) -> bool:
    from search.build_lock import BuildLock

    with BuildLock(engine, index.name).shared() as free:
        return not free


@main.command("reindex")
@click.option("--check", is_flag=True, help="only compare registry and index, and list any drift")
def reindex_command(check: bool) -> None:
    """Rebuild the search index from the registry and swap it in; searches keep answering."""
    from search.check import compare
    from search.reindex import reindex

    engine = engine_for()
    with required_index() as index:
        if not check:
            click.echo(f"reindexed {reindex(engine, index)} certificates")
            return
        drift = compare(engine, index)
    click.echo(f"registry {drift.registry} certificates, index {drift.index} documents")
    for name in ("missing", "stale", "extra"):
        ids = getattr(drift, name)
        if ids:
            click.echo(f"{name}: {len(ids)} (ids {', '.join(map(str, ids[:20]))}{' …' if len(ids) > 20 else ''})")
    if not drift.clean:
        sys.exit("the index has drifted from the registry: run hopquy reindex")
    click.echo("the index matches the registry")


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="default: standard output")
def export(fmt: str, output: Path | None) -> None:
    """Stream the whole registry as open data (the feed's columns, plus effective status)."""
    from registry.opendata import write_csv, write_jsonl

    engine = engine_for()
    writer = write_csv if fmt == "csv" else write_jsonl
    if output is None:
        writer(engine, sys.stdout)
        return
    partial = output.with_name(output.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as out:
        count = writer(engine, out)
    partial.replace(output)  # readers never see a half-written file
    click.echo(f"exported {count} certificates to {output}", err=True)


main.add_command(import_command)
main.add_command(sync_command)
main.add_command(certificate_command)
main.add_command(token_command)
main.add_command(backup_command)
main.add_command(restore_command)
main.add_command(report_command)
main.add_command(keys_command)
main.add_command(receipt_command)

if __name__ == "__main__":
    main(prog_name=Path(sys.argv[0]).name)

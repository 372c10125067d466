"""``hopquy serve``: migrations, our Meilisearch child if needed, the sample, then uvicorn."""

from __future__ import annotations

import os
import shutil
import threading
from importlib.resources import files
from pathlib import Path

import click
import uvicorn
from sqlmodel import Session

from cli.context import current_index, engine_for
from importer.run import ImportOptions, import_file
from registry.logs import logging_config
from registry.queries import registry_counts
from registry.settings import generated_secret, get_settings
from search.client import UNAVAILABLE, SearchUnavailable
from search.drain import drain, ensure_filled
from search.process import MeilisearchProcess

SAMPLE = Path(str(files("importer") / "samples" / "sample-feed.csv"))


def run_server(host: str, port: int, workers: int, sample_if_empty: bool, access_log: bool = True,
               forwarded_allow_ips: str = "127.0.0.1") -> None:
    os.environ["HOPQUY_ACCESS_LOG"] = "1" if access_log else "0"  # before the settings are read and cached
    get_settings.cache_clear()
    settings = get_settings()
    engine = engine_for(settings)
    empty = False
    if sample_if_empty:
        with Session(engine) as session:
            empty = registry_counts(session)["certificates"] == 0
        if empty:
            result = import_file(engine, SAMPLE, ImportOptions(source="sample"))
            click.echo(f"imported the sample feed: {result.counts.created} certificates")
    meili, stopping = None, threading.Event()
    if settings.manages_meilisearch:
        meili = MeilisearchProcess(settings.meili_data_dir, generated_secret(settings.meili_key_file))
        meili.start()
        threading.Thread(target=meili.keep_alive, args=(stopping,), name="meilisearch-keeper", daemon=True).start()
        click.echo(f"Meilisearch {meili.url} (data in {settings.meili_data_dir})")
    if empty:
        _index_sample(engine, settings)
    engine.dispose()
    if workers > 1:
        _shared_metrics(settings.data_dir / "metrics")
    try:
        click.echo(f"Hopquy at http://{host}:{port}  (Ctrl-C stops everything)")
        uvicorn.run("public_site.app:serve_app", factory=True, host=host, port=port,
                    workers=workers, log_config=logging_config(), proxy_headers=True,
                    forwarded_allow_ips=forwarded_allow_ips)
    finally:
        stopping.set()
        if meili:
            meili.stop()


def _index_sample(engine, settings) -> None:
    """Index the sample before serving: left to the server's worker, the first searches would
    answer nothing for a few seconds. If Meilisearch is not reachable, the worker retries."""
    index = current_index(settings)
    if index is None:
        return
    try:
        ensure_filled(engine, index)
        click.echo(f"indexed the sample: {drain(engine, index)} certificates")
    except (SearchUnavailable, *UNAVAILABLE) as exc:
        click.echo(f"the sample is not indexed yet ({exc}); the server will index it")


def _shared_metrics(folder: Path) -> None:
    """Workers write their request metrics to files in ``folder`` (emptied first: figures of
    an earlier run must not be summed in), so that any worker's /metrics sums them all."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["HOPQUY_METRICS_DIR"] = str(folder)

"""What every command needs: settings, a migrated engine, and the search index if any."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from registry.db import make_engine
from registry.migrate import SchemaBehind, prepare
from registry.settings import Settings, generated_secret, get_settings
from search.client import SearchIndex, resolve_target
from search.process import MeilisearchProcess


def engine_for(settings: Settings | None = None) -> Engine:
    """The registry's engine, once its schema is the one this code needs (or migrated to it,
    with ``HOPQUY_MIGRATE=auto``); else the command stops and says what to do."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    try:
        prepare(engine, settings.migrate)
    except SchemaBehind as exc:
        sys.exit(str(exc))
    return engine


def current_index(settings: Settings) -> SearchIndex | None:
    target = resolve_target(settings)
    return SearchIndex(target) if target else None


@contextmanager
def search_index(settings: Settings, start_managed: bool = True) -> Iterator[SearchIndex | None]:
    """The configured or running index; else, if we manage Meilisearch, a temporary one."""
    index = current_index(settings)
    if index is not None or not (start_managed and settings.manages_meilisearch):
        yield index
        return
    with MeilisearchProcess(settings.meili_data_dir, generated_secret(settings.meili_key_file)):
        yield current_index(settings)


@contextmanager
def required_index() -> Iterator[SearchIndex]:
    """The index for commands that cannot work without one: exit with a hint if none is reachable."""
    with search_index(get_settings()) as index:
        if index is None:
            sys.exit("no Meilisearch reachable: set HOPQUY_MEILI_URL or start the server")
        yield index

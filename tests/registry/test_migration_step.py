"""Migrations are a deploy step: run under a lock, and checked (not run) by everything else."""

from __future__ import annotations

import threading
import traceback

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import inspect

from cli.main import main
from public_site.app import create_app
from registry.db import make_engine
from registry.migrate import SchemaBehind, current_revision, ensure_current, head_revision, upgrade
from registry.settings import get_settings


@pytest.fixture
def checking(monkeypatch, database_url):
    """The production default: check, do not migrate."""
    monkeypatch.setenv("HOPQUY_MIGRATE", "check")
    monkeypatch.setenv("HOPQUY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    return database_url


def test_a_command_refuses_a_schema_behind_and_says_what_to_do(checking):
    engine = make_engine(checking)
    upgrade(engine, "0007")
    refused = CliRunner().invoke(main, ["token", "list"])
    assert refused.exit_code != 0
    assert "at 0007" in refused.output and f"needs {head_revision()}" in refused.output
    assert "hopquy db upgrade" in refused.output
    upgraded = CliRunner().invoke(main, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and head_revision() in upgraded.output
    assert CliRunner().invoke(main, ["token", "list"]).exit_code == 0
    engine.dispose()


def test_a_server_worker_refuses_an_empty_database_rather_than_migrating_it(checking, dead_index):
    engine = make_engine(checking)
    with pytest.raises(BaseException) as caught:  # the lifespan's group of errors holds it
        with TestClient(create_app(get_settings(), engine, dead_index, run_worker=False)):
            pass
    told = "".join(traceback.format_exception(caught.value))
    assert SchemaBehind.__name__ in told and "an empty database" in told
    assert "certificate" not in inspect(engine).get_table_names()  # nothing was created
    engine.dispose()


def test_upgrades_started_together_migrate_once(database_url):
    engines = [make_engine(database_url) for _ in range(3)]
    errors: list[BaseException] = []

    def run(engine):
        try:
            upgrade(engine)
        except BaseException as exc:  # handed to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    ensure_current(engines[0])
    with engines[0].connect() as connection:
        assert current_revision(connection) == head_revision()
    for engine in engines:
        engine.dispose()


def test_a_rollback_takes_the_schema_back_only_when_told_a_backup_exists(checking):
    engine = make_engine(checking)
    upgrade(engine)
    refused = CliRunner().invoke(main, ["db", "downgrade", "0007"])
    assert refused.exit_code != 0 and "back up" in refused.output
    done = CliRunner().invoke(main, ["db", "downgrade", "0007", "--yes"])
    assert done.exit_code == 0 and "now at 0007" in done.output
    assert "statusreview" not in inspect(engine).get_table_names()
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    engine.dispose()

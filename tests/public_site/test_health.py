"""Liveness never waits on the database; readiness says whether a worker should get traffic."""

from __future__ import annotations

import time

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from public_site.app import create_app
from registry.db import make_engine
from registry.migrate import head_revision, upgrade
from registry.settings import get_settings
from tests.helpers import served


def test_ready_with_the_schema_and_the_index_lag(sample_registry, sample_index):
    app = create_app(get_settings(), sample_registry, sample_index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        body = ready.json()
        assert ready.status_code == 200 and body["ready"] is True and body["search"]["ok"] is True
        database = body["database"]
        assert database["schema_revision"] == database["schema_head"] == head_revision()
        assert database["index_pending"] >= 0 and database["index_oldest_seconds"] >= 0 and database["ms"] < 1000


def test_a_schema_behind_the_code_is_not_ready(database_url, dead_index):
    engine = make_engine(database_url)
    upgrade(engine, "0007")
    app = create_app(get_settings(), engine, dead_index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["ready"] is False
        assert ready.json()["database"]["schema_revision"] == "0007"
        assert "hopquy db upgrade" in ready.json()["database"]["error"]
        assert client.get("/healthz").status_code == 200
    engine.dispose()


def test_an_unreachable_database_is_not_ready_and_the_process_is_still_alive(dead_index):
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    app = create_app(get_settings(), engine, dead_index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        started = time.monotonic()
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "OperationalError" in ready.json()["database"]["error"]
        assert time.monotonic() - started < 3


def test_a_stalled_database_answers_not_ready_within_the_second(sample_registry, sample_index):
    if sample_registry.dialect.name != "postgresql":
        pytest.skip("a lock held by another session stalls PostgreSQL; SQLite readers do not wait")
    app = create_app(get_settings(), sample_registry, sample_index, run_worker=False, migrate=False)
    with served(app) as base:
        with sample_registry.connect() as holder:
            holder.execute(text("LOCK TABLE searchoutbox IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            ready = httpx.get(f"{base}/readyz", timeout=10)
            waited = time.monotonic() - started
            assert ready.status_code == 503 and waited < 2.0, (ready.text, waited)
            assert httpx.get(f"{base}/healthz", timeout=1).json() == {"status": "ok"}
            holder.rollback()
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200

"""A stalled database fails the scan page fast, in words, and never freezes the worker:
``/healthz`` keeps answering while ``/v`` waits, and ``/v`` answers again once it is back."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from sqlalchemy import Engine, select, text

from public_site.app import create_app
from registry.models import Certificate
from registry.settings import get_settings
from tests.helpers import served


class HealthProbe:
    """Asks ``/healthz`` every 50 ms from its own thread and keeps the slowest answer."""

    def __init__(self, base: str) -> None:
        self.base, self.slowest, self.failures = base, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    ok = client.get(f"{self.base}/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.slowest = max(self.slowest, time.monotonic() - started)
                self.failures += not ok
                time.sleep(0.05)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _timed(client: httpx.Client, url: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = client.get(url)
    return answer, time.monotonic() - started


def test_a_locked_registry_answers_503_within_two_seconds_and_liveness_goes_on(
        sample_registry: Engine, sample_index, monkeypatch):
    if sample_registry.dialect.name != "postgresql":
        pytest.skip("SQLite readers never wait on a writer (WAL); a lock held elsewhere stalls PostgreSQL")
    # the app builds its own engines from the settings, with the web timeouts, as a server does
    monkeypatch.setenv("HOPQUY_DATABASE_URL", sample_registry.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    with sample_registry.connect() as connection:
        number = connection.execute(select(Certificate.certificate_no).limit(1)).scalar_one()
    app = create_app(get_settings(), index=sample_index, run_worker=False, migrate=False)
    with served(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        assert client.get(f"/v/{number}").status_code == 200  # the loop's own connection is open
        with sample_registry.connect() as holder:
            holder.execute(text("LOCK TABLE certificate IN ACCESS EXCLUSIVE MODE"))
            with HealthProbe(base) as probe:
                first, first_took = _timed(client, f"/v/{number}")
                second, second_took = _timed(client, f"/v/{number}")  # off the loop now
                api, api_took = _timed(client, f"/api/v1/verify/{number}")
            holder.rollback()
        assert first.status_code == second.status_code == 503, first.text
        assert max(first_took, second_took, api_took) < 2.0, (first_took, second_took, api_took)
        assert "Tạm thời chưa kiểm tra được" in first.text and first.headers["retry-after"] == "5"
        assert api.status_code == 503 and api.headers["content-type"] == "application/problem+json"
        assert "did not answer in time" in api.json()["detail"]
        # the one read that waited on the loop waited at most its lock timeout (200 ms)
        assert probe.failures == 0 and probe.slowest < 0.5, probe.slowest
        back = client.get(f"/v/{number}")
        assert back.status_code == 200 and number in back.text
        assert client.get(f"/api/v1/verify/{number}").json()["found"] is True
    get_settings.cache_clear()


@pytest.mark.parametrize("path", ["/api/v1/search", "/"])
def test_a_search_on_a_locked_registry_waits_off_the_loop(sample_registry: Engine, sample_index, monkeypatch, path):
    """The search API and the search page run on the event loop while the database is quick;
    a lock held on the registry sends them to a worker thread after one short wait (the loop's
    lock timeout), so ``/healthz`` keeps answering, and the search answers once the lock is gone."""
    if sample_registry.dialect.name != "postgresql":
        pytest.skip("SQLite readers never wait on a writer (WAL); a lock held elsewhere stalls PostgreSQL")
    monkeypatch.setenv("HOPQUY_DATABASE_URL", sample_registry.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    with sample_registry.connect() as connection:
        model = connection.execute(text("SELECT model_code FROM certificatemodel LIMIT 1")).scalar_one()
    app = create_app(get_settings(), index=sample_index, run_worker=False, migrate=False)
    with served(app) as base, httpx.Client(base_url=base, timeout=20) as client:
        assert client.get(path, params={"q": "galaxy"}).status_code == 200  # the loop's engine is open
        assert client.get(path, params={"q": model}).status_code == 200
        with sample_registry.connect() as holder:
            holder.execute(text("LOCK TABLE certificatemodel IN ACCESS EXCLUSIVE MODE"))
            with HealthProbe(base) as probe:
                waiting = threading.Thread(target=lambda: answers.append(client.get(
                    path, params={"q": model + "X"})))  # a code not seen: its pins are read
                answers: list[httpx.Response] = []
                waiting.start()
                time.sleep(1.5)
                holder.rollback()  # the lock is gone: the search in the worker thread goes on
                waiting.join(timeout=15)
        assert answers and answers[0].status_code == 200, answers
        assert probe.failures == 0 and probe.slowest < 0.5, probe.slowest
    get_settings.cache_clear()


def test_web_and_batch_connections_carry_their_timeouts(sample_registry: Engine, monkeypatch):
    if sample_registry.dialect.name != "postgresql":
        pytest.skip("statement and lock timeouts are PostgreSQL settings; SQLite has its busy timeout")
    from registry.db import BATCH, WEB, make_engine

    url = sample_registry.url.render_as_string(hide_password=False)
    for timeouts in (WEB, BATCH):
        engine = make_engine(url, timeouts=timeouts)
        with engine.connect() as connection:
            shown = [connection.execute(text(f"SHOW {name}")).scalar_one() for name in ("statement_timeout",
                                                                                       "lock_timeout")]
            search_path = connection.execute(text("SHOW search_path")).scalar_one()
        engine.dispose()
        assert shown == [_pg(timeouts.statement_ms), _pg(timeouts.lock_ms)]
        assert search_path.startswith("t_")  # the URL's own options are kept


def _pg(ms: int) -> str:
    """How PostgreSQL shows a duration in milliseconds."""
    if ms == 0:
        return "0"
    return f"{ms // 60_000}min" if ms % 60_000 == 0 else f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"

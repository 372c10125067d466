"""A Meilisearch that hangs is let be for a moment: after one search times out, the next go
to the registry's SQL at once instead of each waiting for the timeout (search.away)."""

from __future__ import annotations

import socket
import time

import pytest
from litestar.testing import TestClient

from importer.run import ImportOptions, import_file
from public_site.app import create_app
from registry.settings import get_settings
from search.away import Away
from search.client import SearchIndex, SearchTarget, SearchUnavailable
from search.query import search_certificates
from search.request import SearchParams
from tests.helpers import Clock, row, write_feed

TIMEOUT = 0.4


@pytest.fixture
def silent_index():
    """An index on a server that takes connections and never answers: a paused Meilisearch."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    port = listener.getsockname()[1]
    try:
        yield SearchIndex(SearchTarget(f"http://127.0.0.1:{port}", "k" * 16, "hung"), timeout=TIMEOUT)
    finally:
        listener.close()


@pytest.fixture
def phone(engine, tmp_path):
    feed = write_feed(tmp_path / "f.csv", [row()])
    assert import_file(engine, feed, ImportOptions(source="qc1")).status == "applied"
    return engine


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def test_after_a_timeout_searches_keep_away_then_one_tries_again():
    clock = Clock()
    away = Away(seconds=10, clock=clock)
    assert away.allows() and away.away_for() == 0
    away.timed_out()
    assert not away.allows() and away.away_for() == 10
    clock.now += 9.9
    assert not away.allows()
    clock.now += 0.2
    assert away.allows()  # this one tries
    assert not away.allows()  # the others keep away while it does
    away.timed_out()  # it timed out too: another pause
    clock.now += 5
    assert not away.allows()
    clock.now += 5
    assert away.allows()
    away.answered()
    assert away.allows() and away.allows() and away.away_for() == 0


def test_a_hung_meilisearch_costs_one_timeout_not_one_per_search(silent_index):
    def search():
        with pytest.raises(SearchUnavailable):
            silent_index.search("galaxy", {})

    assert timed(search) >= TIMEOUT
    assert timed(search) < TIMEOUT / 4
    assert "tried again in" in str(pytest.raises(SearchUnavailable, silent_index.search, "x", {}).value)


def test_a_refused_connection_is_not_a_pause(dead_index):
    """A Meilisearch that is down says so at once: the next search may try it again at once
    (it may be back: a restart)."""
    with pytest.raises(SearchUnavailable):
        dead_index.search("galaxy", {})
    assert dead_index.away.allows()


def test_the_search_answers_from_the_registry_without_waiting_again(phone, silent_index):
    first = search_certificates(phone, silent_index, SearchParams(q="sm-a546e"))
    assert first["degraded"] is True and first["hits"][0]["certificate_no"] == "A0412150324AE01A2"
    elapsed = timed(lambda: search_certificates(phone, silent_index, SearchParams(q="SM-A546E")))
    assert elapsed < TIMEOUT / 2


def test_the_served_api_waits_for_a_hung_meilisearch_once(phone, silent_index):
    app = create_app(get_settings(), phone, silent_index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        started = time.perf_counter()
        body = client.get("/api/v1/search", params={"q": "sm-a546e"}).json()
        assert time.perf_counter() - started >= TIMEOUT
        assert body["degraded"] is True and body["hits"][0]["certificate_no"] == "A0412150324AE01A2"
        started = time.perf_counter()
        again = client.get("/api/v1/search", params={"q": "A0412150324AE01A2"}).json()
        assert time.perf_counter() - started < TIMEOUT
        assert again["degraded"] is True and again["hits"][0]["certificate_no"] == "A0412150324AE01A2"
        assert client.get("/v/A0412150324AE01A2").status_code == 200


def test_a_health_check_that_meilisearch_answers_ends_the_pause(index):
    """A hung Meilisearch started again is searched again as soon as ``/readyz`` sees it."""
    index.away.timed_out()
    try:
        with pytest.raises(SearchUnavailable):
            index.search("galaxy", {})
        assert index.healthy()
        assert index.away.allows()
    finally:
        index.away.answered()  # the index is shared with other tests


def test_a_timeout_on_a_kept_connection_is_not_sent_again(silent_index):
    """A kept-alive connection that fails is tried once more on a new one (the server may
    have closed it), but a timeout is a hang: asking again would wait as long again."""
    silent_index.searches._give(silent_index.searches._take(new=True)[1])  # one kept to the hung one
    assert timed(lambda: pytest.raises(SearchUnavailable, silent_index.search, "galaxy", {})) < TIMEOUT * 1.8

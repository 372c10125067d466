"""What a search keeps a moment (search.recent): the same query within the window reads the
registry once; after it, again."""

from __future__ import annotations

from search import pinning
from search.query import search_certificates
from search.recent import Recent
from search.request import SearchParams


def test_kept_for_its_seconds_then_worked_out_again(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("search.recent.time.monotonic", lambda: clock[0])
    kept, calls = Recent[int](seconds=2, size=2), []
    work = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert kept.get("a", work) == 1 and kept.get("a", work) == 1
    clock[0] += 2.5
    assert kept.get("a", work) == 2
    kept.get("b", work), kept.get("c", work)  # three keys in a room for two: "a" goes
    assert kept.peek("a") is None and kept.peek("c") == 4


def test_a_repeated_query_reads_the_registry_once_a_moment(sample_registry, sample_index, monkeypatch):
    monkeypatch.setattr(pinning.RECENT, "seconds", 60.0)
    pinning.RECENT.clear()
    reads = []
    real = pinning.pinned
    monkeypatch.setattr(pinning, "pinned", lambda engine, query: reads.append(query) or real(engine, query))
    first = search_certificates(sample_registry, sample_index, SearchParams(q="SM-A546E"))
    again = search_certificates(sample_registry, sample_index, SearchParams(q="SM-A546E"))
    assert reads == ["SM-A546E"] and first["hits"] == again["hits"]
    pinning.RECENT.clear()

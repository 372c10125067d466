"""A drainer that dies mid-batch, or two drainers at once, lose no change and corrupt nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from importer.run import ImportOptions, import_file
from search import drain as sync
from search.check import compare
from search.drain import drain, pending

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def imported(engine, sample_path):
    assert import_file(engine, sample_path, ImportOptions(source="sample")).status == "applied"
    return engine


def test_a_crash_between_indexing_and_release_loses_nothing(imported, index, monkeypatch):
    original = sync._finish
    calls = []

    def crash_after_first_round(engine, index, current):
        if calls:
            current.close()  # as a dying process would: its connection and locks go with it
            raise RuntimeError("power cut")
        calls.append(1)
        return original(engine, index, current)

    monkeypatch.setattr(sync, "_finish", crash_after_first_round)
    with pytest.raises(RuntimeError):
        drain(imported, index, batch=100, page=25)
    assert 0 < pending(imported) < 360
    monkeypatch.undo()
    drain(imported, index)
    assert pending(imported) == 0
    drift = compare(imported, index)
    assert drift.clean and drift.index == drift.registry == 360


def test_kill_9_mid_batch_then_rerun_makes_index_equal_registry(imported, index, database_url):
    script = textwrap.dedent(f"""
        import time
        from registry.db import make_engine
        from search import drain as sync
        from search.client import SearchIndex, SearchTarget
        original = sync._finish
        def slow(engine, index, current):
            time.sleep(0.15)  # a slow Meilisearch: plenty of moments to be killed in
            return original(engine, index, current)
        sync._finish = slow
        index = SearchIndex(SearchTarget({index.target.url!r}, {index.target.key!r}, {index.name!r}))
        print("ready", flush=True)
        sync.drain(make_engine({database_url!r}), index, batch=20, page=5)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 30
    while pending(imported) == 360 and time.monotonic() < deadline:
        time.sleep(0.05)  # until the first round is released: then the next ones are in flight
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    left = pending(imported)
    assert 0 < left < 360, left  # killed in the middle
    drained, deadline = 0, time.monotonic() + 30
    while pending(imported) and time.monotonic() < deadline:
        # on PostgreSQL the killed child's server process can hold the rows it claimed a moment
        # longer (SKIP LOCKED passes them by): the rerun takes them in its next round
        drained += drain(imported, index)
    assert drained >= left and pending(imported) == 0
    drift = compare(imported, index)
    assert drift.clean and drift.index == drift.registry == 360


def test_index_drift_is_detected(imported, index):
    drain(imported, index)
    index.wait(index.client.index(index.name).delete_document(3))
    index.wait(index.client.index(index.name).update_documents([{"id": 5, "brand": "Tampered"}]))
    index.wait(index.client.index(index.name).add_documents([{"id": 99999, "brand": "Ghost"}]))
    drift = compare(imported, index)
    assert (drift.missing, drift.stale, drift.extra) == ([3], [5], [99999])


def test_two_drainers_at_once_share_the_work(imported, index, database_url):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        counts = list(pool.map(lambda _: drain(imported, index, batch=30, page=10), range(2)))
    assert pending(imported) == 0 and compare(imported, index).clean
    if database_url.startswith("postgresql"):
        assert sum(counts) == 360  # SKIP LOCKED: no row was claimed twice
    else:
        assert sum(counts) >= 360  # SQLite: overlap is possible and harmless

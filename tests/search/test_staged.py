"""A bulk import builds a new index while it writes and swaps it in after the commit
(search.staged); drains wait for it, and a failed or killed build loses nothing."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.feedgen import write_csv
from importer import pipeline
from importer.run import ImportOptions, import_file
from registry import apply as registry_sync
from search import staged
from search.build_lock import BuildLock
from search.check import compare
from search.client import SearchIndex, SearchTarget, SearchUnavailable
from search.documents import document_line
from search.drain import drain, pending
from search.process import MeilisearchProcess, free_port
from search.reindex import reindex
from search.staged import ROW_BYTES, StagedBuild, worth_building
from tests.helpers import row, sample_rows, write_feed

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def registry(engine, sample_path):
    """360 certificates."""
    assert import_file(engine, sample_path, ImportOptions(source="sample")).status == "applied"
    return engine


@pytest.fixture(autouse=True)
def _read_in_a_child(monkeypatch):
    """Small feeds take the big-file path: a child reads them and prepares their documents."""
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)


def _aside(index) -> list[str]:
    names = [i.uid for i in index.client.get_indexes({"limit": 1000})["results"]]
    return [n for n in names if n.startswith(index.name + "_")]


def _bulk_options(build: StagedBuild, **options) -> ImportOptions:
    # the sample's own source: the bulk feed names some of its certificates, which no other may change
    return ImportOptions(source="sample", documents=document_line, created=build.created, **options)


def _indexed(index, text: str) -> list[str]:
    """What the live index itself answers (the API also pins what the registry names)."""
    return [h["certificate_no"] for h in index.search(text, {"matchingStrategy": "all"})["hits"]]


def test_a_bulk_import_is_indexed_aside_and_swapped_in_after_its_commit(registry, index, sample_path, tmp_path):
    engine = registry
    drain(engine, index)
    feed = write_csv(tmp_path / "bulk.csv", 2_000, seed=5)
    build = StagedBuild(engine, index)
    build.start()
    result = import_file(engine, feed, _bulk_options(build))
    created, updated = result.counts.created, result.counts.updated
    assert result.status == "applied" and created + updated == 2_000 and updated > 0  # some were in the sample
    assert len(build.covered) == created  # sent to the new index while the import wrote
    # someone else changes a certificate after the commit, before the swap
    text = feed.read_text(encoding="utf-8")
    number = next(r[0] for r in sample_rows(sample_path) if r[0] not in text)
    changed = write_feed(tmp_path / "change.csv", [row(number=number, models="Zq-9931X")])
    assert import_file(engine, changed, ImportOptions(source="sample")).status == "applied"
    assert drain(engine, index) == 0 and pending(engine) == 2_001  # drains wait for the build
    assert _indexed(index, "Zq-9931X") == []  # searches still read the old index
    assert build.finish() == 2_001
    assert pending(engine) == 0 and _aside(index) == []
    drift = compare(engine, index)
    assert drift.clean and drift.index == drift.registry == 360 + created
    assert _indexed(index, "Zq-9931X") == [number]


def test_a_bulk_import_is_sent_in_pages_of_bounded_size_streamed_from_disk(registry, index, monkeypatch, tmp_path):
    """Each page stays under PAGE_BYTES (Meilisearch refuses a request over its size limit),
    and every created certificate reaches the new index whatever the page it fell in."""
    engine = registry
    drain(engine, index)
    monkeypatch.setattr(staged, "PAGE_BYTES", 200_000)
    monkeypatch.setattr(registry_sync, "CHUNK", 100)  # the import writes (and sends) a chunk at a time
    sizes: list[int] = []
    send_file = index.send_file

    def measured(page, name=None):
        sizes.append(page.seek(0, os.SEEK_END))
        return send_file(page, name)

    monkeypatch.setattr(index, "send_file", measured)
    build = StagedBuild(engine, index)
    build.start()
    result = import_file(engine, write_csv(tmp_path / "bulk.csv", 1_000, seed=6), _bulk_options(build))
    assert result.status == "applied"
    build.finish()
    assert len(sizes) >= 3 and max(sizes) <= 200_000
    drift = compare(engine, index)
    assert drift.clean and drift.index == drift.registry


def test_meilisearch_stopping_during_a_bulk_import_stops_the_build_not_the_import(registry, monkeypatch, tmp_path):
    """The registry is the source of truth: the import commits, the old index stays live, and
    after the restart a drain brings it up to date from the outbox."""
    engine = registry
    key = secrets.token_urlsafe(24)
    meili = MeilisearchProcess(tmp_path / "meili", key, port=free_port()).start()
    try:
        index = SearchIndex(SearchTarget(meili.url, key, "stops"), timeout=2)
        index.ensure()
        drain(engine, index)
        monkeypatch.setattr(staged, "PAGE_BYTES", 50_000)
        monkeypatch.setattr(registry_sync, "CHUNK", 100)
        build = StagedBuild(engine, index)
        build.start()
        chunks = [0]

        def created(ids, records):
            chunks[0] += 1
            if chunks[0] == 3:
                meili.stop()  # a page or two has gone to the new index
            build.created(ids, records)

        feed = write_csv(tmp_path / "bulk.csv", 1_000, seed=7)
        options = ImportOptions(source="sample", documents=document_line, created=created)
        result = import_file(engine, feed, options)
        assert result.status == "applied" and chunks[0] == 10
        with pytest.raises(SearchUnavailable, match="went away during the import"):
            build.finish()
        meili.start()  # same data dir, port and key
        assert _aside(index) == [build.name]  # left behind: Meilisearch was down to drop it
        drain(engine, index)
        drift = compare(engine, index)
        assert drift.clean and drift.index == drift.registry == 360 + result.counts.created
        again = StagedBuild(engine, index)
        again.start()  # the next build drops what a failed one left
        again.abandon()
        assert _aside(index) == []
    finally:
        meili.stop()


def test_a_rejected_bulk_import_drops_its_new_index(registry, index, tmp_path):
    engine = registry
    drain(engine, index)
    feed = write_feed(tmp_path / "bad.csv", [row(number="A0001150324AE01A2"), row(number="A0002150324AE01A2",
                                                                                   issued="31/02/2024")])
    build = StagedBuild(engine, index)
    build.start()
    assert import_file(engine, feed, _bulk_options(build)).status == "rejected"
    build.abandon()
    assert _aside(index) == []
    assert compare(engine, index).clean
    assert drain(engine, index) == 0  # the lock is free again: a drain runs (nothing pending)


def test_a_build_that_dies_between_commit_and_swap_loses_nothing(registry, index, tmp_path):
    engine = registry
    drain(engine, index)
    build = StagedBuild(engine, index)
    build.start()
    feed = write_csv(tmp_path / "bulk.csv", 500, seed=6)
    assert import_file(engine, feed, _bulk_options(build)).status == "applied"
    build._held.close()  # the process dies: its lock goes with it, the swap never happens
    assert pending(engine) == 500
    assert drain(engine, index) == 500
    drift = compare(engine, index)
    assert drift.clean and drift.registry > 360
    assert len(_aside(index)) == 1  # the half-built copy, dropped by the next build
    reindex(engine, index)
    assert _aside(index) == []


def test_a_bulk_load_is_worth_it_when_the_file_dwarfs_the_registry(registry):
    held = 360
    assert worth_building(registry, 2 * held * ROW_BYTES)
    assert not worth_building(registry, 2 * held * ROW_BYTES - 1)


def test_kill_9_during_a_bulk_import_leaves_registry_and_index_consistent(registry, index, database_url, tmp_path):
    engine = registry
    drain(engine, index)
    feed = write_csv(tmp_path / "big.csv", 40_000, seed=3)
    assert feed.stat().st_size >= 8 << 20  # a big file: the command builds the index aside
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HOPQUY_")},
           "HOPQUY_DATABASE_URL": database_url, "HOPQUY_DATA_DIR": str(tmp_path / "var"),
           "HOPQUY_MEILI_URL": index.target.url, "HOPQUY_MEILI_KEY": index.target.key,
           "HOPQUY_MEILI_INDEX": index.name}
    command = [sys.executable, "-m", "cli.main", "import", str(feed), "--source", "bulk", "--quiet", "--json"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _aside(index) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    assert proc.poll() is None, "the import finished before it could be killed: use a larger feed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    engine.dispose()
    assert drain(engine, index) == 0  # the dead build's lock is gone, and it committed nothing
    assert compare(engine, index).clean and compare(engine, index).registry == 360
    rerun = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["created"] + summary["updated"] == summary["indexed"] == 40_000
    drift = compare(engine, index)
    assert drift.clean and drift.registry == 360 + summary["created"] and _aside(index) == []


def test_search_sync_says_why_nothing_was_indexed_during_a_build(registry, index, database_url, tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HOPQUY_")},
           "HOPQUY_DATABASE_URL": database_url, "HOPQUY_DATA_DIR": str(tmp_path / "var"),
           "HOPQUY_MEILI_URL": index.target.url, "HOPQUY_MEILI_KEY": index.target.key,
           "HOPQUY_MEILI_INDEX": index.name}
    command = [sys.executable, "-m", "cli.main", "search", "sync"]
    with BuildLock(registry, index.name).exclusive():
        during = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert during.returncode == 0, during.stderr
    assert "indexed 0 certificates; 360 still queued (an index is being built aside" in during.stdout
    after = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert after.stdout.strip() == "indexed 360 certificates; 0 still queued"

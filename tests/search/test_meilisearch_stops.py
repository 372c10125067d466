"""Meilisearch stopped in the middle of a run: search degrades, verification carries on, the
worker keeps the changes, and after the restart the index catches up to equal the registry."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from litestar.testing import TestClient

from importer.run import ImportOptions, import_file
from public_site.app import create_app
from registry.settings import get_settings
from search.check import compare
from search.client import SearchIndex, SearchTarget
from search.drain import pending, run_forever
from search.process import MeilisearchProcess, free_port
from tests.helpers import row, sample_rows, write_feed

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_stop_mid_run_degrade_then_catch_up(engine, sample_path, tmp_path):
    key, port = secrets.token_urlsafe(24), free_port()
    meili = MeilisearchProcess(tmp_path / "meili", key, port=port).start()
    index = SearchIndex(SearchTarget(meili.url, key, "stops"), timeout=2)
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(engine, index), kwargs={"stop": stop, "idle": 0.2})
    try:
        assert import_file(engine, sample_path, ImportOptions(source="sample")).status == "applied"
        worker.start()
        _until(lambda: pending(engine) == 0, "the first import to be indexed")
        app = create_app(get_settings(), engine, index, run_worker=False, migrate=False)
        first = sample_rows(sample_path)[0]
        with TestClient(app) as client:
            assert client.get("/api/v1/search", params={"q": first[4]}).json()["degraded"] is False

            meili.stop()  # mid-run: the worker is still looping
            body = client.get("/api/v1/search", params={"q": first[4].split(";")[0]}).json()
            assert body["degraded"] is True and body["hits"][0]["certificate_no"] == first[0]
            assert "Tìm kiếm nhanh đang tạm gián đoạn" in client.get("/", params={"q": first[0]}).text
            assert client.get(f"/v/{first[0]}").status_code == 200  # verification never needs search
            assert client.get(f"/api/v1/verify/{first[0]}").json()["found"] is True
            new = write_feed(tmp_path / "more.csv", [row(number="B0001010125AF04A2", models="ZX-9000"),
                                                     row(number="B0002010125AF04A2", models="ZX-9001")])
            assert import_file(engine, new, ImportOptions(source="late")).status == "applied"
            time.sleep(1)  # the worker tries, fails and backs off; nothing is lost
            assert pending(engine) == 2

            meili.start()  # same data dir, same port and key
            _until(lambda: pending(engine) == 0, "the worker to catch up after the restart")
            drift = compare(engine, index)
            assert drift.clean and drift.index == drift.registry == len(sample_rows(sample_path)) + 2
            hits = client.get("/api/v1/search", params={"q": "ZX-9001"}).json()
            assert hits["degraded"] is False and hits["hits"][0]["certificate_no"] == "B0002010125AF04A2"
    finally:
        stop.set()
        if worker.is_alive():
            worker.join(timeout=40)
        meili.stop()


def _until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_search_sync_with_meilisearch_down_says_so_and_keeps_the_changes(engine, database_url, sample_path, tmp_path):
    assert import_file(engine, sample_path, ImportOptions(source="sample")).status == "applied"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HOPQUY_")},
           "HOPQUY_DATABASE_URL": database_url, "HOPQUY_DATA_DIR": str(tmp_path / "var"),
           "HOPQUY_MEILI_URL": f"http://127.0.0.1:{free_port()}", "HOPQUY_MEILI_KEY": "k" * 24}
    done = subprocess.run([sys.executable, "-m", "cli.main", "search", "drain"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("search index unreachable: ")
    assert done.stderr.strip().endswith(f"{len(sample_rows(sample_path))} changes still queued")
    assert pending(engine) == len(sample_rows(sample_path))

"""``hopquy reindex``: a fresh index swapped in while searches keep answering; ``--check`` finds drift."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from importer.run import ImportOptions, import_file
from search.check import compare
from search.drain import drain
from search.query import search_certificates
from search.reindex import reindex
from search.request import SearchParams
from tests.helpers import sample_rows

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_reindex_swaps_with_searches_answering_throughout(engine, index, sample_path):
    import_file(engine, sample_path, ImportOptions(source="sample"))
    drain(engine, index)
    model = sample_rows(sample_path)[0][4].split(";")[0].strip()
    index.wait(index.client.index(index.name).update_documents([{"id": 1, "brand": "Stale"}]))
    answers, stop = [], threading.Event()

    def search_all_the_time() -> None:
        while not stop.is_set():
            body = search_certificates(engine, index, SearchParams(q=model))
            answers.append((body["degraded"], body["total"] > 0))

    searcher = threading.Thread(target=search_all_the_time)
    searcher.start()
    try:
        assert reindex(engine, index) == 360
    finally:
        stop.set()
        searcher.join()
    assert len(answers) > 5 and all(a == (False, True) for a in answers), answers[:5]
    assert compare(engine, index).clean
    names = {i.uid for i in index.client.get_indexes({"limit": 1000})["results"]}
    assert not any(n.startswith(index.name + "_build") for n in names)  # the old copy is gone


@pytest.mark.e2e
def test_check_command_lists_drift(engine, index, sample_path, database_url, tmp_path):
    import_file(engine, sample_path, ImportOptions(source="sample"))
    drain(engine, index)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HOPQUY_")},
           "HOPQUY_DATA_DIR": str(tmp_path / "var"), "HOPQUY_DATABASE_URL": database_url,
           "HOPQUY_MEILI_URL": index.target.url, "HOPQUY_MEILI_KEY": index.target.key,
           "HOPQUY_MEILI_INDEX": index.name}

    def check():
        return subprocess.run([sys.executable, "-m", "cli.main", "reindex", "--check"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    clean = check()
    assert clean.returncode == 0 and "matches the registry" in clean.stdout
    index.wait(index.client.index(index.name).delete_document(7))
    drifted = check()
    assert drifted.returncode == 1 and "missing: 1 (ids 7)" in drifted.stdout
    fixed = subprocess.run([sys.executable, "-m", "cli.main", "reindex"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert "reindexed 360" in fixed.stdout
    assert check().returncode == 0

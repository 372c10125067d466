"""Each search document stores the status of the day it was built; a search counts the day's
statuses from it alone when no document is stale, and the drain rebuilds those the day has
overtaken (``search.lapsed``). The counts are the day's at every step."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from registry.models import Certificate
from registry.snapshots import load_records
from search import lapsed
from search.documents import to_document
from search.drain import drain, run_forever
from search.query import search_certificates
from search.request import SearchParams
from tests.helpers import requests_sent, row, write_feed

ROOT = Path(__file__).resolve().parents[2]
SOON, LATER, LONG = "A0000010126AE01A2", "A0000020126AE01A2", "A0000030126AE01A2"


@pytest.fixture
def registry(engine, index, tmp_path, monkeypatch):
    """Three certificates indexed on 2026-01-10: one expires on 2026-01-31, one on 2026-06-30,
    one has been revoked."""
    monkeypatch.setenv("HOPQUY_TODAY", "2026-01-10")
    rows = [row(SOON, models="HQ-SOON", expires="31/01/2026", issued="01/01/2025"),
            row(LATER, models="HQ-LATER", expires="30/06/2026", issued="01/01/2025"),
            row(LONG, models="HQ-LONG", status="Bị thu hồi", issued="01/01/2025")]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    return engine


def _statuses(engine, index, **params):
    body = search_certificates(engine, index, SearchParams(q="hq", facets=("status",), group="certificate", **params))
    assert body["facets"]["status"] == dict(Counter(hit["status"] for hit in body["hits"]))
    return body["facets"]["status"]


def _stored(index) -> dict[str, str]:
    documents = index.client.index(index.name).get_documents({"fields": ["certificate_no", "status"]}).results
    return {document.certificate_no: getattr(document, "status", None) for document in documents}


def test_a_document_stores_the_status_of_its_day(registry, index):
    assert _stored(index) == {SOON: "valid", LATER: "valid", LONG: "revoked"}


def test_counted_from_the_stored_status_once_the_drain_found_none_stale(registry, index, monkeypatch):
    monkeypatch.setattr(lapsed.CHECKED, "seconds", 60.0)
    sent = requests_sent(index, monkeypatch)
    assert _statuses(registry, index) == {"valid": 2, "revoked": 1}
    (first,) = sent  # not known yet: the administrative statuses, and those past expiry, in one round trip
    assert len(first["queries"]) == 2 and "admin_status" in first["queries"][0]["facets"]
    assert lapsed.queue_lapsed(registry, index) == 0  # what the drain does every LAPSED_EVERY seconds
    sent.clear()
    assert _statuses(registry, index) == {"valid": 2, "revoked": 1}
    (second,) = sent  # one search, counting the stored status
    assert "queries" not in second and "status" in second["facets"] and "admin_status" not in second["facets"]


def test_past_an_expiry_the_counts_stay_the_days_and_the_drain_mends_the_stored_status(registry, index,
                                                                                       monkeypatch):
    monkeypatch.setattr(lapsed.CHECKED, "seconds", 60.0)
    assert lapsed.queue_lapsed(registry, index) == 0
    monkeypatch.setenv("HOPQUY_TODAY", "2026-02-01")  # SOON expired yesterday; its document says valid
    sent = requests_sent(index, monkeypatch)
    assert _statuses(registry, index) == {"valid": 1, "expired": 1, "revoked": 1}
    assert all("queries" in body for body in sent), "a stale status was counted as the day's"
    assert lapsed.queue_lapsed(registry, index) == 1
    drain(registry, index)
    assert _stored(index)[SOON] == "expired"
    assert lapsed.queue_lapsed(registry, index) == 0
    sent.clear()
    assert _statuses(registry, index) == {"valid": 1, "expired": 1, "revoked": 1}
    assert ["queries" in body for body in sent] == [False]  # the stored status alone


def test_a_document_built_for_a_later_day_or_before_statuses_were_stored_is_stale(registry, index, monkeypatch):
    monkeypatch.setenv("HOPQUY_TODAY", "2026-03-01")
    assert lapsed.queue_lapsed(registry, index) == 1
    drain(registry, index)
    monkeypatch.setenv("HOPQUY_TODAY", "2026-01-20")  # a clock set back: SOON is valid again that day
    assert _statuses(registry, index) == {"valid": 2, "revoked": 1}
    assert lapsed.queue_lapsed(registry, index) == 1
    drain(registry, index)
    assert _stored(index)[SOON] == "valid"
    with Session(registry) as session:
        cid = session.execute(select(Certificate.id).where(Certificate.certificate_no == LATER)).scalar_one()
        record = load_records(session, [cid])[cid]
    older = {key: value for key, value in to_document(cid, record).items() if key != "status"}
    index.wait(index.client.index(index.name).add_documents([older]))  # replaces the whole document
    assert _stored(index)[LATER] is None
    assert lapsed.queue_lapsed(registry, index) == 1  # an older version's document, without a status


def test_the_drain_worker_and_the_cron_drain_queue_what_lapsed(registry, index, monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("HOPQUY_TODAY", "2026-07-01")  # SOON and LATER have expired
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(registry, index),
                              kwargs={"idle": 0.05, "stop": stop, "lapsed_every": 0.1})
    worker.start()
    try:
        for _ in range(200):
            if _stored(index) == {SOON: "expired", LATER: "expired", LONG: "revoked"}:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(10)
    assert _stored(index) == {SOON: "expired", LATER: "expired", LONG: "revoked"}
    monkeypatch.setenv("HOPQUY_TODAY", "2026-01-15")  # back: both valid again, which cron's drain mends
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HOPQUY_")}, "HOPQUY_TODAY": "2026-01-15",
           "HOPQUY_DATABASE_URL": database_url, "HOPQUY_DATA_DIR": str(tmp_path / "var"),
           "HOPQUY_MEILI_URL": index.target.url, "HOPQUY_MEILI_KEY": index.target.key,
           "HOPQUY_MEILI_INDEX": index.name}
    done = subprocess.run([sys.executable, "-m", "cli.main", "search", "drain"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "indexed 2 certificates (2 for a status the day changed); 0 still queued"
    assert _stored(index) == {SOON: "valid", LATER: "valid", LONG: "revoked"}

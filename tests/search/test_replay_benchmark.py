"""The search benchmark's measuring aids: the replay must send Meilisearch exactly what the
API's search sends (else "what Hopquy adds" would be measured against other work), and the
throughput ceiling must be the arithmetic docs/benchmarks.md states."""

from __future__ import annotations

import orjson
import pytest
from sqlmodel import Session, select

from benchmarks.replay import ReplaySearch, captured_rounds, forget_kept_answers
from benchmarks.search_bench import raw_headers
from benchmarks.search_load_report import ceiling
from registry.models import Certificate, CertificateModel
from search.lapsed import queue_lapsed
from search.query import search_certificates
from search.request import ALL_FACETS, SearchParams
from tests.helpers import requests_sent


@pytest.fixture
def texts(sample_registry) -> list[str]:
    """A model code, a certificate number, a brand and a word found nowhere (the longest path:
    read again, words left out, relaxed)."""
    with Session(sample_registry) as session:
        model = session.exec(select(CertificateModel.model_code).limit(1)).one()
        number, brand = session.exec(select(Certificate.certificate_no, Certificate.brand).limit(1)).one()
    return [model, number, brand, f"{brand} zzqxv"]


@pytest.mark.parametrize("facets", [(), ALL_FACETS])
def test_the_replay_sends_what_the_search_sends(sample_registry, sample_index, texts, monkeypatch, facets):
    # as search_bench does before capturing: the day's statuses checked, so facets=status reads
    # them in the page's own search in both (the check expires: the two must not differ on it)
    assert queue_lapsed(sample_registry, sample_index) == 0
    for text in texts:
        rounds = captured_rounds(sample_registry, sample_index, text, facets)
        forget_kept_answers()  # else the devices' counts and the pins would be the kept ones
        sent = requests_sent(sample_index, monkeypatch)
        search_certificates(sample_registry, sample_index, SearchParams(q=text, facets=facets))
        monkeypatch.undo()
        assert [orjson.loads(body) for r in rounds for _, body in r] == sent, text
        assert all(path.startswith(("/indexes/", "/multi-search")) for r in rounds for path, _ in r)


def test_the_replay_is_answered_by_meilisearch(sample_registry, sample_index, meili, texts):
    replay = ReplaySearch(sample_registry, sample_index, meili.url, raw_headers(meili.key or ""), texts)
    assert replay.requests_per_search() >= 1
    assert all(replay(text) > 0 for text in texts)  # a status other than 200 stops it


def test_the_ceiling_counts_the_work_beside_the_server():
    # raw: 1,000/s on 2 cores, Meilisearch 1.2 core-ms a request: wrk's share 0.8 core-ms
    raw = [{"rps": 1000.0, "meili_ms": 1.2, "db_ms": 0.0}]
    api = [{"rps": 400.0, "meili_ms": 1.5, "db_ms": 0.5}]
    assert ceiling(api, raw, cores=2) == pytest.approx(2.0 / 2.8)
    # the database's work counts against the ceiling; wrk's share is read from raw's side only
    assert ceiling(api, api, cores=2) == pytest.approx(5.0 / 5.5)

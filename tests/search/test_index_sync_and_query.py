"""The outbox, the real Meilisearch index, query-time status and the SQL fallback."""


import pytest

from importer.run import ImportOptions, import_file
from search.check import compare
from search.documents import model_variants
from search.drain import drain, ensure_filled, pending
from search.query import search_certificates
from search.request import SearchParams
from tests.helpers import row, write_feed


@pytest.fixture
def two_phones(engine, tmp_path):
    feed = write_feed(tmp_path / "f.csv", [
        row(),
        row("B0001010125AF04A2", models="Archer AX23", brand="TP-Link", expires="01/01/2026",
            product="Thiết bị phát Wi-Fi"),
        row("C0002020224AE01A2", models="SM-A556E; SM-A556E/DS", product="Điện thoại Galaxy A55",
            status="Thu hồi"),
    ])
    assert import_file(engine, feed, ImportOptions(source="qc1")).status == "applied"
    return engine


def test_outbox_drains_into_the_index(two_phones, index):
    assert pending(two_phones) == 3
    assert drain(two_phones, index) == 3
    assert pending(two_phones) == 0
    assert index.index.get_stats().number_of_documents == 3


def test_model_code_finds_its_certificate_first(two_phones, index):
    drain(two_phones, index)
    for query in ("SM-A546E/DS", "SM-A546E", "sma546e", "sm-a546e"):
        body = search_certificates(two_phones, index, SearchParams(q=query))
        assert not body["degraded"]
        assert body["hits"][0]["certificate_no"] == "A0412150324AE01A2", query


def test_status_is_right_on_the_day_of_the_query(two_phones, index, monkeypatch):
    drain(two_phones, index)
    monkeypatch.setenv("HOPQUY_TODAY", "2025-06-01")
    valid = search_certificates(two_phones, index, SearchParams(status="valid"))
    assert {h["certificate_no"] for h in valid["hits"]} == {"A0412150324AE01A2", "B0001010125AF04A2"}
    # the router expired on 2026-01-01 without any re-indexing
    monkeypatch.setenv("HOPQUY_TODAY", "2026-06-01")
    valid = search_certificates(two_phones, index, SearchParams(status="valid"))
    assert [h["certificate_no"] for h in valid["hits"]] == ["A0412150324AE01A2"]
    expired = search_certificates(two_phones, index, SearchParams(q="archer", status="expired"))
    assert expired["hits"][0]["status"] == "expired"
    revoked = search_certificates(two_phones, index, SearchParams(status="revoked"))
    assert revoked["total"] == 1 and revoked["hits"][0]["status"] == "revoked"


def test_highlight_is_escaped_html(two_phones, index):
    drain(two_phones, index)
    hit = search_certificates(two_phones, index, SearchParams(q="archer"))["hits"][0]
    assert hit["highlight"]["models"] == "<mark>Archer</mark> AX23"


def test_search_degrades_to_sql_when_meilisearch_is_down(two_phones, dead_index):
    body = search_certificates(two_phones, dead_index, SearchParams(q="sm-a546e"))
    assert body["degraded"] is True
    assert body["hits"][0]["certificate_no"] == "A0412150324AE01A2"
    filtered = search_certificates(two_phones, dead_index, SearchParams(status="revoked"))
    assert [h["certificate_no"] for h in filtered["hits"]] == ["C0002020224AE01A2"]


def test_drain_keeps_changes_while_meilisearch_is_down(two_phones, dead_index, index):
    from search.client import SearchUnavailable

    with pytest.raises(SearchUnavailable):
        drain(two_phones, dead_index)
    assert pending(two_phones) == 3
    assert drain(two_phones, index) == 3


def test_a_missing_index_is_created_and_filled_from_the_whole_registry(two_phones, index):
    """A new Meilisearch, or one that lost its data: the outbox is empty, yet the new index
    must not stay empty (every search would answer nothing, and not degraded)."""
    drain(two_phones, index)
    assert ensure_filled(two_phones, index) == 0 and pending(two_phones) == 0  # there: nothing to do
    index.wait(index.client.delete_index(index.name))
    assert ensure_filled(two_phones, index) == 3
    assert drain(two_phones, index) == 3
    assert compare(two_phones, index).clean
    hits = search_certificates(two_phones, index, SearchParams(q="Archer AX23"))["hits"]
    assert hits[0]["certificate_no"] == "B0001010125AF04A2"


def test_model_variants():
    assert model_variants("SM-A546E/DS") == ("SMA546EDS", "SMA546E", "A546EDS", "A546E")

"""Radio technologies and bands, end to end: feed → registry → /c, /v, API, filter, facet, export."""

import csv
import io

import pytest
from litestar.testing import TestClient

from importer import radio
from importer.run import ImportOptions, import_file
from public_site.app import create_app
from registry.opendata import write_csv
from registry.settings import get_settings
from search.drain import drain
from tests.helpers import HEADER, row, write_feed

PHONE, ROUTER, PLAIN = "A0412150324AE01A2", "B0001010125AF04A2", "C0001020125AE01A2"


@pytest.mark.parametrize(("cell", "expected"), [
    ("GSM, WCDMA, 4G LTE, 5G; Wi-Fi; BT", ("GSM", "WCDMA", "LTE", "NR", "Wi-Fi", "Bluetooth")),
    ("GSM/WCDMA/LTE\nWi-Fi 802.11 a/b/g/n/ac", ("GSM", "WCDMA", "LTE", "Wi-Fi")),
    ("wlan; Thread", ("Wi-Fi", "Thread")),  # an unknown technology is kept as written, after the known
    (["NR", "lte"], ("LTE", "NR")),  # a JSON feed's list
])
def test_technologies_are_written_one_way(cell, expected):
    assert radio.technologies(cell) == expected


def test_bands_keep_one_item_per_technology_with_tidy_units():
    assert radio.bands("gsm 900/1800; 5G NR n78;NR n78\nwifi 2.4/5ghz; 13.56mhz") == (
        "GSM 900/1800", "NR n78", "Wi-Fi 2.4/5 GHz", "13.56 MHz")


@pytest.fixture
def registry(engine, index, tmp_path):
    header = [*HEADER, "Công nghệ", "Băng tần"]
    feed = write_feed(tmp_path / "radio.csv", [
        [*row(PHONE), "GSM/WCDMA/LTE, 5G", "GSM 900/1800; LTE B1/B3/B7; NR n78; wifi 2.4/5ghz"],
        [*row(ROUTER, models="Archer AX23", brand="TP-Link", product="Bộ phát Wi-Fi"), "", "Wi-Fi 2.4/5 GHz"],
        [*row(PLAIN, models="RRU5258", brand="Huawei", product="Thiết bị vô tuyến trạm gốc"), "", ""],
    ], header=header)
    result = import_file(engine, feed, ImportOptions(source="qc1"))
    assert result.status == "applied", [str(p) for p in result.problems]
    drain(engine, index)
    return engine


@pytest.fixture
def client(registry, index):
    with TestClient(create_app(get_settings(), registry, index, run_worker=False, migrate=False)) as test_client:
        yield test_client


def test_the_fields_are_shown_on_both_pages_and_in_the_api(client):
    page = client.get(f"/c/{PHONE}").text
    assert "Công nghệ" in page and "GSM; WCDMA; LTE; NR; Wi-Fi" in page
    assert "Băng tần" in page and "Wi-Fi 2.4/5 GHz" in page
    scan = client.get(f"/v/{PHONE}?lang=en").text
    assert "Technologies" in scan and "LTE B1/B3/B7" in scan
    assert "Technologies" not in client.get(f"/v/{PLAIN}?lang=en").text  # an empty field shows no row
    body = client.get(f"/api/v1/certificates/{PHONE}").json()
    assert body["technologies"] == ["GSM", "WCDMA", "LTE", "NR", "Wi-Fi"]
    assert body["bands"] == ["GSM 900/1800", "LTE B1/B3/B7", "NR n78", "Wi-Fi 2.4/5 GHz"]


def test_technology_is_searched_filtered_and_counted(client):
    everything = client.get("/api/v1/search", params={"q": "", "kind": "certificate", "facets": "technology"}).json()
    assert everything["facets"]["technologies"] == {"GSM": 1, "WCDMA": 1, "LTE": 1, "NR": 1, "Wi-Fi": 2}
    wifi = client.get("/api/v1/search", params={"technology": "Wi-Fi"}).json()
    assert {hit["certificate_no"] for hit in wifi["hits"]} == {PHONE, ROUTER}
    assert [h["certificate_no"] for h in client.get("/api/v1/search", params={"technology": "NR"}).json()["hits"]] \
        == [PHONE]
    assert PHONE in {h["certificate_no"] for h in client.get("/api/v1/search", params={"q": "n78"}).json()["hits"]}
    page = client.get("/", params={"technology": "Wi-Fi"}).text
    assert 'name="technology"' in page and ROUTER in page and PLAIN not in page


def test_the_filter_holds_in_degraded_mode(registry, dead_index):
    with TestClient(create_app(get_settings(), registry, dead_index, run_worker=False, migrate=False)) as client:
        body = client.get("/api/v1/search", params={"technology": "Wi-Fi"}).json()
        assert body["degraded"] is True
        assert {hit["certificate_no"] for hit in body["hits"]} == {PHONE, ROUTER}
        lte = client.get("/api/v1/search", params={"technology": "LTE"}).json()
        assert [hit["certificate_no"] for hit in lte["hits"]] == [PHONE]


def test_export_carries_the_fields_and_imports_back_unchanged(registry, tmp_path):
    buffer = io.StringIO()
    write_csv(registry, buffer)
    exported = {r["certificate_no"]: r for r in csv.DictReader(io.StringIO(buffer.getvalue()))}
    assert exported[PHONE]["technologies"] == "GSM; WCDMA; LTE; NR; Wi-Fi"
    assert exported[ROUTER]["bands"] == "Wi-Fi 2.4/5 GHz" and exported[PLAIN]["technologies"] == ""
    again = tmp_path / "again.csv"
    again.write_text(buffer.getvalue(), encoding="utf-8")
    result = import_file(registry, again, ImportOptions(source="qc1"))
    assert (result.counts.updated, result.counts.unchanged) == (0, 3), [str(p) for p in result.problems]

"""Devices, not a page of one device's certificates: a search lists one hit per device, with
how many of its certificates match and a way to list them; ungrouped on request."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from importer.run import ImportOptions, import_file
from public_site.app import create_app
from registry.settings import get_settings
from search.drain import drain
from search.query import search_certificates
from search.request import SearchParams
from tests.helpers import row, write_feed

A54 = ["A0412150324AE01A2", "A0412160324AE01A2", "A0412170324AE01A2", "A0412180324AE01A2"]
A34 = "A0412190324AE01A2"


@pytest.fixture
def registry(engine, index, tmp_path):
    rows = [row(number, models=model, product="Điện thoại di động Galaxy A54", issued=f"1{i}/03/2024")
            for i, (number, model) in enumerate(zip(A54, ["SM-A546E/DS", "SM-A546E/EEA", "SM-A546E",
                                                           "SM-A546E/DSN"], strict=True))]
    rows.append(row(A34, models="SM-A346E", product="Điện thoại di động Galaxy A34"))
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    return engine


def test_one_hit_per_device_with_its_count(registry, index):
    body = search_certificates(registry, index, SearchParams(q="galaxy"))
    assert body["grouped_by"] == "device" and body["total"] == 2
    counts = {hit["device"]: hit["device_certificates"] for hit in body["hits"]}
    assert counts == {"samsung|SMA546E": 4, "samsung|SMA346E": 1}


def test_ungrouped_on_request_and_one_devices_certificates(registry, index):
    every = search_certificates(registry, index, SearchParams(q="galaxy", group="certificate"))
    assert every["grouped_by"] == "certificate" and every["total"] == 5
    assert all(hit["device_certificates"] is None for hit in every["hits"])
    one = search_certificates(registry, index, SearchParams(q="galaxy", device="samsung|SMA546E"))
    assert sorted(hit["certificate_no"] for hit in one["hits"]) == A54 and one["grouped_by"] == "certificate"


def test_one_devices_certificates_without_meilisearch(registry, dead_index):
    one = search_certificates(registry, dead_index, SearchParams(device="samsung|SMA546E"))
    assert one["degraded"] is True and sorted(hit["certificate_no"] for hit in one["hits"]) == A54


def test_an_exact_code_still_comes_first(registry, index):
    body = search_certificates(registry, index, SearchParams(q="SM-A546E/EEA"))
    assert body["hits"][0]["certificate_no"] == A54[1]


def test_the_page_links_a_device_to_its_certificates(registry, index):
    app = create_app(get_settings(), registry, index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        page = client.get("/", params={"q": "galaxy"}).text
        assert "Các giấy chứng nhận của thiết bị này: 4" in page and "device=samsung%7CSMA546E" in page
        listed = client.get("/", params={"device": "samsung|SMA546E"}).text
        assert all(number in listed for number in A54) and A34 not in listed
        api = client.get("/api/v1/search", params={"q": "galaxy", "group": "certificate"}).json()
        assert api["total"] == 5
        assert client.get("/api/v1/search", params={"q": "galaxy", "group": "model"}).status_code == 400

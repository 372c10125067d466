"""Devices, not a page of one device's certificates: a search lists one hit per device, with
how many certificates it has (what its link lists) and a way to list them; ungrouped on request."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import update

from importer.run import ImportOptions, import_file
from public_site.app import create_app
from registry.models import Certificate
from registry.settings import get_settings
from search.drain import drain
from search.query import search_certificates
from search.request import SearchParams
from tests.helpers import requests_sent, row, write_feed

A54 = ["A0412150324AE01A2", "A0412160324AE01A2", "A0412170324AE01A2", "A0412180324AE01A2"]
A34 = "A0412190324AE01A2"


@pytest.fixture
def registry(engine, index, tmp_path):
    models = ["SM-A546E/DS", "SM-A546E/EEA", "SM-A546E", "SM-A546E/DSN"]
    suffixes = ["", "", "", " Awesome"]
    rows = [row(number, models=model, product=f"Điện thoại di động Galaxy A54{suffix}",
                issued=f"1{i}/03/{2023 if i == 0 else 2024}")
            for i, (number, model, suffix) in enumerate(zip(A54, models, suffixes, strict=True))]
    rows.append(row(A34, models="SM-A346E", product="Điện thoại di động Galaxy A34"))
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    return engine


def test_one_hit_per_device_with_its_count(registry, index):
    body = search_certificates(registry, index, SearchParams(q="galaxy"))
    assert body["grouped_by"] == "device" and body["total"] == 2
    counts = {hit["device"]: hit["device_certificates"] for hit in body["hits"]}
    assert counts == {"samsung|SMA546E": 4, "samsung|SMA346E": 1}


def test_the_count_is_the_devices_certificates_within_the_filters(registry, index):
    """One certificate matches every word, the device has four: the hit says four, the
    number its link lists; a filter the search has narrows the count too."""
    body = search_certificates(registry, index, SearchParams(q="galaxy awesome"))
    assert [(hit["certificate_no"], hit["device_certificates"]) for hit in body["hits"]] == [(A54[3], 4)]
    issued_in_2024 = search_certificates(registry, index, SearchParams(q="galaxy awesome", year=2024))
    assert issued_in_2024["hits"][0]["device_certificates"] == 3  # the first was issued in 2023


def test_without_filters_sqlite_counts_and_meilisearch_is_asked_once(registry, index, monkeypatch):
    sent = requests_sent(index, monkeypatch)
    body = search_certificates(registry, index, SearchParams(q="galaxy"))
    in_process = registry.dialect.name == "sqlite"  # on PostgreSQL Meilisearch counts (search.device_counts)
    assert len(sent) == (1 if in_process else 2), "the devices' counts took a second round trip"
    assert {hit["device"]: hit["device_certificates"] for hit in body["hits"]} == {
        "samsung|SMA546E": 4, "samsung|SMA346E": 1}
    sent.clear()
    search_certificates(registry, index, SearchParams(q="galaxy", year=2024))
    assert len(sent) == 2  # under a filter, Meilisearch counts what passes it


def test_a_device_the_registry_does_not_know_yet_is_counted_by_meilisearch(registry, index, monkeypatch):
    """A certificate changed a moment ago, before the index has it: the page shows the device
    the index knows, and its count is asked of Meilisearch."""
    if registry.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL Meilisearch counts every device (search.device_counts)")
    with registry.begin() as connection:
        connection.execute(update(Certificate).where(Certificate.certificate_no == A34).values(device_key="x|Y"))
    sent = requests_sent(index, monkeypatch)
    body = search_certificates(registry, index, SearchParams(q="galaxy"))
    assert len(sent) == 2 and sent[1]["queries"][0]["filter"][-1] == 'device_key IN ["samsung|SMA346E"]'
    assert {hit["device"]: hit["device_certificates"] for hit in body["hits"]} == {
        "samsung|SMA546E": 4, "samsung|SMA346E": 1}


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


def test_an_exact_trade_name_comes_before_the_names_it_begins(engine, index, tmp_path):
    """``realme 6`` is the realme 6 first, then the 6i and the 6 Pro whose names begin with it,
    however much newer their certificates are."""
    names = {"RMX2001": "realme 6", "RMX2002": "realme 6i", "RMX2003": "realme 6 Pro", "RMX2004": "realme 6 Pro 5G"}
    rows = [row(f"A04121{i}0324AE01A2", models=model, brand="Realme", product=f"Điện thoại di động {name}",
                issued=f"1{i}/03/202{i}") for i, (model, name) in enumerate(names.items())]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    for query, first in (("realme 6", "RMX2001"), ("Realme 6 Pro", "RMX2003"), ("realme 6i", "RMX2002"),
                         ("điện thoại realme 6", "RMX2001"), ("dien thoai realme 6 pro", "RMX2003")):
        body = search_certificates(engine, index, SearchParams(q=query))
        assert body["hits"][0]["models"] == [first], (query, [hit["models"] for hit in body["hits"]])


def test_a_code_typed_in_part_is_one_hit_per_device_an_exact_part_first(engine, index, tmp_path):
    """``E465G`` goes on to Hyundai's E465GO, shown once although it has regional variants,
    and is a whole part of LG's LG-E465g; ``AP30`` is a whole part of the ATOM AP30, before
    the AP300 and the AP-303 it begins."""
    rows = [row("A0001150324AE01A2", models="E465GO", brand="Hyundai", issued="15/03/2024"),
            row("A0002160324AE01A2", models="E465GO/XEV", brand="Hyundai", issued="16/03/2024"),
            row("A0003170324AE01A2", models="E465GO/N", brand="Hyundai", issued="17/03/2024"),
            row("A0004150324AE01A2", models="LG-E465g/XEV", brand="LGE", issued="15/03/2023"),
            row("A0005150324AF04A2", models="ATOM AP30", brand="Aerohive", product="Bộ phát Wi-Fi",
                issued="15/03/2022"),
            row("A0006150324AF04A2", models="AP300", brand="Amped Wireless", product="Bộ phát Wi-Fi"),
            row("A0007150324AF04A2", models="AP-303", brand="Aruba Networks", product="Bộ phát Wi-Fi")]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    typed = search_certificates(engine, index, SearchParams(q="E465g"))
    devices = [hit["device"] for hit in typed["hits"]]
    assert sorted(devices) == ["hyundai|E465GO", "lge|LGE465G"], devices  # each once
    part = search_certificates(engine, index, SearchParams(q="AP30"))
    assert [hit["models"] for hit in part["hits"]][:3] == [["ATOM AP30"], ["AP300"], ["AP-303"]]

"""Device types read from product names: a filter and a facet, the same with Meilisearch down."""

import pytest

from importer.run import ImportOptions, import_file
from search.categories import CODES, category_of
from search.drain import drain
from search.query import search_certificates
from search.request import SearchParams
from tests.helpers import row, write_feed

PHONE, ROUTER, WATCH, MODEM, OTHER = (f"A00{n}1150324AE01A2" for n in range(1, 6))


@pytest.fixture
def registry(engine, index, tmp_path):
    feed = write_feed(tmp_path / "f.csv", [
        row(PHONE, models="SM-A546E", product="Điện thoại di động GSM/WCDMA/LTE/NR Galaxy A54"),
        row(ROUTER, models="Archer AX23", brand="TP-Link",
            product="Thiết bị phát thu-phát vô tuyến cự ly ngắn (bộ phát Wi-Fi)"),
        row(WATCH, models="SM-R930", product="Đồng hồ thông minh có kết nối Bluetooth Galaxy Watch6"),
        row(MODEM, models="HG8145V5", brand="Huawei", product="Thiết bị đầu cuối mạng quang GPON (modem quang)"),
        row(OTHER, models="RRU5258", brand="Huawei", product="Thiết bị vô tuyến trạm gốc"),
    ])
    assert import_file(engine, feed, ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    return engine


def test_the_api_offers_every_category_and_refuses_others(registry, index):
    from litestar.testing import TestClient

    from public_site.app import create_app

    with TestClient(create_app(engine=registry, index=index, run_worker=False)) as client:
        document = client.get("/schema/openapi.json").json()
        parameter = next(p for p in document["paths"]["/api/v1/search"]["get"]["parameters"] if p["name"] == "category")
        ref = next(option["$ref"] for option in parameter["schema"]["oneOf"] if "$ref" in option)
        assert set(document["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"]) == set(CODES)
        assert client.get("/api/v1/search", params={"category": "toaster"}).status_code == 400


@pytest.mark.parametrize(("name", "code"), [
    ("ĐIỆN THOẠI DI ĐỘNG", "phone"), ("Máy tính bảng Lenovo Tab M10", "tablet"),
    ("Đầu thu truyền hình số mặt đất DVB-T2", "tv_receiver"), ("Bộ định tuyến không dây (router)", "wifi"),
])
def test_a_category_is_read_from_the_product_name(name, code):
    assert category_of(name) == code


def test_a_category_filters_and_counts(registry, index, dead_index):
    body = search_certificates(registry, index, SearchParams(q="galaxy", facets=("category",)))
    assert body["facets"]["category"] == {"phone": 1, "smartwatch": 1}
    for target in (index, dead_index):  # Meilisearch, then the SQL of degraded mode
        for code, wanted in (("phone", [PHONE]), ("wifi", [ROUTER]), ("smartwatch", [WATCH]),
                             ("modem", [MODEM]), ("other", [OTHER]), ("tablet", [])):
            found = search_certificates(registry, target, SearchParams(category=code))
            assert [h["certificate_no"] for h in found["hits"]] == wanted, (code, found["degraded"])
        assert [h["certificate_no"] for h in search_certificates(
            registry, target, SearchParams(q="huawei", category="modem"))["hits"]] == [MODEM]


"""Codes named in a query are looked up in the registry and put first (search.pins)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from registry.models import Certificate
from search.pins import pinned_ids
from tests.helpers import row, write_feed

PHONE, ROUTER, WATCH = "A0001150324AE01A2", "A0002150324AF04A2", "A0003150324AE01A2"
LONG = "A0004150324AE01A2"


def _registry(engine, tmp_path):
    rows = [
        row(number=PHONE, models="C5", brand="Nokia", product="Điện thoại di động GSM/WCDMA/LTE/NR Nokia C5"),
        row(number=ROUTER, models="C5", brand="TP-Link", product="Thiết bị phát thu-phát vô tuyến (bộ phát Wi-Fi)"),
        row(number=WATCH, models="Light", brand="Kieslect", product="Đồng hồ thông minh kết nối Bluetooth Light"),
        row(number=LONG, models="P13 Blue Max Pro 256 GB", brand="Blackview", product="Điện thoại di động P13"),
    ]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="t")).status == "applied"
    with Session(engine) as session:
        return dict(session.execute(select(Certificate.certificate_no, Certificate.id)).all())


def test_a_short_model_among_product_words_is_pinned_only_where_the_words_fit(engine, tmp_path):
    ids = _registry(engine, tmp_path)
    with engine.connect() as connection:
        assert pinned_ids(connection, "điện thoại C5") == [ids[PHONE]]
        assert pinned_ids(connection, "dien thoai C5") == [ids[PHONE]]
        assert pinned_ids(connection, "bộ phát wifi C5") == [ids[ROUTER]]
        assert pinned_ids(connection, "dong ho thong minh light") == [ids[WATCH]]
        assert pinned_ids(connection, "điện thoại light") == []  # a watch, not a phone
        assert sorted(pinned_ids(connection, "C5")) == sorted([ids[PHONE], ids[ROUTER]])
        assert pinned_ids(connection, "light") == []  # one plain word is left to Meilisearch


def test_a_model_of_many_words_after_product_words_is_pinned(engine, tmp_path):
    ids = _registry(engine, tmp_path)
    with engine.connect() as connection:
        assert pinned_ids(connection, "dien thoai P13 Blue Max Pro 256 GB") == [ids[LONG]]
        assert pinned_ids(connection, "điện thoại di động p13 blue max pro 256gb") == [ids[LONG]]

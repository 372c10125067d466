"""The field catalogue: one declaration per field, and what is derived from it stays in step."""

from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect

from importer.headers import ALIASES, map_header
from importer.validate import PARSERS
from registry.catalogue import COLUMN_FIELDS, FEED_FIELDS, FIELDS, REQUIRED
from registry.models import Certificate
from registry.records import CertificateData
from search.index_settings import SETTINGS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "feed-format.md"
FULL = CertificateData(
    certificate_no="A0412150324AE01A2", kind="certificate", product_name="Điện thoại di động GSM/WCDMA/LTE/NR",
    brand="Samsung", models=("SM-A546E", "SM-A546E/DS"), holder_name="Công ty TNHH Điện tử Samsung HCMC CE Complex",
    regulations=("QCVN 117:2023/BTTTT", "QCVN 18:2022/BTTTT"), issued_on=date(2024, 3, 15), source="QUACERT",
    manufacturer="Samsung Electronics Vietnam", origin="Việt Nam", holder_tax_code="0312345678", method=1,
    certification_body="QUACERT", expires_on=date(2027, 3, 14), admin_status="valid", mark_code="VN-12345",
    note="ghi chú")
MINIMAL = CertificateData(
    certificate_no="0001/2024/CBHQ-A01", kind="declaration", product_name="Bộ phát Wi-Fi", brand="TP-Link",
    models=("TL-WR841N",), holder_name="Công ty TNHH TP-Link Việt Nam", regulations=("QCVN 54:2020/BTTTT",),
    issued_on=date(2024, 1, 2))


@pytest.mark.parametrize(("record", "stored"), [
    # the hashes the registry stored for these records before technologies and bands existed
    (FULL, "ccf2738c4b9289e71c78028e10400a9ca2e77a93fad994844d2ddd51fcc9442c"),
    (MINIMAL, "fcfa79e273a3c4ed8913e88021b6c11a6b7d269e01a42fec0dc2645844442405"),
])
def test_a_new_field_leaves_every_stored_content_hash_as_it_was(record, stored):
    assert record.content_hash() == stored
    assert "technologies" not in record.snapshot() and "bands" not in record.snapshot()
    with_radio = replace(record, technologies=("LTE",), bands=("LTE B3",))
    assert with_radio.content_hash() != stored
    assert with_radio.snapshot()["technologies"] == ["LTE"]


def test_every_field_is_a_record_attribute_and_every_stored_one_a_column():
    attributes = {f.name for f in dataclass_fields(CertificateData)}
    assert {field.name for field in FIELDS} <= attributes
    columns = {column.name for column in inspect(Certificate).columns}
    assert set(COLUMN_FIELDS) <= columns


def test_every_parser_the_catalogue_names_exists():
    assert {field.parser for field in FEED_FIELDS} <= set(PARSERS)


def test_headers_in_both_languages_map_to_their_field():
    for field in FEED_FIELDS:
        for spelling in field.all_headers:
            assert map_header([spelling], 1).columns == {field.key: 0}, spelling
    assert set(REQUIRED) == {"certificate_no", "kind", "product_name", "brand", "models", "holder_name",
                             "regulations", "issued_on"}


def test_the_feed_format_documents_every_column_and_its_headers():
    text = DOCS.read_text(encoding="utf-8")
    for key, spellings in ALIASES.items():
        line = next((line for line in text.splitlines() if line.startswith(f"| {key} |")), None)
        assert line is not None, f"docs/feed-format.md has no row for {key}"
        assert spellings[0] in line, f"the row of {key} does not name {spellings[0]}"


def test_searched_and_faceted_fields_are_set_up_in_the_index():
    searchable, filterable = SETTINGS["searchableAttributes"], SETTINGS["filterableAttributes"]
    for field in FIELDS:
        if field.searched:
            assert field.name in searchable, field.name
        if field.facet:
            assert field.facet in filterable, field.facet

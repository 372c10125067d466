"""What people paste: a link from a QR scanner app, a line copied from a label or a listing."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from litestar.testing import TestClient

from public_site.app import create_app
from registry.settings import get_settings
from search.pasted import read_pasted
from tests.helpers import sample_rows

NUMBER, DECLARATION = "A0001311026AE01A2", "0001/2024/CBHQ-A01"


def link_variants(number: str) -> list[str]:
    encoded = quote(number, safe="")
    return [
        f"https://hopquy.gov.vn/v/{number}",
        f"http://hopquy.gov.vn/v/{number}",
        f"https://mirror.example.com:8443/c/{number}",
        f"https://hopquy.gov.vn/v/{number}/",
        f"https://hopquy.gov.vn/v/{number}?utm_source=qr",
        f"https://hopquy.gov.vn/c/{number}#history",
        f"https://hopquy.gov.vn/v/{encoded}",
        f"HTTPS://HOPQUY.GOV.VN/V/{number}",
        f"hopquy.gov.vn/v/{number}",
        f"127.0.0.1:8000/v/{number}",
        f"http://localhost:8000/c/{number}/?lang=en",
        f"/v/{number}",
        f"https://hopquy.gov.vn/qr/{number}.png",
        f"https://hopquy.gov.vn/qr/{number}.svg?size=512",
        f"https://hopquy.gov.vn/label/{number}.pdf",
        f"  https://hopquy.gov.vn/v/{number}  ",
    ]


@pytest.mark.parametrize("number", [NUMBER, DECLARATION])
def test_every_link_variant_reads_as_the_number_it_carries(number):
    for link in link_variants(number):
        pasted = read_pasted(link)
        assert (pasted.query, pasted.link) == (number, "certificate"), link


def test_a_holder_link_reads_as_its_tax_code():
    for link in ("https://hopquy.gov.vn/o/0312345678", "hopquy.gov.vn/o/0312345678/", "/o/0312345678?page=2"):
        assert read_pasted(link) == read_pasted("/o/0312345678")
        assert (read_pasted(link).query, read_pasted(link).link) == ("0312345678", "holder")


@pytest.mark.parametrize("line, value, field", [
    ("Model: SM-A546E", "SM-A546E", "model"),
    ("model:SM-A546E", "SM-A546E", "model"),
    ("MODEL SM-A546E", "SM-A546E", "model"),
    ("Model No. SM-A546E", "SM-A546E", "model"),
    ("Model No.: SM-A546E", "SM-A546E", "model"),
    ("Model number: SM-A546E", "SM-A546E", "model"),
    ("Kiểu/Model: TL-WR841N", "TL-WR841N", "model"),
    ("Kiểu (Model): TL-WR841N", "TL-WR841N", "model"),
    ("Kieu/Model: TL-WR841N", "TL-WR841N", "model"),
    ("Ký hiệu: TL-WR841N", "TL-WR841N", "model"),
    ("KÝ HIỆU TL-WR841N", "TL-WR841N", "model"),
    ("Kiểu loại: TL-WR841N", "TL-WR841N", "model"),
    ("Type: TL-WR841N", "TL-WR841N", "model"),
    ("Type. TL-WR841N", "TL-WR841N", "model"),
    ("Số GCN: A0001311026AE01A2", "A0001311026AE01A2", "number"),
    ("Số giấy chứng nhận: A0001311026AE01A2", "A0001311026AE01A2", "number"),
    ("Certificate No. A0001311026AE01A2", "A0001311026AE01A2", "number"),
    ("Nhãn hiệu: Samsung Galaxy A54", "Samsung Galaxy A54", "brand"),
    ("Brand: TP-Link", "TP-Link", "brand"),
    ("Tên hàng hóa: Điện thoại di động", "Điện thoại di động", "product"),
])
def test_a_line_copied_from_a_label_reads_as_its_value(line, value, field):
    pasted = read_pasted(line)
    assert (pasted.query, pasted.field) == (value, field)


@pytest.mark.parametrize("query", ["type c adapter", "hàng xách tay", "Brand new iphone", "Model", "model:",
                                   "SM-A546E/DS", "0001/2024/CBHQ-A01", "Samsung Galaxy A54", "TP-Link Archer",
                                   "https://example.com/about", "/static/site.css"])
def test_what_is_not_a_link_or_a_labelled_line_is_searched_as_typed(query):
    assert read_pasted(query).query == query.strip() and read_pasted(query).link is None


@pytest.fixture
def client(sample_registry, sample_index):
    app = create_app(get_settings(), sample_registry, sample_index, run_worker=False, migrate=False)
    with TestClient(app) as test_client:
        yield test_client


def _first_numbers(client, query, count=3):
    body = client.get("/api/v1/search", params={"q": query}).json()
    return [hit["certificate_no"] for hit in body["hits"][:count]], body


def test_the_api_puts_the_linked_certificate_first(client, sample_path):
    rows = sample_rows(sample_path)
    chosen = [rows[0][0], next(r[0] for r in rows if "/" in r[0]), rows[200][0]]
    for number in chosen:
        for link in link_variants(number):
            found, body = _first_numbers(client, link, 1)
            assert found == [number], (link, body["searched"])
            assert body["query"] == link.strip() and body["searched"] == number


def test_the_api_reads_a_label_line_as_its_model(client, sample_path):
    for row in sample_rows(sample_path)[:40:4]:
        model = row[4].split(";")[0].strip()
        for line in (f"Model: {model}", f"Kiểu/Model: {model}", f"MODEL {model}", f"Ký hiệu: {model}"):
            found, _ = _first_numbers(client, line)
            assert row[0] in found, (line, found)


def test_the_search_page_goes_straight_to_a_linked_certificate_or_holder(client, sample_path):
    row = sample_rows(sample_path)[3]
    answer = client.get("/", params={"q": f"https://hopquy.gov.vn/v/{row[0]}"}, follow_redirects=False)
    assert answer.status_code in (302, 303) and answer.headers["location"] == f"/c/{row[0]}"
    holder = client.get("/", params={"q": f"https://hopquy.gov.vn/o/{row[8]}"}, follow_redirects=False)
    assert holder.status_code in (302, 303) and holder.headers["location"] == f"/o/{row[8]}"
    missing = client.get("/", params={"q": "https://hopquy.gov.vn/v/Z9999999999ZZ99Z9"}, follow_redirects=False)
    assert missing.status_code == 200  # nothing to go to: the search page says what it found

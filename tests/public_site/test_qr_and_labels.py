"""QR codes decoded by an independent reader (zbar) back to the exact verify URL; labels that open."""

from __future__ import annotations

import io

import pypdf
import pytest

from tests.helpers import sample_rows, zbar


@pytest.fixture
def number(sample_path) -> str:
    return sample_rows(sample_path)[7][0]


@pytest.mark.parametrize("size", [96, 384, 1024])
def test_qr_png_decodes_to_the_verify_url(client, number, size, tmp_path):
    response = client.get(f"/qr/{number.lower()}.png", params={"size": size})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert zbar(response.content, "png", tmp_path) == f"http://127.0.0.1:8000/v/{number}"
    assert "max-age=31536000" in response.headers["cache-control"]


def test_qr_is_served_from_cache_with_etag(client, number):
    first = client.get(f"/qr/{number}.png")
    again = client.get(f"/qr/{number}.png", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other_size = client.get(f"/qr/{number}.png?size=200")
    assert other_size.headers["etag"] != first.headers["etag"]


def test_qr_svg_is_an_svg_document(client, number):
    # drawn by Chromium and decoded by zbar in tests/public_site/test_browser.py
    response = client.get(f"/qr/{number}.svg")
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.content.lstrip().startswith(b"<?xml") and b"<svg" in response.content


@pytest.mark.parametrize("path", ["/qr/{n}.png?size=10", "/qr/{n}.png?size=99999", "/qr/{n}.gif", "/qr/NOPE.png"])
def test_bad_qr_requests_are_4xx(client, number, path):
    assert client.get(path.format(n=number)).status_code in (400, 404)


def test_label_png_carries_a_readable_qr(client, number, tmp_path):
    response = client.get(f"/label/{number}.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert zbar(response.content, "png", tmp_path) == f"http://127.0.0.1:8000/v/{number}"


def test_label_pdf_opens_and_contains_the_number_and_the_qr(client, number, tmp_path):
    response = client.get(f"/label/{number}.pdf")
    assert response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    assert number in reader.pages[0].extract_text()
    (image,) = reader.pages[0].images
    assert zbar(image.data, "png", tmp_path) == f"http://127.0.0.1:8000/v/{number}"


def test_a4_sheet_for_a_holder_and_for_a_list(client, sample_path):
    rows = sample_rows(sample_path)
    tax = rows[0][8]
    holder_valid = [r[0] for r in rows if r[8] == tax and r[15] == "Còn hiệu lực"]
    sheet = pypdf.PdfReader(io.BytesIO(client.get(f"/o/{tax}/labels.pdf").content))
    assert len(sheet.pages) == -(-len(holder_valid) // 24)
    assert abs(float(sheet.pages[0].mediabox.width) - 595.28) < 1  # A4
    text = "".join(page.extract_text() for page in sheet.pages)
    assert all(n in text for n in holder_valid)
    listed = client.get("/labels.pdf", params={"no": [rows[1][0], rows[2][0].lower(), "UNKNOWN"]})
    text = pypdf.PdfReader(io.BytesIO(listed.content)).pages[0].extract_text()
    assert rows[1][0] in text and rows[2][0] in text
    assert client.get("/labels.pdf", params={"no": ["UNKNOWN"]}).status_code == 404


def test_a_sheet_is_rendered_once_for_its_content_and_capped_for_anonymous_callers(client, sample_path,
                                                                                    sample_registry):
    from sqlmodel import Session

    from public_site.printables import SHEETS
    from registry.access import create_token

    numbers = [r[0] for r in sample_rows(sample_path)]
    first = client.get("/labels.pdf", params={"no": numbers[:96]})
    assert first.status_code == 200 and first.headers["etag"]
    again = client.get("/labels.pdf", params={"no": list(reversed(numbers[:96]))})  # the same labels
    assert again.headers["etag"] == first.headers["etag"] and again.content == first.content
    assert SHEETS.get(first.headers["etag"]) == first.content
    unchanged = client.get("/labels.pdf", params={"no": numbers[:96]}, headers={"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    too_many = client.get("/labels.pdf", params={"no": numbers[:97]})
    assert too_many.status_code == 400 and "480 with a staff token" in too_many.text
    with Session(sample_registry) as session:
        secret = create_token(session, "inspector", "label printer")[1]
        session.commit()
    staff = client.get("/labels.pdf", params={"no": numbers[:200]}, headers={"Authorization": f"Bearer {secret}"})
    assert staff.status_code == 200 and len(pypdf.PdfReader(io.BytesIO(staff.content)).pages) == 9

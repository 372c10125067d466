"""A photo of a label answers with its certificate: ``POST /api/v1/lookup/photo`` reads the QR
code printed by our own label endpoint from a photo taken at an angle, and refuses what is
not a photo with a 400 that says why."""

from __future__ import annotations

import base64
import io
import re

import pytest
from litestar.testing import TestClient
from PIL import Image, ImageFilter
from sqlalchemy import select
from sqlmodel import Session

from benchmarks.label_photos import render
from public_site.app import create_app
from registry.models import Certificate, CertificateModel, Organisation
from registry.settings import get_settings
from tests.helpers import half_a_photo, png_bomb, zbar


@pytest.fixture
def client(sample_registry, sample_index):
    app = create_app(get_settings(), sample_registry, sample_index, run_worker=False, migrate=False)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def number(sample_registry) -> str:
    with Session(sample_registry) as session:
        return session.execute(select(Certificate.certificate_no).order_by(Certificate.id).limit(1)).scalar_one()


def photo_of(code_png: bytes, angle: float = 12, quality: int = 70) -> bytes:
    """The QR as a phone takes it: small in a bigger, greyish picture, turned, a little soft,
    saved as a JPEG of middling quality."""
    code = Image.open(io.BytesIO(code_png)).convert("RGB").resize((360, 360))
    scene = Image.effect_noise((1600, 1200), 12).convert("RGB").point(lambda v: 150 + v // 4)
    turned = code.rotate(angle, expand=True, fillcolor=(235, 235, 235), resample=Image.Resampling.BICUBIC)
    scene.paste(turned, (520, 330))
    out = io.BytesIO()
    scene.filter(ImageFilter.GaussianBlur(1.2)).save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_a_photo_of_our_qr_code_answers_its_certificate(client, number):
    label_qr = client.get(f"/qr/{number}.png")
    assert label_qr.status_code == 200
    photo = photo_of(label_qr.content)
    answer = client.post("/api/v1/lookup/photo", content=photo, headers={"Content-Type": "image/jpeg"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["outcome"] == "found" and [hit["certificate_no"] for hit in body["hits"]] == [number]
    read = body["read"][0]
    assert read["kind"] == "QR Code" and read["searched"] == number and f"/v/{number}" in read["text"]
    x, y, width, height = read["box"]
    assert 450 < x < 700 and 250 < y < 500 and 300 < width < 500 and 300 < height < 500  # where it was put
    form = client.post("/api/v1/lookup/photo", files={"photo": ("label.jpg", photo, "image/jpeg")})
    assert form.status_code == 200 and form.json()["hits"] == body["hits"]


def test_without_meilisearch_the_qr_still_answers(sample_registry, dead_index, number):
    app = create_app(get_settings(), sample_registry, dead_index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        photo = photo_of(client.get(f"/qr/{number}.png").content)
        body = client.post("/api/v1/lookup/photo", content=photo, headers={"Content-Type": "image/jpeg"}).json()
    assert [hit["certificate_no"] for hit in body["hits"]] == [number]


def test_a_photo_of_nothing_reads_nothing(client):
    out = io.BytesIO()
    wall = Image.linear_gradient("L").resize((800, 600)).point(lambda v: 90 + v // 3).convert("RGB")
    wall.save(out, "PNG")
    answer = client.post("/api/v1/lookup/photo", content=out.getvalue(), headers={"Content-Type": "image/png"})
    assert answer.status_code == 200 and answer.json() == {"read": [], "hits": [], "outcome": "nothing_read"}


def test_a_photo_whose_text_takes_too_long_says_so(client, monkeypatch):
    monkeypatch.setattr("search.photo_text.SECONDS", 0.3)
    out = io.BytesIO()
    Image.effect_noise((800, 600), 40).convert("RGB").save(out, "PNG")  # gravel: a page of "text"
    answer = client.post("/api/v1/lookup/photo", content=out.getvalue(), headers={"Content-Type": "image/png"})
    assert answer.status_code == 200 and answer.json()["outcome"] == "too_slow"


def test_a_qr_naming_no_certificate_of_ours_finds_nothing(client):
    import qrcode

    out = io.BytesIO()
    qrcode.make("https://hopquy.gov.vn/v/A9999310199ZZ99Z9").save(out)
    body = client.post("/api/v1/lookup/photo", content=photo_of(out.getvalue()),
                       headers={"Content-Type": "image/jpeg"}).json()
    assert body["outcome"] == "nothing_found" and body["hits"] == [] and len(body["read"]) == 1


@pytest.mark.parametrize(("content", "kind", "says"), [
    (png_bomb(), "image/png", "too many pixels"),
    (half_a_photo(), "image/jpeg", "damaged"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/jpeg", "not a picture"),
    (b"", "image/jpeg", "empty"),
    (b"hello", "text/plain", "send the photo as image/jpeg"),
])
def test_what_is_not_a_photo_is_a_400_that_says_why(client, content, kind, says):
    answer = client.post("/api/v1/lookup/photo", content=content, headers={"Content-Type": kind})
    assert answer.status_code == 400 and says in answer.json()["detail"], answer.text


def test_a_gif_sent_as_a_form_is_refused_too(client):
    gif = io.BytesIO()
    Image.new("P", (40, 40)).save(gif, "GIF")
    answer = client.post("/api/v1/lookup/photo", files={"photo": ("a.gif", gif.getvalue(), "image/gif")})
    assert answer.status_code == 400 and "not a picture" in answer.json()["detail"]
    assert client.post("/api/v1/lookup/photo", files={"other": ("a.jpg", b"x", "image/jpeg")}).status_code == 400


def test_photos_wait_in_line_and_then_are_told_to_come_back(client, monkeypatch, number):
    import threading

    from public_site import photo_lookup

    monkeypatch.setattr(photo_lookup, "_READING", threading.BoundedSemaphore(1))
    monkeypatch.setattr(photo_lookup, "WAIT_SECONDS", 0.2)
    photo = photo_of(client.get(f"/qr/{number}.png").content)
    photo_lookup._READING.acquire()  # another photo is being read, for longer than one waits
    try:
        busy = client.post("/api/v1/lookup/photo", content=photo, headers={"Content-Type": "image/jpeg"})
    finally:
        photo_lookup._READING.release()
    assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
    assert client.post("/api/v1/lookup/photo", content=photo, headers={"Content-Type": "image/jpeg"}).status_code == 200


def label_photo(lines: list[str], angle: float = 3) -> bytes:
    """A printed label (``benchmarks.label_photos.render``: its first line bold), photographed
    a little askew and soft."""
    label = render([(line, i == 0) for i, line in enumerate(lines)], 34)
    scene = Image.new("RGB", (1600, 1200), (110, 115, 120))
    scene.paste(label.rotate(angle, expand=True, fillcolor=(110, 115, 120)), (200, 300))
    out = io.BytesIO()
    scene.filter(ImageFilter.GaussianBlur(0.8)).save(out, "JPEG", quality=80)
    return out.getvalue()


def test_a_photo_of_a_printed_label_answers_its_certificate(client, sample_registry):
    with Session(sample_registry) as session:
        number, model = session.execute(
            select(Certificate.certificate_no, CertificateModel.model_code)
            .join(CertificateModel, CertificateModel.certificate_id == Certificate.id)
            .where(CertificateModel.model_code.like("%-%")).order_by(Certificate.id).limit(1)).one()
    photo = label_photo(["Điện thoại di động", f"Kiểu/Model: {model}", "Sản xuất tại Việt Nam"])
    answer = client.post("/api/v1/lookup/photo", content=photo, headers={"Content-Type": "image/jpeg"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["outcome"] == "found" and number in [hit["certificate_no"] for hit in body["hits"][:3]], body
    read = next(r for r in body["read"] if r["kind"] == "text")
    assert model.replace(" ", "") in read["text"].replace(" ", "") and 150 < read["box"][0] < 400


def test_the_search_page_offers_the_photo_and_answers_it_as_a_page(client, number):
    home = client.get("/").text
    assert 'type="file"' in home and 'capture="environment"' in home and 'action="/photo"' in home
    photo = photo_of(client.get(f"/qr/{number}.png").content)
    page = client.post("/photo", files={"photo": ("label.jpg", photo, "image/jpeg")})
    assert page.status_code == 200 and f"/c/{number}" in page.text and "QR Code" in page.text
    refused = client.post("/photo", files={"photo": ("a.jpg", half_a_photo(), "image/jpeg")})
    assert refused.status_code == 400 and "damaged" in refused.text and 'type="file"' in refused.text


def test_the_page_shows_where_each_code_was_read(client, number, tmp_path):
    """The crop shown beside a code read is the part of the photo that holds it: zbar, another
    reader than the lookup's, reads the same QR code from the crop alone."""
    photo = photo_of(client.get(f"/qr/{number}.png").content)
    page = client.post("/photo", files={"photo": ("label.jpg", photo, "image/jpeg")}).text
    crops = re.findall(r'<img src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(crops) == 1
    crop = base64.b64decode(crops[0])
    assert Image.open(io.BytesIO(crop)).width < 1600  # a part of the photo, not all of it
    assert number in zbar(crop, "jpg", tmp_path)


def model_with_a_dash(sample_registry, skip: int = 0) -> tuple[str, str]:
    with Session(sample_registry) as session:
        return session.execute(
            select(Certificate.certificate_no, CertificateModel.model_code)
            .join(CertificateModel, CertificateModel.certificate_id == Certificate.id)
            .where(CertificateModel.model_code.like("%-%")).order_by(Certificate.id).offset(skip).limit(1)).one()


def test_from_the_scan_page_a_label_is_compared_with_the_certificate_scanned(client, sample_registry):
    """A QR code copied onto another device shows a valid certificate: the label's model, read
    from a photo, tells whether the device in hand is the one certified."""
    number, model = model_with_a_dash(sample_registry)
    other, other_model = model_with_a_dash(sample_registry, skip=5)
    assert model != other_model
    scan = client.get(f"/v/{number}").text
    assert 'action="/photo"' in scan and f'name="compare" value="{number}"' in scan
    photo = label_photo(["Điện thoại di động", f"Kiểu/Model: {model}", "Sản xuất tại Việt Nam"])
    same = client.post("/photo", data={"compare": number}, files={"photo": ("l.jpg", photo, "image/jpeg")})
    assert same.status_code == 200 and "banner-valid compared" in same.text, same.text
    elsewhere = client.post("/photo", data={"compare": other}, files={"photo": ("l.jpg", photo, "image/jpeg")})
    assert "banner-suspended compared" in elsewhere.text and f"/report?code={other}" in elsewhere.text
    assert other_model in elsewhere.text  # the models to compare with the device in hand
    unknown = client.post("/photo", data={"compare": "NO-SUCH/1"}, files={"photo": ("l.jpg", photo, "image/jpeg")})
    assert unknown.status_code == 200 and "compared" not in unknown.text


def test_a_label_with_only_the_mark_code_or_the_holder_s_tax_code_is_looked_up(client, sample_registry):
    """The code printed beside the conformity mark names its certificate; a tax code alone is
    a lead to its holder's certificates."""
    with Session(sample_registry) as session:
        number, mark = session.execute(select(Certificate.certificate_no, Certificate.mark_code)
                                       .where(Certificate.mark_code.is_not(None)).order_by(Certificate.id)).first()
        tax_code = session.execute(select(Organisation.tax_code).where(Organisation.tax_code.like("__________"))
                                   .order_by(Organisation.id)).scalars().first()
    marked = client.post("/api/v1/lookup/photo", content=label_photo(["Dấu hợp quy", f"Mã dấu: {mark}"]),
                         headers={"Content-Type": "image/jpeg"}).json()
    assert marked["outcome"] == "found" and marked["hits"][0]["certificate_no"] == number, marked
    held = client.post("/api/v1/lookup/photo", content=label_photo(["Nhập khẩu bởi", f"MST: {tax_code}"]),
                       headers={"Content-Type": "image/jpeg"}).json()
    assert held["outcome"] == "found" and held["read"][0]["searched"] == tax_code, held
    shown = [hit["certificate_no"] for hit in held["hits"]]
    with Session(sample_registry) as session:
        holders = set(session.execute(select(Organisation.tax_code)
                                      .join(Certificate, Certificate.holder_id == Organisation.id)
                                      .where(Certificate.certificate_no.in_(shown))).scalars())
    assert holders == {tax_code}

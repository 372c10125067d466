"""Forms: CSRF, the citizen report's bot guards and limits, and photo uploads."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import Session, select

from public_site.report_form import form_stamp
from registry.oversight_models import CitizenReport, Inspection
from registry.photos import MAX_BYTES, PhotoRefused, check_and_store
from registry.settings import get_settings
from tests.helpers import half_a_photo, png_bomb
from tests.oversight.conftest import NUMBERS, csrf, login


def jpeg(size=(64, 48), exif: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        image.save(out, "JPEG", exif=data.tobytes())
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def old_stamp() -> str:
    import time

    return form_stamp(get_settings().secret_key, time.time() - 60)


def report_form(client, **fields):
    client.get("/report")
    data = {
        "code": NUMBERS[0],
        "problem": "Tem hợp quy in mờ, model trên hộp khác model trên máy",
        "issued": old_stamp(),
        "_csrf_token": csrf(client),
        **fields,
    }
    return data


def test_photos_are_checked_and_re_encoded(tmp_path):
    name = check_and_store(jpeg(exif=True), tmp_path)
    stored = Image.open(tmp_path / name)
    assert stored.format == "JPEG" and not stored.getexif()  # the phone's metadata is gone
    refusals = [
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 100, "not a picture"),
        (b"%PDF-1.7 hello", "not a picture"),
        (png_bomb(), "too many pixels"),
        (b"\0" * (MAX_BYTES + 1), "limit is 8 MB"),
        (half_a_photo(), "damaged"),
    ]
    for data, words in refusals:
        with pytest.raises(PhotoRefused, match=words):
            check_and_store(data, tmp_path)
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(PhotoRefused, match="not a picture|not accepted"):
        check_and_store(gif.getvalue(), tmp_path)
    assert len(list(tmp_path.iterdir())) == 1


def test_a_citizen_report_with_a_photo_reaches_the_inspectors(client, tokens, feed_registry):
    data = report_form(client, place="Cửa hàng X, 12 Phố Huế", province="Hà Nội")
    response = client.post("/report", data=data, files={"photo": ("p.jpg", jpeg(), "image/jpeg")})
    assert response.status_code == 200 and "Đã nhận báo cáo" in response.text
    with Session(feed_registry) as session:
        report = session.exec(select(CitizenReport)).one()
    assert report.photo and report.state == "new" and report.province == "Hà Nội"
    assert "127.0.0.1" not in report.client_hash and "testclient" not in report.client_hash
    login(client, tokens["inspector"])
    page = client.get("/staff/reports")
    assert NUMBERS[0] in page.text and f"/staff/photos/{report.photo}" in page.text
    assert client.get(f"/staff/photos/{report.photo}").headers["content-type"] == "image/jpeg"
    response = client.post(
        f"/staff/reports/{report.id}",
        data={"state": "investigating", "note": "giao đội 2", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303)
    with Session(feed_registry) as session:
        assert session.get(CitizenReport, report.id).state == "investigating"


@pytest.mark.parametrize(
    "change,words",
    [
        ({"website": "http://spam.example"}, "could not be accepted"),
        ({"issued": "1700000000.deadbeef"}, "expired"),
        ("fresh", "too fast"),
        ({"problem": "x"}, "few words"),
    ],
)
def test_bots_and_bad_reports_are_refused(client, feed_registry, change, words):
    data = report_form(client)
    data.update({"issued": form_stamp(get_settings().secret_key)} if change == "fresh" else change)
    response = client.post("/report", data=data, files={"photo": ("", b"", "application/octet-stream")})
    assert response.status_code == 400 and words in response.text
    with Session(feed_registry) as session:
        assert session.exec(select(CitizenReport)).all() == []


def test_reports_are_limited_per_connection(client, feed_registry):
    statuses = [client.post("/report", data=report_form(client)).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_a_refused_report_keeps_no_photo(client, feed_registry):
    """Fields and quota are checked before the photo is decoded; nothing of it is stored."""
    photos = get_settings().photo_dir
    incomplete = client.post("/report", data={**report_form(client), "problem": "x"},
                             files={"photo": ("p.jpg", jpeg(), "image/jpeg")})
    assert incomplete.status_code == 400 and "few words" in incomplete.text
    for _ in range(5):
        assert client.post("/report", data=report_form(client)).status_code == 200
    over = client.post("/report", data=report_form(client), files={"photo": ("p.jpg", jpeg(), "image/jpeg")})
    assert over.status_code == 429
    assert not photos.exists() or not any(photos.iterdir())


def test_forms_without_the_csrf_token_are_refused(client, tokens, feed_registry):
    data = report_form(client)
    del data["_csrf_token"]
    assert client.post("/report", data=data).status_code == 403
    login(client, tokens["admin"])
    decision = {
        "certificate_no": NUMBERS[0],
        "action": "suspend",
        "reason": "r",
        "decision_ref": "1/QĐ",
        "decision_on": "2026-11-01",
    }
    assert client.post("/staff/decisions", data=decision).status_code == 403
    assert client.post("/staff/decisions", data={**decision, "_csrf_token": "forged"}).status_code == 403
    assert client.get(f"/api/v1/certificates/{NUMBERS[0]}").json()["status"] == "valid"
    response = client.post("/staff/decisions", data={**decision, "_csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code in (302, 303)
    assert client.get(f"/api/v1/certificates/{NUMBERS[0]}").json()["status"] == "suspended"


def test_an_inspection_with_photos_from_the_scan_page(client, tokens, feed_registry):
    scan = client.get(f"/v/{NUMBERS[0]}")
    link = f"/staff/inspections/new?code={NUMBERS[0]}"
    assert link in scan.text
    login(client, tokens["inspector"])
    form = client.get(link)
    assert NUMBERS[0] in form.text
    data = {
        "shop_name": "Điện máy Y",
        "address": "5 Lê Lợi",
        "province": "Huế",
        "inspected_on": "2026-11-20",
        "codes": f"{NUMBERS[0]}\nSM-A999X",
        "finding": "suspected_counterfeit",
        "notes": "tem in lệch",
        "_csrf_token": csrf(client),
    }
    too_many = [("photos", (f"{i}.jpg", jpeg(), "image/jpeg")) for i in range(5)]
    assert client.post("/staff/inspections", data=data, files=too_many).status_code == 400
    bomb = [("photos", ("b.png", png_bomb(), "image/png"))]
    response = client.post("/staff/inspections", data=data, files=bomb)
    assert response.status_code == 400 and "too many pixels" in response.text
    two = [("photos", (f"{i}.jpg", jpeg((80 + i, 60)), "image/jpeg")) for i in range(2)]
    response = client.post("/staff/inspections", data=data, files=two, follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    with Session(feed_registry) as session:
        inspection = session.exec(select(Inspection)).one()
    assert inspection.codes == [NUMBERS[0], "SM-A999X"] and len(inspection.photos) == 2
    assert inspection.team == "hanoi"
    assert (get_settings().photo_dir / inspection.photos[0]).is_file()


def test_inspectors_see_their_team_admins_see_and_export_all(client, tokens, feed_registry):
    from tests.oversight.conftest import bearer

    body = {
        "shop_name": "S",
        "address": "A",
        "province": "Hà Nội",
        "inspected_on": "2026-11-20",
        "codes": [NUMBERS[1]],
        "finding": "no_certificate",
    }
    for who in ("inspector", "other_inspector"):
        assert (
            client.post("/api/v1/inspections", json={**body, "shop_name": who}, headers=bearer(tokens[who])).status_code
            == 201
        )
    seen = {r["shop_name"] for r in client.get("/api/v1/inspections", headers=bearer(tokens["inspector"])).json()}
    assert seen == {"inspector"}
    seen = {r["shop_name"] for r in client.get("/api/v1/inspections", headers=bearer(tokens["admin"])).json()}
    assert seen == {"inspector", "other_inspector"}
    csv_text = client.get("/api/v1/inspections/export.csv", headers=bearer(tokens["admin"])).text
    assert csv_text.count("\n") == 3 and "no_certificate" in csv_text

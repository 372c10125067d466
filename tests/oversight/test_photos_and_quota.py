"""Photos follow the visibility of what names them, orphans go, and a burst of reports
sent at once cannot spend the quota twice."""

from __future__ import annotations

import os
import threading
import time

from litestar.testing import TestClient
from sqlmodel import Session, func, select

from registry.oversight_models import CitizenReport, Inspection
from registry.photo_access import remove_orphans
from registry.reports import REPORTS_PER_HOUR, ReportInput, TooManyReports, file_report
from registry.settings import get_settings
from tests.oversight.conftest import NUMBERS, csrf, login
from tests.oversight.test_forms_and_uploads import jpeg, report_form

INSPECTION = {"shop_name": "Điện máy Y", "address": "5 Lê Lợi", "province": "Huế", "inspected_on": "2026-11-20",
              "codes": NUMBERS[0], "finding": "suspected_counterfeit", "notes": ""}


def _inspect(client, photo: bytes, **changes):
    files = [("photos", ("p.jpg", photo, "image/jpeg"))]
    return client.post("/staff/inspections", data={**INSPECTION, **changes, "_csrf_token": csrf(client)},
                       files=files, follow_redirects=False)


def test_an_inspection_photo_is_shown_to_its_team_and_admins_only(app, client, tokens, feed_registry):
    login(client, tokens["inspector"])  # team hanoi
    assert _inspect(client, jpeg((90, 60))).status_code in (302, 303)
    with Session(feed_registry) as session:
        [name] = session.exec(select(Inspection)).one().photos
    assert client.get(f"/staff/photos/{name}").status_code == 200
    with TestClient(app) as other:
        login(other, tokens["other_inspector"])  # team saigon
        assert other.get(f"/staff/photos/{name}").status_code == 404
        assert other.get("/staff/photos/" + "0" * 64 + ".jpg").status_code == 404
    with TestClient(app) as admin:
        login(admin, tokens["admin"])
        assert admin.get(f"/staff/photos/{name}").status_code == 200
    with TestClient(app) as anonymous:
        assert anonymous.get(f"/staff/photos/{name}", follow_redirects=False).status_code in (302, 303, 401)


def test_a_citizen_report_photo_is_shown_to_every_inspector(app, client, tokens, feed_registry):
    sent = client.post("/report", data=report_form(client), files={"photo": ("p.jpg", jpeg((70, 50)), "image/jpeg")})
    assert sent.status_code == 200
    with Session(feed_registry) as session:
        name = session.exec(select(CitizenReport)).one().photo
    login(client, tokens["other_inspector"])
    assert client.get(f"/staff/photos/{name}").status_code == 200


def test_a_refused_inspection_keeps_no_photo_but_a_shared_one_stays(client, tokens, feed_registry):
    photos = get_settings().photo_dir
    login(client, tokens["inspector"])
    assert _inspect(client, jpeg((91, 61))).status_code in (302, 303)
    kept = set(os.listdir(photos))
    refused = _inspect(client, jpeg((92, 62)), finding="not-a-finding")
    assert refused.status_code == 400
    assert set(os.listdir(photos)) == kept  # the refused form's photo is gone
    again = _inspect(client, jpeg((91, 61)), finding="not-a-finding")  # the same picture as the saved one
    assert again.status_code == 400 and set(os.listdir(photos)) == kept  # still named by the first: kept


def test_orphans_older_than_the_grace_period_are_swept(client, tokens, feed_registry):
    login(client, tokens["inspector"])
    assert _inspect(client, jpeg((93, 63))).status_code in (302, 303)
    photos = get_settings().photo_dir
    [named] = os.listdir(photos)
    orphan, fresh = photos / ("a" * 64 + ".jpg"), photos / ("b" * 64 + ".jpg")
    for path in (orphan, fresh):
        path.write_bytes(jpeg())
    past = time.time() - 7200
    os.utime(orphan, (past, past))
    os.utime(photos / named, (past, past))
    (photos / "notes.txt").write_text("not ours: left alone")
    with Session(feed_registry) as session:
        assert remove_orphans(session, photos) == [orphan.name]
    assert sorted(os.listdir(photos)) == sorted([named, fresh.name, "notes.txt"])


def test_a_burst_of_reports_at_once_spends_the_quota_once(feed_registry):
    sender = "f" * 64
    with Session(feed_registry) as session:
        for _ in range(REPORTS_PER_HOUR - 1):
            file_report(session, ReportInput(NUMBERS[0], "tem giả trên hộp"), sender)
        session.commit()
    start, outcomes = threading.Barrier(8), []

    def send():
        start.wait()
        try:
            with Session(feed_registry) as session:
                file_report(session, ReportInput(NUMBERS[0], "tem giả trên hộp"), sender)
                time.sleep(0.2)  # a slow commit: the others must wait, not count around it
                session.commit()
            outcomes.append("filed")
        except TooManyReports:
            outcomes.append("refused")

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["filed"] + ["refused"] * 7
    with Session(feed_registry) as session:
        assert session.exec(select(func.count()).select_from(CitizenReport)).one() == REPORTS_PER_HOUR

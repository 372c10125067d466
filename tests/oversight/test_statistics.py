"""Public enforcement statistics: the figures equal the registry, the page draws them as SVG
that needs no script, and the JSON and CSV carry the same numbers."""

from __future__ import annotations

import csv
import io
import re

import pytest

from importer.run import ImportOptions, import_file
from registry.clock import today
from tests.helpers import row, write_feed
from tests.oversight.conftest import bearer
from tests.oversight.test_conclusions import conclusion_body

ISSUED = ["15/03/2023", "15/03/2023", "15/03/2024", "15/03/2024", "15/03/2024"]
EXPIRES = ["14/03/2029", "14/03/2024", "14/03/2029", "14/03/2029", "14/03/2029"]
STATUS = ["Còn hiệu lực", "Còn hiệu lực", "Còn hiệu lực", "Tạm đình chỉ", "Thu hồi"]
NUMBERS = [f"A04121{n}0324AE01A2" for n in range(5, 10)]


@pytest.fixture
def feed_registry(engine, tmp_path):
    """2023: one valid, one expired; 2024: one valid, one suspended, one revoked (in place of
    the conftest's registry: the app and tokens fixtures build on this one)."""
    rows = [row(number, models=f"M-{i}", issued=ISSUED[i], expires=EXPIRES[i], status=STATUS[i])
            for i, number in enumerate(NUMBERS)]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="body-a")).status == "applied"
    return engine


def test_the_figures_equal_the_registry(client, tokens):
    admin = bearer(tokens["admin"])
    visit = client.post("/api/v1/inspections", headers=bearer(tokens["inspector"]), json={
        "shop_name": "A", "address": "1", "province": "Hà Nội", "inspected_on": today().isoformat(),
        "codes": [NUMBERS[0]], "finding": "mark_misused"}).json()
    body = conclusion_body(visit["id"], certificates=[NUMBERS[0]], province="Đà Nẵng")
    assert client.post("/api/v1/conclusions", json=body, headers=admin).status_code == 201
    kept = conclusion_body(visit["id"], sanctions=["warning"], fine_vnd=None, certificates=[], publish=False)
    assert client.post("/api/v1/conclusions", json=kept, headers=admin).status_code == 201  # not public: not counted
    figures = client.get("/api/v1/statistics").json()
    # the conclusion suspended the 2023 valid one
    assert figures["certificates_by_status"] == {"suspended": 2, "expired": 1, "valid": 1, "revoked": 1}
    assert figures["certificates_by_year"] == [
        {"year": 2023, "by_status": {"expired": 1, "suspended": 1}},
        {"year": 2024, "by_status": {"revoked": 1, "suspended": 1, "valid": 1}}]
    month = today().strftime("%Y-%m")
    assert figures["notices_by_month"] == [{"month": month, "notices": 1}]
    assert figures["notices_by_province"] == [{"province": "Đà Nẵng", "notices": 1}]
    assert figures["sanctions_by_month"] == [{"month": month, "sanctions": {"fine": 1, "suspend_certificate": 1}}]
    assert figures["fines_vnd"] == 12_500_000
    assert [(m["method"], m["conclusions"]) for m in figures["methods"]] == [("copied_qr", 1), ("other", 1)]
    table = list(csv.reader(io.StringIO(client.get("/open-data/statistics.csv").text)))
    assert ["certificates_by_year", "2024", "valid", "1"] in table and ["fines_vnd", "", "", "12500000"] in table
    assert client.get("/open-data/certificates.csv").status_code == 200  # the registry's own file is still there


def test_the_page_draws_svg_without_script(client):
    page = client.get("/statistics")
    assert page.status_code == 200
    assert page.text.count("<svg class=\"chart\" role=\"img\"") >= 2 and "<script" not in page.text
    assert "Chứng nhận theo năm cấp" in page.text and "THU HỒI" in page.text
    assert re.search(r"<td>2023</td>", page.text)
    english = client.get("/statistics?lang=en")
    assert "Certificates by year issued" in english.text and "No figures yet." in english.text  # no notices yet

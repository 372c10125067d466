"""The report to the steering committee: every total equals the records of the period, and
the files carry them typed (XLSX dates and numbers), in CSV and in PDF."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pypdf
from click.testing import CliRunner
from sqlalchemy import select
from sqlmodel import Session

from cli.main import main
from public_site.report_files import report_csv, report_pdf, report_xlsx
from registry.access import Staff, create_token
from registry.clock import today
from registry.conclusions import ConclusionInput, conclude
from registry.enforcement_report import enforcement_report
from registry.models import Certificate
from registry.oversight_models import CitizenReport, Inspection, ScanCount
from registry.raised_flags import keep_raised_flags
from registry.settings import get_settings
from tests.oversight.conftest import NUMBERS, bearer

END = today()
START = END - timedelta(days=99)
BEFORE = START - timedelta(days=1)  # outside the period: never counted


def records(engine) -> None:
    """In the period: 5 inspections of 4 shops (3 found something), 3 conclusions (fines of 2 and
    3 million, a suspension, a published one), 3 citizen reports (1 closed), 1 clone flag that a
    conclusion confirms. Before it: one of each kind, which the report must leave out."""
    with Session(engine) as session:
        token = create_token(session, "admin", "report test", "hanoi")[0]
        staff = Staff(token.id, "report test", "admin", "hanoi")
        ids = dict(session.execute(select(Certificate.certificate_no, Certificate.id)).all())
        visits = [("A", "Hà Nội", "hanoi", "mark_misused", END), ("a ", "hà nội", "hanoi", "conforming", END),
                  ("B", "Huế", "hue", "no_certificate", START), ("C", "Huế", "hue", "conforming", START),
                  ("D", "Đà Nẵng", None, "suspected_counterfeit", END), ("E", "Huế", "hue", "no_certificate", BEFORE)]
        for shop, province, team, finding, on in visits:
            session.add(Inspection(token_id=token.id, inspector="x", team=team, shop_name=shop, address="1",
                                   province=province, inspected_on=on, codes=[NUMBERS[0], "sm-a546e"],
                                   finding=finding))
        session.flush()
        first = session.execute(select(Inspection.id)).scalars().first()
        base = {"organisation_name": "Shop A", "decision_ref": "1/QĐ", "findings": ["mark_misused"],
                "legal_decree": "NĐ 14/2017", "legal_article": "Điều 7", "inspection_id": first, "publish": False}
        conclude(session, ConclusionInput(**{**base, "publish": True}, concluded_on=END,
                                          sanctions=["fine", "suspend_certificate"], fine_vnd=2_000_000,
                                          certificates=[NUMBERS[1]], methods=["copied_qr"]), staff)
        conclude(session, ConclusionInput(**base, concluded_on=START, sanctions=["fine", "confiscation"],
                                          fine_vnd=3_000_000, methods=["forged_mark", "copied_qr"]), staff)
        conclude(session, ConclusionInput(**base, concluded_on=START, sanctions=["warning"]), staff)
        conclude(session, ConclusionInput(**base, concluded_on=BEFORE, sanctions=["fine"], fine_vnd=9_000_000),
                 staff)
        at = datetime.combine(END, datetime.min.time(), UTC) + timedelta(hours=3)
        long_ago = at - timedelta(days=150)
        for state, created in (("new", at), ("closed", at), ("investigating", at), ("closed", long_ago)):
            session.add(CitizenReport(code=NUMBERS[2], problem="?", client_hash="h", state=state,
                                      created_at=created, updated_at=created))
        session.add(ScanCount(certificate_id=ids[NUMBERS[1]], day=END, count=80))  # a copied QR code: a flag
        session.add(ScanCount(certificate_id=ids[NUMBERS[2]], day=BEFORE, count=80))  # flagged before: not counted
        session.commit()
    assert keep_raised_flags(engine, END) == 1
    assert keep_raised_flags(engine, BEFORE) == 1
    assert keep_raised_flags(engine, END) == 0  # kept once


def test_totals_equal_the_records(feed_registry):
    records(feed_registry)
    with Session(feed_registry) as session:
        report = enforcement_report(session, START, END, "Cục Viễn thông")
    assert report.totals == {
        "inspections": 5, "shops_checked": 4, "codes_checked": 2, "inspections_with_findings": 3,
        "conclusions": 3, "conclusions_published": 1, "fines_vnd": 5_000_000,
        "certificates_suspended": 1, "certificates_revoked": 0,
        "reports_received": 3, "reports_handled": 1, "flags_raised": 1, "flags_confirmed": 1,
    }
    sections = {s.title[1]: s.rows for s in report.sections}
    assert sections["Inspections by team"] == [["", 1, 1], ["hanoi", 2, 1], ["hue", 2, 1]]
    # "hà nội" and "Hà Nội" are one province, written as it was written first
    assert sections["Inspections by province"] == [["Huế", 2, 1], ["Hà Nội", 2, 1], ["Đà Nẵng", 1, 1]]
    assert sections["Inspections by plan"] == [["(ngoài kế hoạch)", 5, 3]]
    sanctions = {row[0]: row[1:] for row in sections["Sanctions imposed"]}
    assert sanctions["Phạt tiền"] == [2, 5_000_000] and sanctions["Cảnh cáo"] == [1, None]
    assert sanctions["Đình chỉ hiệu lực chứng nhận"] == [1, None]
    methods = dict(sections["Methods used"])
    assert methods["Sao chép mã QR/mã dấu của thiết bị khác"] == 2 and methods["Làm giả dấu hợp quy"] == 1


def test_the_files_carry_the_same_figures_typed(feed_registry):
    records(feed_registry)
    with Session(feed_registry) as session:
        report = enforcement_report(session, START, END, "Sở TT&TT Hà Nội")
    sheet = openpyxl.load_workbook(io.BytesIO(report_xlsx(report))).active
    cells = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert cells["Sở TT&TT Hà Nội"] is not None
    start, _, end = cells["Từ ngày / From"][:3]
    assert (start.date(), end.date()) == (START, END)  # date cells, not text
    assert cells["Tổng tiền phạt (đồng) / Fines in total (VND)"][0] == 5_000_000  # a number
    assert cells["Số cuộc kiểm tra / Inspections made"][0] == 5
    assert "Inspections by province" in cells  # English below each Vietnamese title
    rows = list(csv.reader(io.StringIO(report_csv(report).decode("utf-8-sig"))))
    assert ["Số kết luận / Conclusions", "3"] in rows and rows[0] == ["Sở TT&TT Hà Nội"]
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(report_pdf(report))).pages)
    assert "5.000.000" in text and "Ban Chỉ đạo 389" in text and "Sở TT&TT Hà Nội" in text


def test_the_command_and_the_api_give_the_report(feed_registry, database_url, client, tokens, monkeypatch, tmp_path):
    records(feed_registry)
    monkeypatch.setenv("HOPQUY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    out = tmp_path / "report.xlsx"
    done = CliRunner().invoke(main, ["report", "enforcement", "--from", START.isoformat(), "--to", END.isoformat(),
                                     "--format", "xlsx", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "5 inspections, 3 conclusions" in done.output and out.stat().st_size > 4000
    refused = CliRunner().invoke(main, ["report", "enforcement", "--from", END.isoformat(), "--to", START.isoformat()])
    assert refused.exit_code != 0 and "ends before it starts" in refused.output
    admin = bearer(tokens["admin"])
    answer = client.get("/api/v1/reports/enforcement", params={"from": START.isoformat(), "to": END.isoformat()},
                        headers=admin)
    assert answer.status_code == 200 and answer.json()["totals"]["fines_vnd"] == 5_000_000
    pdf = client.get("/api/v1/reports/enforcement.pdf", params={"from": START.isoformat()}, headers=admin)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get("/api/v1/reports/enforcement", headers=bearer(tokens["inspector"])).status_code == 403
    too_long = client.get("/api/v1/reports/enforcement", params={"from": "1900-01-01"}, headers=admin)
    assert too_long.status_code == 400
    assert date.fromisoformat(answer.json()["period_to"]) == END

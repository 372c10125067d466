"""Messy but valid feeds import correctly, and to the same registry content."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from registry.queries import find_certificate
from tests.helpers import HEADER, row, write_feed, write_file

ENGLISH = ["certificate_no", "kind", "product_name", "brand", "models", "holder_name",
           "holder_tax_code", "regulations", "issued_on", "expires_on", "status"]


def to_cp1258(text: str) -> bytes:
    """Windows-1258 writes Vietnamese as a base letter plus a combining tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        # compose the base with the mark cp1258 has precomposed (â, ê, ơ...), keep the tone apart
        for keep in marks:
            head = unicodedata.normalize("NFC", base + keep)
            rest = "".join(m for m in marks if m is not keep)
            try:
                out += head.encode("cp1258") + rest.encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)


def lines(rows, header=HEADER, sep=","):
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue()


ROWS = [row(), row("C0087020125AF04A2", models="Archer AX23\nArcher AX23 V1", brand="TP-Link",
                   holder="Công ty TNHH Phân phối Thiết bị mạng ABC", tax="0109876543-001",
                   regulations="QCVN54:2020/BTTTT, QCVN 65:2021/BTTTT", issued="2/1/2025",
                   expires="2028-01-01", status="")]


def utf16_tabs(tmp):
    return write_file(tmp / "f.csv", lines(ROWS, sep="\t"), "utf-16")


def cp1258(tmp):
    return write_file(tmp / "f.csv", to_cp1258(lines(ROWS)))


def bom_semicolons(tmp):
    return write_file(tmp / "f.csv", lines(ROWS, sep=";"), "utf-8-sig")


def english(tmp):
    return write_file(tmp / "f.csv", lines(ROWS, header=ENGLISH))


def odd_headers(tmp):
    header = [h.upper() + " (*)" if i % 2 else h.replace(" ", "\n") for i, h in enumerate(HEADER)]
    rows = [[c.replace(" ", "\u00a0", 1) if i == 2 else c for i, c in enumerate(r)] for r in ROWS]
    return write_feed(tmp / "f.csv", rows, header=header, title=True)


def xlsx(tmp):
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH THIẾT BỊ ĐÃ ĐƯỢC CHỨNG NHẬN HỢP QUY"])
    ws.merge_cells("A1:K1")
    ws.append(["Tháng 10/2026"])
    ws.merge_cells("A2:K2")
    ws.append(HEADER)
    for r in ROWS:
        cells = list(r)
        cells[8] = datetime.strptime(cells[8], "%d/%m/%Y") if "/" in cells[8] else cells[8]
        cells[9] = date.fromisoformat(cells[9]) if "-" in cells[9] else datetime.strptime(cells[9], "%d/%m/%Y")
        if cells[6] == "0312345678":
            cells[6] = 312345678  # Excel ate the leading zero
        ws.append(cells)
    ws.append([])  # trailing blank row
    path = tmp / "f.xlsx"
    wb.save(path)
    return path


def as_json(tmp):
    records = [dict(zip(ENGLISH, r, strict=True)) for r in ROWS]
    return write_file(tmp / "f.json", json.dumps(records, ensure_ascii=False))


def as_jsonl(tmp):
    records = [dict(zip(ENGLISH, r, strict=True)) for r in ROWS]
    return write_file(tmp / "f.jsonl", "".join(json.dumps(r) + "\n" for r in records))  # \u escapes


@pytest.mark.parametrize("build", [utf16_tabs, cp1258, bom_semicolons, english, odd_headers, xlsx,
                                   as_json, as_jsonl], ids=lambda f: f.__name__)
def test_awkward_feed_imports_to_the_canonical_records(build, engine, tmp_path):
    result = import_file(engine, build(tmp_path), ImportOptions(source="qc1"))
    assert result.status == "applied", [str(p) for p in result.problems]
    assert result.counts.created == 2 and not result.errors
    with Session(engine) as s:
        phone = find_certificate(s, "A0412150324AE01A2").record
        router = find_certificate(s, "C0087020125AF04A2").record
    assert phone.product_name == "Điện thoại di động GSM/WCDMA/LTE/NR"
    assert phone.holder_name == "Công ty TNHH Điện tử Samsung HCMC CE Complex"
    assert phone.holder_tax_code == "0312345678"
    assert phone.issued_on == date(2024, 3, 15) and phone.expires_on == date(2027, 3, 14)
    assert phone.models == ("SM-A546E", "SM-A546E/DS")
    assert router.models == ("Archer AX23", "Archer AX23 V1")
    assert router.regulations == ("QCVN 54:2020/BTTTT", "QCVN 65:2021/BTTTT")
    assert router.issued_on == date(2025, 1, 2) and router.admin_status == "valid"
    assert router.holder_tax_code == "0109876543-001"


def test_the_same_records_in_another_format_change_nothing(engine, tmp_path):
    import_file(engine, utf16_tabs(tmp_path), ImportOptions(source="qc1"))
    (tmp_path / "x").mkdir()
    again = import_file(engine, xlsx(tmp_path / "x"), ImportOptions(source="qc1"))
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 2)


def test_unknown_columns_are_warnings(engine, tmp_path):
    feed = write_feed(tmp_path / "f.csv", [r + ["x"] for r in ROWS], header=HEADER + ["Người nhập"])
    result = import_file(engine, feed, ImportOptions(source="qc1"))
    assert result.status == "applied"
    assert [(p.severity, p.column) for p in result.problems] == [("warning", "Người nhập")]


def test_expired_in_the_feed_is_derived_not_frozen(engine, tmp_path):
    feed = write_feed(tmp_path / "f.csv", [row(status="Hết hiệu lực", expires="14/03/2025")])
    import_file(engine, feed, ImportOptions(source="qc1"))
    with Session(engine) as s:
        view = find_certificate(s, "A0412150324AE01A2", on=date(2025, 1, 1))
    assert view.record.admin_status == "valid" and view.status.code == "valid"

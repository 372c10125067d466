"""Every broken feed ends with a clear message and the registry exactly as it was."""

from __future__ import annotations

import pytest

from importer.run import ImportOptions, import_file
from tests.helpers import HEADER, row, write_feed, write_file
from tests.importer.conftest import fingerprint


def header_line(*drop: str) -> str:
    return ",".join(h for h in HEADER if h not in drop)


def missing_column(tmp):
    rows = [[c for i, c in enumerate(row()) if HEADER[i] != "Ngày cấp"]]
    return write_feed(tmp / "f.csv", rows, header=[h for h in HEADER if h != "Ngày cấp"])


def truncated(tmp):
    text = header_line() + "\n" + ",".join(row()) + '\nB0001010125AF04A2,Chứng nhận hợp quy,"Thiết bị phát'
    return write_file(tmp / "f.csv", text)


def png(tmp):
    return write_file(tmp / "f.csv", b"\x89PNG\r\n\x1a\n" + bytes(64))


def nul_bytes(tmp):
    return write_file(tmp / "f.csv", header_line() + "\n" + ",".join(row()).replace("Samsung", "Sam\x00sung") + "\n")


def corrupt_xlsx(tmp):
    return write_file(tmp / "f.xlsx", b"PK\x03\x04" + b"garbage" * 100)


def title_only(tmp):
    return write_file(tmp / "f.csv", "DANH SÁCH THIẾT BỊ\nTháng 10/2026\n")


def broken_json(tmp):
    return write_file(tmp / "f.json", '[{"certificate_no": "A0412150324AE01A2", "kind": ')


CASES = {
    "missing required column": (missing_column, None, None, "lacks required column(s): Ngày cấp (issued_on)"),
    "duplicate number": (lambda t: write_feed(t / "f.csv", [row(), row()]), 3, "Số giấy chứng nhận",
                         "already on row 2"),
    "impossible date": (lambda t: write_feed(t / "f.csv", [row(issued="31/02/2024")]), 2, "Ngày cấp",
                        "no such day"),
    "expiry before issue": (lambda t: write_feed(t / "f.csv", [row(expires="01/01/2024")]), 2,
                            "Ngày hết hạn", "before the issue date"),
    "unknown status": (lambda t: write_feed(t / "f.csv", [row(status="Còn hạn chắc")]), 2, "Trạng thái",
                       "unknown status"),
    "no certificate number": (lambda t: write_feed(t / "f.csv", [row(number="")]), 2,
                              "Số giấy chứng nhận", "required cell is empty"),
    "bad regulation": (lambda t: write_feed(t / "f.csv", [row(regulations="ISO 9001")]), 2,
                       "Quy chuẩn kỹ thuật", "not a regulation code"),
    "bad tax code": (lambda t: write_feed(t / "f.csv", [row(tax="03123")]), 2, "Mã số thuế", "10 digits"),
    "cut in a quoted field": (truncated, 3, None, "cut off in the middle of a quoted cell"),
    "png renamed csv": (png, None, None, "PNG image"),
    "empty file": (lambda t: write_file(t / "f.csv", ""), None, None, "the file is empty"),
    "header without rows": (lambda t: write_file(t / "f.csv", header_line() + "\n"), None, None,
                            "header but no records"),
    "nul bytes": (nul_bytes, 2, None, "NUL bytes"),
    "300 kB cell": (lambda t: write_feed(t / "f.csv", [row(product="x" * 300_000)]), 2, "Tên sản phẩm",
                    "too long: 300000 characters"),
    "corrupt xlsx": (corrupt_xlsx, None, None, "damaged or not an .xlsx"),
    "no header at all": (title_only, None, None, "no header row found"),
    "broken json": (broken_json, None, None, "JSON is damaged"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_with_a_clear_message(case, seeded, tmp_path):
    engine, before = seeded
    build, row_number, column, words = CASES[case]
    path = build(tmp_path)
    result = import_file(engine, path, ImportOptions(source="qc1"))
    assert result.status == "rejected", case
    messages = [p for p in result.errors if words in p.message_en]
    assert messages, [str(p) for p in result.problems]
    problem = messages[0]
    assert problem.message_vi
    if row_number is not None:
        assert problem.row == row_number
    if column is not None:
        assert problem.column == column
    assert fingerprint(engine) == before


def test_all_problems_are_reported_in_one_pass(seeded, tmp_path):
    engine, before = seeded
    feed = write_feed(tmp_path / "f.csv", [
        row(issued="31/02/2024"), row("B0001010125AF04A2", status="???"), row("C0001010125AF04A2", tax="12"),
    ])
    result = import_file(engine, feed, ImportOptions(source="qc1"))
    assert [(p.row, p.column) for p in result.errors] == [(2, "Ngày cấp"), (3, "Trạng thái"), (4, "Mã số thuế")]
    assert fingerprint(engine) == before


def test_full_snapshot_withdrawing_most_of_a_source_is_refused(seeded, tmp_path):
    engine, before = seeded
    feed = write_feed(tmp_path / "f.csv", [row("C0009010125AF04A2", models="X1")])
    result = import_file(engine, feed, ImportOptions(source="qc1", full=True))
    assert result.status == "rejected" and "withdraw 2 of the 2" in result.problems[-1].message_en
    assert fingerprint(engine) == before

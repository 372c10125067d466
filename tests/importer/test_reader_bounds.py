"""Files built to exhaust the reader are refused with a clear error, in bounded work."""

from __future__ import annotations

import json
import re
import zipfile
from itertools import islice

import pytest
from openpyxl import Workbook

import importer.feed
from importer.readers import open_feed
from importer.run import ImportOptions, import_file
from tests.helpers import HEADER, row, write_feed, write_file
from tests.importer.conftest import fingerprint


def _workbook(tmp_path, rows, name="f.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for cells in rows:
        sheet.append(cells)
    path = tmp_path / name
    workbook.save(path)
    return path


def _declare_dimension(path, dimension: str) -> None:
    """Rewrite the sheet's declared dimension, as a careless (or hostile) writer would."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), parts[sheet])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_an_xlsx_declaring_the_whole_sheet_is_read_as_the_rows_it_has(engine, tmp_path):
    path = _workbook(tmp_path, [row(), row(number="A0412160324AE01A2")])
    _declare_dimension(path, "A1:XFD1048576")
    feed = open_feed(path)
    rows = list(islice(feed.rows, 100))
    feed.close()
    assert [number for number, _ in rows] == [2, 3] and max(len(cells) for _, cells in rows) == len(HEADER)
    assert import_file(engine, path, ImportOptions(source="body-a")).counts.created == 2


def _refused(engine, path, row_number, *phrases):
    before = fingerprint(engine)
    result = import_file(engine, path, ImportOptions(source="body-a"))
    assert result.status == "rejected"
    [problem] = result.errors
    assert problem.row == row_number, problem
    for phrase in phrases:
        assert phrase in problem.message_en, problem.message_en
    assert problem.message_vi
    assert fingerprint(engine) == before


def test_a_value_far_right_of_the_table_is_refused_naming_row_and_column(engine, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(row())
    sheet.append(row(number="A0412160324AE01A2"))
    sheet.cell(row=3, column=16384, value="x")
    sheet.cell(row=2, column=5000).style = "Good"  # a styled but empty cell far right: no value, no problem
    path = tmp_path / "wide.xlsx"
    workbook.save(path)
    _refused(engine, path, 3, "row 3 has a value in column XFD (16,384)", "at most 1,024 columns")


def test_a_csv_with_no_line_break_is_refused_without_quadratic_work(engine, tmp_path):
    path = write_file(tmp_path / "one-line.csv", "A" * (5 << 20))
    _refused(engine, path, 1, "line 1 is longer than 4,194,304 characters")


def test_a_csv_row_with_thousands_of_values_is_refused(engine, tmp_path):
    wide = row() + ["x"] * 2000
    _refused(engine, write_feed(tmp_path / "wide.csv", [row(number="A0412160324AE01A2"), wide]), 3,
             "row 3 has a value in column", "at most 1,024 columns")


def test_a_feed_past_the_row_limit_is_refused(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(importer.feed, "MAX_ROWS", 5)
    rows = [row(number=f"A{i:06d}0324AE01A2", models=f"M-{i}") for i in range(10)]
    _refused(engine, write_feed(tmp_path / "long.csv", rows), 6, "more than 5 rows")


def test_a_json_lines_feed_with_a_giant_line_is_refused(engine, tmp_path):
    good = json.dumps({"certificate_no": "A0412150324AE01A2"})
    path = write_file(tmp_path / "f.jsonl", good + "\n" + '{"brand": "' + "x" * (5 << 20) + '"}\n')
    _refused(engine, path, 2, "line 2 is longer than")


@pytest.mark.parametrize("number, letters", [(1, "A"), (26, "Z"), (27, "AA"), (702, "ZZ"), (16384, "XFD")])
def test_column_letters(number, letters):
    assert importer.feed.column_letters(number) == letters

"""The enforcement report as a file: XLSX (typed cells), CSV (UTF-8 with BOM) or PDF.

Each file starts with the issuing unit, the title and the period; each section has its
title and headers in Vietnamese with the English below. In the XLSX the period's days are
date cells and counts and amounts are numbers, so a spreadsheet sums and sorts them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from public_site.labels import BOLD, REGULAR
from registry.enforcement_report import EnforcementReport
from registry.opendata import safe_cell

TITLE = ("BÁO CÁO KẾT QUẢ KIỂM TRA, XỬ LÝ VI PHẠM VỀ CHỨNG NHẬN, CÔNG BỐ VÀ DẤU HỢP QUY",
         "Report on inspections and violations of certification, declaration and the conformity mark")
TO = ("Kính gửi: Ban Chỉ đạo 389", "To: the anti-smuggling and counterfeit steering committee (389)")
MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}
FORMATS = tuple(MEDIA_TYPES)


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _head(report: EnforcementReport) -> list[list]:
    period = (f"Từ ngày {_day(report.period_from)} đến ngày {_day(report.period_to)}",
              f"From {report.period_from.isoformat()} to {report.period_to.isoformat()}")
    return [[report.unit], [TITLE[0]], [TITLE[1]], [TO[0]], [TO[1]], [period[0]], [period[1]],
            [f"Lập lúc / Made at: {report.made_at.strftime('%d/%m/%Y %H:%M')} UTC"]]


def _lines(report: EnforcementReport) -> Iterator[list]:
    """Every line of the report as cells, in order: the shape all three formats share."""
    for section in report.sections:
        yield []
        yield [section.title[0]]
        yield [section.title[1]]
        yield [c[0] for c in section.columns]
        yield [c[1] for c in section.columns]
        for row in section.rows:
            yield [" / ".join(cell) if isinstance(cell, tuple) else cell for cell in row]


def report_csv(report: EnforcementReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in [*_head(report), *_lines(report)]:
        writer.writerow([cell if isinstance(cell, int) else safe_cell(cell) for cell in line])
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes spreadsheets read it as UTF-8


def report_xlsx(report: EnforcementReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    bold = Font(bold=True)
    for line in _head(report)[:3]:
        sheet.append(line)
        sheet.cell(sheet.max_row, 1).font = bold
    for line in _head(report)[3:5]:
        sheet.append(line)
    sheet.append(["Từ ngày / From", report.period_from, "Đến ngày / To", report.period_to])
    for column in (2, 4):
        sheet.cell(sheet.max_row, column).number_format = "DD/MM/YYYY"
    sheet.append(["Lập lúc / Made at", report.made_at.replace(tzinfo=None)])
    sheet.cell(sheet.max_row, 2).number_format = "DD/MM/YYYY HH:MM"
    for line in _lines(report):
        sheet.append(line)
        if len(line) == 1:  # a section's title
            sheet.cell(sheet.max_row, 1).font = bold
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, int):
                cell.number_format = "#,##0"
    sheet.column_dimensions["A"].width = 48
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 18
    sheet["A1"].alignment = Alignment(wrap_text=False)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_pdf(report: EnforcementReport) -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_title("Hopquy enforcement report")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 10)
    for line in _head(report):
        pdf.multi_cell(0, 5, str(line[0]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for line in _lines(report):
        if not line:
            pdf.ln(3)
            continue
        pdf.set_font("DejaVu", "B" if len(line) == 1 else "", 8)
        widths = [90] + [30] * (len(line) - 1) if len(line) > 1 else [0]
        for cell, width in zip(line, widths, strict=False):
            text = "" if cell is None else f"{cell:,}".replace(",", ".") if isinstance(cell, int) else str(cell)
            while width and pdf.get_string_width(text) > width - 1:
                text = text[:-2] + "…"
            pdf.cell(width, 4.5, text, align="R" if isinstance(cell, int) else "L")
        pdf.ln(4.5)
    return bytes(pdf.output())


WRITERS = {"xlsx": report_xlsx, "csv": report_csv, "pdf": report_pdf}

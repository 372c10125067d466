"""XLSX feeds through openpyxl's read-only (streaming) mode."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from importer.feed import Feed, find_header
from importer.problems import FeedError


def open_xlsx(path: Path, sheet: str | None, size: int) -> Feed:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FeedError(
            f"the Excel file is damaged or not an .xlsx workbook ({exc.__class__.__name__})",
            "tệp Excel bị hỏng hoặc không phải định dạng .xlsx",
        ) from exc
    if sheet is not None and sheet not in workbook.sheetnames:
        names = ", ".join(workbook.sheetnames)
        raise FeedError(f"no sheet named “{sheet}” (sheets: {names})", f"không có trang tính “{sheet}” (có: {names})")
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    # the declared dimension is the writer's word, and may be A1:XFD1048576: openpyxl would
    # pad to it (a million rows of 16,384 cells); read the rows that are there instead
    worksheet.reset_dimensions()

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise FeedError(
                "the Excel file is damaged part-way through",
                "tệp Excel bị hỏng ở giữa tệp",
            ) from exc
        finally:
            workbook.close()

    rows = numbered()
    head: list[tuple[int, list[Any]]] = []

    def remember() -> Iterator[tuple[int, list[Any]]]:
        for item in rows:
            head.append(item)
            yield item

    header = find_header(remember())
    body = chain((item for item in head if item[0] > header.row), rows)
    return Feed("xlsx", header, body, None, None, None, size)

"""An opened feed, and the search for its header row: shared by every reader."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, BinaryIO

from importer.headers import HEADER_SEARCH_ROWS, HeaderMap, describe, map_header
from importer.problems import FeedError

# what no certification body's feed comes near, and what a hostile file is stopped at
MAX_ROWS = 5_000_000
MAX_COLUMNS = 1024
MAX_LINE_CHARS = 4 << 20


@dataclass
class Feed:
    """An opened feed: its header and an iterator of ``(row_number, cells)`` below it."""

    kind: str
    header: HeaderMap
    rows: Iterator[tuple[int, list[Any]]]
    encoding: str | None = None
    delimiter: str | None = None
    _stream: BinaryIO | None = field(default=None, repr=False)
    size: int = 0

    def __post_init__(self) -> None:
        self.rows = bounded(self.rows)

    def position(self) -> int:
        """Bytes read so far, for progress bars (approximate: buffered)."""
        try:
            return self._stream.tell() if self._stream else 0
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        if self._stream:
            self._stream.close()


def bounded(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """The rows, with empty cells past the last value dropped; a feed past ``MAX_ROWS`` rows or
    with a value past ``MAX_COLUMNS`` columns is refused, naming where."""
    for number, cells in rows:
        if number > MAX_ROWS:
            raise FeedError(f"the file has more than {MAX_ROWS:,} rows: split it into several files",
                            f"tệp có hơn {MAX_ROWS:,} dòng: hãy chia thành nhiều tệp", row=number)
        if len(cells) > MAX_COLUMNS:
            while len(cells) > MAX_COLUMNS and cells[-1] in (None, ""):
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                where = column_letters(len(cells))
                raise FeedError(
                    f"row {number} has a value in column {where} ({len(cells):,}); a feed has at most "
                    f"{MAX_COLUMNS:,} columns: delete what lies beyond the table",
                    f"dòng {number} có giá trị ở cột {where} ({len(cells):,}); danh sách có tối đa "
                    f"{MAX_COLUMNS:,} cột: hãy xoá phần nằm ngoài bảng", row=number)
        yield number, cells


def column_letters(number: int) -> str:
    """1 → A, 27 → AA, 16384 → XFD: how a spreadsheet names a column."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def no_header(best: HeaderMap | None) -> FeedError:
    if best is None or not best.columns:
        return FeedError(
            "no header row found in the first 20 rows: is this a certification feed?",
            "không tìm thấy dòng tiêu đề trong 20 dòng đầu: đây có phải danh sách chứng nhận?",
        )
    missing = ", ".join(describe(k) for k in best.missing())
    return FeedError(
        f"the header (row {best.row}) lacks required column(s): {missing}",
        f"dòng tiêu đề (dòng {best.row}) thiếu cột bắt buộc: {missing}",
        row=best.row,
    )


def find_header(rows: Iterator[tuple[int, list[Any]]]) -> HeaderMap:
    """The first of the first 20 rows that names every required column."""
    best: HeaderMap | None = None
    for number, cells in islice(rows, HEADER_SEARCH_ROWS):
        header = map_header(cells, number)
        if not header.missing():
            return header
        if best is None or len(header.columns) > len(best.columns):
            best = header
    raise no_header(best)

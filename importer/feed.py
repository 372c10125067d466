"""An opened feed, and the search for its header row: shared by every reader."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, BinaryIO

from importer.headers import HEADER_SEARCH_ROWS, HeaderMap, describe, map_header
from importer.problems import FeedError


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

    def position(self) -> int:
        """Bytes read so far, for progress bars (approximate: buffered)."""
        try:
            return self._stream.tell() if self._stream else 0
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        if self._stream:
            self._stream.close()


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

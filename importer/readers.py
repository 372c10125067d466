"""Readers turn a feed file into numbered rows of cells, streaming, whatever its format.

CSV (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1258; comma, semicolon or tab),
XLSX through openpyxl's read-only mode, and JSON arrays or JSON Lines with English keys.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import unicodedata
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from importer.feed import MAX_LINE_CHARS, Feed, no_header
from importer.headers import ALIASES, HEADER_SEARCH_ROWS, HeaderMap, map_header
from importer.problems import FeedError
from importer.xlsx import open_xlsx

csv.field_size_limit(16 * 1024 * 1024)  # long cells are reported by validation, not by csv
PIECE_CHARS = 1 << 20  # text normalised at a time

MAGIC = {
    b"\x89PNG": ("a PNG image", "ảnh PNG"),
    b"\xff\xd8\xff": ("a JPEG image", "ảnh JPEG"),
    b"%PDF": ("a PDF document", "tài liệu PDF"),
    b"GIF8": ("a GIF image", "ảnh GIF"),
    b"\xd0\xcf\x11\xe0": ("an old Excel 97-2003 workbook (.xls); save it as .xlsx",
                          "tệp Excel cũ (.xls); hãy lưu lại dưới dạng .xlsx"),
}
ZIP_MAGIC = b"PK\x03\x04"


def open_feed(path: Path, sheet: str | None = None) -> Feed:
    """Open ``path`` by its content (not only its name) and locate the header row."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise FeedError("the file is empty", "tệp rỗng, không có dữ liệu")
    with path.open("rb") as probe:
        head = probe.read(8)
    for magic, (what_en, what_vi) in MAGIC.items():
        if head.startswith(magic):
            raise FeedError(f"this file is {what_en}, not a feed", f"tệp này là {what_vi}, không phải danh sách")
    suffix = path.suffix.lower()
    if head.startswith(ZIP_MAGIC) or suffix in (".xlsx", ".xlsm"):
        return open_xlsx(path, sheet, size)
    if suffix in (".json", ".jsonl", ".ndjson") or head.lstrip()[:1] in (b"[", b"{"):
        return _open_json(path, size)
    return _open_csv(path, size)


def detect_encoding(path: Path) -> str:
    """BOMs decide; else the whole file must decode as UTF-8, or it is Windows-1258."""
    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1258"
    return "utf-8"


def _nfc_lines(text: io.TextIOBase, path: Path) -> Iterator[str]:
    """The file's lines in NFC, refused at the first NUL byte. Text is normalised and checked
    a megabyte at a time, and split into lines by ``io.StringIO``, which ends them where the
    file reader does (``\\n``, ``\\r`` or ``\\r\\n``): no Python code runs per line."""
    return chain.from_iterable(_nfc_pieces(text))


def _nfc_pieces(text: io.TextIOBase) -> Iterator[io.StringIO]:
    line, carry = 1, ""  # the number of the piece's first line; a last line not yet ended
    while chunk := text.read(PIECE_CHARS):
        piece = carry + chunk
        # up to the last line break (a final \r may be half of a \r\n)
        cut = max(piece.rfind("\n"), piece.rfind("\r", 0, len(piece) - 1)) + 1
        if cut == 0:
            if len(piece) > MAX_LINE_CHARS:  # a file with no line breaks is no feed
                raise FeedError(
                    f"line {line} is longer than {MAX_LINE_CHARS:,} characters: the file has no line "
                    "breaks, or is not a feed",
                    f"dòng {line} dài hơn {MAX_LINE_CHARS:,} ký tự: tệp không xuống dòng, hoặc không phải danh sách",
                    row=line)
            carry = piece  # one line longer than a piece: read on
            continue
        piece, carry = piece[:cut], piece[cut:]
        yield _checked(piece, line)
        line += piece.count("\n") + piece.count("\r") - piece.count("\r\n")
    if carry:
        yield _checked(carry, line)


def _checked(piece: str, line: int) -> io.StringIO:
    if "\x00" in piece:
        before = piece[: piece.index("\x00")]
        number = line + before.count("\n") + before.count("\r") - before.count("\r\n")
        raise FeedError(
            f"line {number} contains NUL bytes: the file is binary or damaged",
            f"dòng {number} chứa ký tự NUL: tệp bị hỏng hoặc không phải văn bản",
            row=number,
        )
    return io.StringIO(unicodedata.normalize("NFC", piece), newline="")


def _open_csv(path: Path, size: int) -> Feed:
    encoding = detect_encoding(path)
    delimiter, header = _sniff_csv(path, encoding)
    stream = path.open("rb")
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(_nfc_lines(text, path), delimiter=delimiter, strict=True)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        start = 1
        try:
            for cells in reader:
                if start > header.row:
                    yield start, cells
                start = reader.line_num + 1
        except csv.Error as exc:
            raise FeedError(
                f"the file is damaged from line {start} ({exc}): it may have been cut off "
                "in the middle of a quoted cell",
                f"tệp bị hỏng từ dòng {start}: có thể tệp bị cắt giữa một ô có dấu ngoặc kép",
                row=start,
            ) from exc

    return Feed("csv", header, rows(), encoding, delimiter, stream, size)


def _sniff_csv(path: Path, encoding: str) -> tuple[str, HeaderMap]:
    """Try each separator on the first rows; the one that yields a header wins."""
    with path.open("r", encoding=encoding, newline="", errors="replace") as f:
        sample = "".join(islice(_nfc_lines(f, path), HEADER_SEARCH_ROWS))
    best: HeaderMap | None = None
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        start = 1
        try:
            for cells in reader:
                header = map_header(cells, start)
                if not header.missing():
                    return delimiter, header
                if best is None or len(header.columns) > len(best.columns):
                    best = header
                start = reader.line_num + 1
        except csv.Error:
            continue
    raise no_header(best)


def _open_json(path: Path, size: int) -> Feed:
    keys = list(ALIASES)
    header = HeaderMap(0, {k: i for i, k in enumerate(keys)}, {k: k for k in keys}, ())
    stream = path.open("rb")
    first = stream.read(1 << 16).lstrip()[:1]
    stream.seek(0)

    def to_cells(obj: Any, number: int) -> list[Any]:
        if not isinstance(obj, dict):
            raise FeedError(f"record {number} is not a JSON object",
                            f"bản ghi {number} không phải đối tượng JSON", row=number)
        return [obj.get(k) for k in keys]

    def array_rows() -> Iterator[tuple[int, list[Any]]]:
        import ijson

        try:
            for number, obj in enumerate(ijson.items(stream, "item", use_float=True), start=1):
                yield number, to_cells(obj, number)
        except ijson.JSONError as exc:
            raise FeedError(f"the JSON is damaged: {exc}", f"JSON bị hỏng: {exc}") from exc

    def line_rows() -> Iterator[tuple[int, list[Any]]]:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig")
        for number, line in enumerate(iter(lambda: text.readline(MAX_LINE_CHARS + 1), ""), start=1):
            if len(line) > MAX_LINE_CHARS:
                raise FeedError(f"line {number} is longer than {MAX_LINE_CHARS:,} characters",
                                f"dòng {number} dài hơn {MAX_LINE_CHARS:,} ký tự", row=number)
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FeedError(f"line {number} is not valid JSON: {exc.msg}",
                                f"dòng {number} không phải JSON hợp lệ", row=number) from exc
            yield number, to_cells(obj, number)

    rows = array_rows() if first == b"[" else line_rows()
    return Feed("json", header, rows, "utf-8", None, stream, size)

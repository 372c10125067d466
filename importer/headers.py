"""Header mapping: Vietnamese or English headers, spelled a dozen ways, to the feed's keys."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from registry.catalogue import FEED_FIELDS, REQUIRED
from registry.codes import folded_words

ALIASES: dict[str, tuple[str, ...]] = {field.key: field.all_headers for field in FEED_FIELDS}
HEADER_SEARCH_ROWS = 20


def header_key(text: object) -> str:
    """Case, diacritics, spaces, line breaks, punctuation and a trailing ``(*)`` ignored."""
    raw = "" if text is None else str(text)
    raw = re.sub(r"\(\s*\*\s*\)\s*$", "", raw.strip())
    return folded_words(raw)


_LOOKUP = {header_key(alias): key for key, aliases in ALIASES.items() for alias in aliases}
_LOOKUP.update({header_key(key.replace("_", " ")): key for key in ALIASES})


@dataclass(frozen=True)
class HeaderMap:
    """Which column index holds which feed key, and the header text as the user wrote it."""

    row: int
    columns: dict[str, int]
    written: dict[str, str]
    unknown: tuple[str, ...]

    def missing(self) -> list[str]:
        return [key for key in REQUIRED if key not in self.columns]


def map_header(cells: Sequence[object], row: int) -> HeaderMap:
    columns: dict[str, int] = {}
    written: dict[str, str] = {}
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        key = _LOOKUP.get(header_key(cell))
        text = " ".join(str(cell).split()) if cell is not None else ""
        if key and key not in columns:
            columns[key], written[key] = index, text
        elif text:
            unknown.append(text)
    return HeaderMap(row, columns, written, tuple(unknown))


def describe(key: str) -> str:
    """``Số giấy chứng nhận (certificate_no)`` for messages."""
    return f"{ALIASES[key][0]} ({key})"

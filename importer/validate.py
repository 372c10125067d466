"""Validate one feed row into a ``CertificateData``, collecting every problem of the row."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import orjson

from importer import fields, radio
from importer.headers import ALIASES, HeaderMap
from importer.problems import FieldProblem, Problem, shorten
from registry.catalogue import BY_KEY, FEED_FIELDS, LIST_FIELDS
from registry.codes import parse_certificate_no
from registry.records import ROW, CertificateData

Parser = Callable[[Any], Any]
# by the catalogue's parser names (registry.catalogue.Field.parser); "text" is the cell's text
PARSERS: dict[str, Parser | None] = {
    "text": None,
    "certificate_no": fields.certificate_no,
    "kind": lambda v: fields.words(v, fields.KIND_WORDS, "kind", "loại"),
    "models": fields.models,
    "regulations": fields.regulations,
    "date": fields.a_date,
    "tax_code": fields.tax_code,
    "method": fields.method,
    "status": lambda v: fields.words(v, fields.STATUS_WORDS, "status", "trạng thái"),
    "mark_code": lambda v: "".join(fields.text_of(v).split()).upper(),
    "technologies": radio.technologies,
    "bands": radio.bands,
}
LIST_CELLS = {field.key for field in FEED_FIELDS if field.name in LIST_FIELDS}  # line breaks separate items


class Parsed:
    """A cell's clean value (a class of its own, so that a tuple always means a problem)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


EMPTY = ("", "")
MEMO_SIZE = 50_000
UNIQUE_CELLS = {"certificate_no", "models", "mark_code", "note", "lot_ref"}


def _outcome(key: str, raw: Any, parser: Parser | None, limit: int) -> Parsed | tuple[str, str]:
    """The parsed cell, ``EMPTY``, or a problem as (message_en, message_vi)."""
    text = fields.text_of(raw)
    if text == "":
        return EMPTY
    if isinstance(raw, str) and len(raw) > limit:
        return (f"too long: {len(raw)} characters, at most {limit}", f"quá dài: {len(raw)} ký tự, tối đa {limit}")
    if parser is None:
        return Parsed(text)
    try:  # list cells keep their line breaks: they separate items
        return Parsed(parser(raw if key in LIST_CELLS or raw.__class__ is not str else text))
    except FieldProblem as exc:
        return (exc.message_en, exc.message_vi)


class SeenNumbers:
    """The numbers already in the file, with the row of each: in an in-memory SQLite table,
    about 20 bytes a number, where a Python dict of a million numbers takes 100 MB."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:")
        self._db.execute("CREATE TABLE seen (number TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID")

    def add(self, number: str, row: int) -> int | None:
        """Remember ``number`` at ``row``; the row it was already on, if any."""
        try:
            self._db.execute("INSERT INTO seen VALUES (?, ?)", (number, row))
        except sqlite3.IntegrityError:
            return self._db.execute("SELECT row FROM seen WHERE number = ?", (number,)).fetchone()[0]
        return None

    def add_all(self, pairs: list[tuple[str, int]]) -> set[int]:
        """Remember each ``(number, row)`` in order, in one statement (a re-import notes a
        million unchanged rows); the rows whose number was already there, earlier in the
        file or earlier in ``pairs``."""
        before = self._db.total_changes
        self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", pairs)
        if self._db.total_changes - before == len(pairs):
            return set()
        kept = dict(self._db.execute("SELECT number, row FROM seen WHERE number IN (SELECT value FROM json_each(?))",
                                     (orjson.dumps([number for number, _ in pairs]).decode(),)))
        return {row for number, row in pairs if kept[number] != row}


class RowValidator:
    """Turns rows into records; remembers numbers already seen to catch duplicates."""

    def __init__(self, header: HeaderMap, source: str) -> None:
        self.header, self.source = header, source
        self.seen = SeenNumbers()
        self.last_number: str | None = None  # the number the last row named, if readable
        # resolved once per file: each mapped column with its parser, length limit, need, and
        # a memo of the outcomes of cell texts already seen (feeds repeat holders, dates, QCVN
        # codes and statuses on every row; unique columns are not memoised)
        self.plan = [
            (key, index, PARSERS[BY_KEY[key].parser], BY_KEY[key].max_length,
             BY_KEY[key].required, None if key in UNIQUE_CELLS else {})
            for key, index in header.columns.items()
        ]

    def number_of(self, cells: list[Any]) -> str | None:
        """The row's certificate number, read the way validation reads it, or None."""
        index = self.header.columns.get("certificate_no")
        raw = cells[index] if index is not None and index < len(cells) else None
        try:
            return fields.certificate_no(raw) if isinstance(raw, str) and raw.strip() else None
        except FieldProblem:
            return None

    def note_unchanged(self, row: int, number: str) -> bool:
        """Count a row skipped as unchanged; False when its number is already in the file
        (then the row is validated, and reported as a duplicate)."""
        return self.seen.add(number, row) is None

    def note_all_unchanged(self, rows: list[tuple[int, str]]) -> set[int]:
        """``note_unchanged`` for many ``(row, number)`` in file order; the rows refused."""
        return self.seen.add_all([(number, row) for row, number in rows])

    def problem(self, row: int, key: str, value: Any, en: str, vi: str, severity="error") -> Problem:
        column = self.header.written.get(key) or ALIASES[key][0]
        return Problem(row, column, shorten(fields.text_of(value)), en, vi, severity)

    def validate(self, row: int, cells: list[Any]) -> tuple[CertificateData | None, list[Problem]]:
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        width = len(cells)
        for key, index, parser, limit, required, memo in self.plan:
            raw = cells[index] if index < width else None
            outcome = None
            if memo is not None and raw.__class__ is str:
                outcome = memo.get(raw)
                if outcome is None:
                    outcome = _outcome(key, raw, parser, limit)
                    if len(memo) < MEMO_SIZE:
                        memo[raw] = outcome
            else:
                outcome = _outcome(key, raw, parser, limit)
            if outcome.__class__ is tuple:
                if outcome is EMPTY:
                    if required:
                        problems.append(self.problem(row, key, raw, "this required cell is empty",
                                                     "ô bắt buộc này đang trống"))
                else:
                    problems.append(self.problem(row, key, raw, *outcome))
            else:
                values[key] = outcome.value
        problems += self._cross_checks(row, values)
        if any(p.severity == "error" for p in problems):
            return None, problems
        record = self._record(values)
        record.extra[ROW] = row
        return record, problems

    def _cross_checks(self, row: int, values: dict[str, Any]) -> list[Problem]:
        problems = []
        issued, expires = values.get("issued_on"), values.get("expires_on")
        if issued and expires and expires < issued:
            problems.append(self.problem(
                row, "expires_on", expires.strftime("%d/%m/%Y"),
                f"the expiry date is before the issue date ({issued:%d/%m/%Y})",
                f"ngày hết hạn trước ngày cấp ({issued:%d/%m/%Y})"))
        number = self.last_number = values.get("certificate_no")
        if number:
            earlier = self.seen.add(number, row)
            if earlier is not None:
                problems.append(self.problem(
                    row, "certificate_no", number,
                    f"the same certificate number is already on row {earlier}",
                    f"số chứng nhận này đã có ở dòng {earlier}"))
            if values.get("kind") == "certificate" and parse_certificate_no(number) is None:
                problems.append(self.problem(
                    row, "certificate_no", number,
                    "does not have the usual form A0123150324AE01A2 (centre, sequence, date, category)",
                    "không theo dạng thường gặp A0123150324AE01A2", severity="warning"))
        if values.get("method") == 7 and not values.get("lot_ref"):
            problems.append(self.problem(
                row, "lot_ref", "", "method 7 certifies one import lot: the lot reference is missing",
                "phương thức 7 chứng nhận theo lô: thiếu số lô", severity="warning"))
        return problems

    def _record(self, values: dict[str, Any]) -> CertificateData:
        status = values.pop("status", None) or "valid"
        # "expired" is derived from the expiry date at read time, never frozen.
        admin_status = "valid" if status == "expired" else status
        if values.get("bands"):  # a technology named only in the bands is one of the device's too
            values["technologies"] = radio.merged(values.get("technologies", ()), values["bands"])
        known = {k: v for k, v in values.items() if k in CertificateData.__dataclass_fields__}
        return CertificateData(**known, admin_status=admin_status, source=self.source)

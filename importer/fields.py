"""Parsers for each feed column: a clean value, or a ``FieldProblem`` in plain words."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from importer.problems import FieldProblem
from registry.codes import TAX_CODE_RE, canonical_certificate_no, folded_words, normalise_regulation

EXCEL_EPOCH = date(1899, 12, 30)

KIND_WORDS = {
    "certificate": ("certificate", "chung nhan hop quy", "chung nhan", "gcn", "cnhq"),
    "declaration": ("declaration", "cong bo hop quy", "cong bo", "cbhq", "tbtn"),
}
STATUS_WORDS = {
    "valid": ("valid", "con hieu luc", "hieu luc", "active", "dang hieu luc"),
    "suspended": ("suspended", "tam dinh chi", "dinh chi"),
    "revoked": ("revoked", "thu hoi", "huy bo", "bi thu hoi"),
    "withdrawn": ("withdrawn", "rut", "cham dut", "da rut"),
    "expired": ("expired", "het hieu luc", "het han"),
}


DAY_MONTH_YEAR = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
YEAR_MONTH_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
EXCEL_SERIAL = re.compile(r"\d{4,5}(\.\d+)?")
# Feeds repeat the same few spellings of statuses, kinds and codes on every row.
repeated = lru_cache(maxsize=8192)


def plain(value: Any) -> str:
    """Text with diacritics folded and case dropped, for vocabulary matching."""
    return _plain(text_of(value))


_plain = repeated(folded_words)


def text_of(value: Any) -> str:
    """NFC text with non-breaking and repeated spaces folded; numbers without a stray ``.0``."""
    if value.__class__ is not str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
        if "\u00a0" in value or "\u200b" in value:
            value = value.replace("\u00a0", " ").replace("\u200b", "")
    return " ".join(value.split())


def words(value: Any, vocabulary: dict[str, tuple[str, ...]], what_en: str, what_vi: str) -> str:
    canonical = _word(plain(value), id(vocabulary))
    if canonical is not None:
        return canonical
    accepted = "; ".join(spellings[1] if len(spellings) > 1 else spellings[0] for spellings in vocabulary.values())
    raise FieldProblem(
        f"unknown {what_en}; expected one of: {', '.join(vocabulary)}",
        f"{what_vi} không hợp lệ; chấp nhận: {accepted}",
    )


VOCABULARIES = {id(KIND_WORDS): KIND_WORDS, id(STATUS_WORDS): STATUS_WORDS}


@repeated
def _word(key: str, vocabulary_id: int) -> str | None:
    for canonical, spellings in VOCABULARIES[vocabulary_id].items():
        if key in spellings:
            return canonical
    return None


NUMBER_SHAPE = re.compile(r"[A-Z0-9][A-Z0-9./_-]*")
LIST_BREAKS: dict[str, re.Pattern[str]] = {}  # by separators, compiled on first use


def certificate_no(value: Any) -> str:
    number = canonical_certificate_no(text_of(value))
    if not NUMBER_SHAPE.fullmatch(number):
        raise FieldProblem(
            "a certificate number has only letters, digits and . / - _",
            "số chứng nhận chỉ gồm chữ, số và các dấu . / - _",
        )
    return number


def split_list(value: Any, separators: str) -> list[str]:
    raw = unicodedata.normalize("NFC", str(value or "")).replace("\u00a0", " ")
    breaks = LIST_BREAKS.get(separators)
    if breaks is None:
        breaks = LIST_BREAKS[separators] = re.compile(f"[{re.escape(separators)}\\r\\n]+")
    parts = breaks.split(raw)
    return list(dict.fromkeys(" ".join(p.split()) for p in parts if p.strip()))


def models(value: Any) -> tuple[str, ...]:
    codes = split_list(value, ";")
    if not codes:
        raise FieldProblem("at least one model code is required", "cần ít nhất một ký hiệu (model)")
    return tuple(codes)


def regulations(value: Any) -> tuple[str, ...]:
    return _regulations(text_of(value))


@repeated
def _regulations(value: str) -> tuple[str, ...]:
    codes = []
    for part in split_list(value, ";,"):
        parsed = normalise_regulation(part)
        if parsed is None:
            raise FieldProblem(
                f"“{part}” is not a regulation code like QCVN 117:2023/BTTTT",
                f"“{part}” không phải mã quy chuẩn dạng QCVN 117:2023/BTTTT",
            )
        codes.append(parsed[0])
    if not codes:
        raise FieldProblem("at least one QCVN code is required", "cần ít nhất một mã QCVN")
    return tuple(sorted(set(codes)))


def a_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(float(value))
    text = text_of(value)
    if EXCEL_SERIAL.fullmatch(text):
        return _excel_serial(float(text))
    if found := DAY_MONTH_YEAR.fullmatch(text):
        day, _, month, year = found.groups()
    elif found := YEAR_MONTH_DAY.fullmatch(text):
        year, month, day = found.groups()
    else:
        raise FieldProblem(
            "not a date; write dd/mm/yyyy or yyyy-mm-dd", "không phải ngày; hãy ghi dd/mm/yyyy hoặc yyyy-mm-dd"
        )
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise FieldProblem("no such day in the calendar", "ngày không tồn tại trên lịch") from None


def _excel_serial(serial: float) -> date:
    if not 1 <= serial <= 2958465:
        raise FieldProblem("not a date", "không phải ngày")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def tax_code(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _tax_code(str(int(value)).zfill(10))  # Excel drops the leading zero of 0312345678
    return _tax_code(text_of(value))


@repeated
def _tax_code(text: str) -> str:
    text = "".join(text.split())
    if not TAX_CODE_RE.fullmatch(text):
        raise FieldProblem(
            "a tax code has 10 digits, or 10 digits, a dash and 3 digits",
            "mã số thuế gồm 10 chữ số, hoặc 10 chữ số - 3 chữ số",
        )
    return text


def method(value: Any) -> int:
    digits = re.fullmatch(r"(?:phuong thuc|pt)?\s*([157])", plain(value))
    if not digits:
        raise FieldProblem("the method is 1, 5 or 7", "phương thức đánh giá là 1, 5 hoặc 7")
    return int(digits.group(1))

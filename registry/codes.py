"""Canonical forms of the codes people type: certificate numbers, model codes, QCVN codes.

Used by the importer to store clean values and by search to match what people type.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

CERTIFICATE_NO_RE = re.compile(r"^([ABC])(\d{4})(\d{2})(\d{2})(\d{2})([A-Z0-9]{6})$")
REGULATION_RE = re.compile(
    r"^QCVN\s*(?P<number>\d+(?:-\d+)?)\s*:\s*(?P<year>\d{4})\s*/\s*(?P<issuer>[A-ZĐ]+(?:-[A-ZĐ]+)*)$",
    re.IGNORECASE,
)
TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")


@dataclass(frozen=True)
class CertificateNumber:
    """The parts of a certificate number such as ``A0123150324AE01A2``."""

    centre: str
    sequence: int
    issued_on: date
    category: str


NOT_ASCII_ALNUM = re.compile(r"[^A-Z0-9]+")


def canonical_certificate_no(raw: str) -> str:
    """Trim, upper-case and drop inner white space (the feed contract's identity rule)."""
    text = unicodedata.normalize("NFC", raw)
    return "".join(text.split()).upper()


def parse_certificate_no(raw: str) -> CertificateNumber | None:
    """The structured parts of a certificate number, or None for declarations and typos."""
    match = CERTIFICATE_NO_RE.match(canonical_certificate_no(raw))
    if not match:
        return None
    centre, seq, dd, mm, yy, category = match.groups()
    try:
        issued = date(2000 + int(yy), int(mm), int(dd))
    except ValueError:
        return None
    return CertificateNumber(centre, int(seq), issued, category)


def folded_words(text: str) -> str:
    """Diacritics folded (đ too), case dropped, punctuation to single spaces: how text is
    compared with what people type on keyboards without Vietnamese input."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def model_key(code: str) -> str:
    """A model code compacted for matching: upper case, letters and digits only.

    ``SM-A546E/DS``, ``sm a546e/ds`` and ``SMA546EDS`` share one key.
    """
    return NOT_ASCII_ALNUM.sub("", unicodedata.normalize("NFKD", code).upper())


def normalise_regulation(raw: str) -> tuple[str, str, int, str] | None:
    """``QCVN117:2023/BTTTT`` → (``QCVN 117:2023/BTTTT``, ``117``, 2023, ``BTTTT``)."""
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    match = REGULATION_RE.match(text)
    if not match:
        return None
    number, year, issuer = match["number"], int(match["year"]), match["issuer"].upper()
    return f"QCVN {number}:{year}/{issuer}", number, year, issuer

"""What people paste into the search box, read as what they mean.

- **A link to one of our pages**, as a phone's generic QR scanner shows it:
  ``https://hopquy.gov.vn/v/A0001311026AE01A2`` (any scheme, host and port, ``/v/``, ``/c/``,
  ``/o/``, ``/qr/``, ``/label/``, a trailing slash, a query string or fragment, percent-encoded
  or not, a declaration number with slashes inside) is read as the number or tax code it
  carries.
- **A line copied from a label, a box or a listing**, field name included
  (``Kiểu/Model: TL-WR841N``, ``Model No. SM-A546E``, ``Số GCN: …``) is read as the value
  after the field name. The field names are one table, ``LABELS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from search.listing import fold

# page → what its path carries (public_site's routes)
LINKED = {"v": "certificate", "c": "certificate", "qr": "certificate", "label": "certificate", "o": "holder"}
FILE_SUFFIXES = (".png", ".svg", ".pdf")
_HOST_FIRST = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?/|^(localhost|\d+\.\d+\.\d+\.\d+)(:\d+)?/", re.I)

# Field names printed before a value on labels, boxes, certificates and listings, folded
# (lower case, no diacritics). "strong" names are taken even with only a space after them
# (``MODEL SM-A546E``); the others only before a colon or a full stop (``Type: …``), since
# ``type c``, ``brand new`` or ``hang xach tay`` are words people search for.
LABELS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # field: (strong names, names that need a colon)
    "model": (("model", "model no", "model number", "model name", "models", "kieu", "kieu loai",
               "kieu model", "ky hieu", "ky hieu model", "ma model", "ma kieu", "m/n"),
              ("type", "type no", "ma san pham", "ma hang", "product code", "ten model")),
    "number": (("so chung nhan", "so giay chung nhan", "so gcn", "so cn", "certificate no", "certificate number",
                "so ban cong bo", "so cong bo", "so tiep nhan"),
               ("so", "no", "certificate", "cert no")),
    "mark": (("ma dau hop quy", "ma so dau hop quy", "dau hop quy"), ("ma dau", "ma so")),
    "brand": (("nhan hieu", "thuong hieu", "hang san xuat", "nha san xuat"),
              ("brand", "hang", "manufacturer", "trademark", "nsx")),
    "product": (("ten hang hoa", "ten san pham", "ten thiet bi", "product name"), ("product", "san pham")),
}


@dataclass(frozen=True)
class Pasted:
    """The query to search for, and what was recognised in what was pasted."""

    query: str
    link: str | None = None  # "certificate" or "holder": the query is the one a link carried
    field: str | None = None  # the field name a copied line began with


def read_pasted(text: str) -> Pasted:
    text = text.strip()
    if (linked := _from_link(text)) is not None:
        return linked
    if (labelled := _from_label(text)) is not None:
        return labelled
    return Pasted(text)


def _from_link(text: str) -> Pasted | None:
    if " " in text or "/" not in text:
        return None
    if "://" in text:
        path = urlsplit(text).path
    elif _HOST_FIRST.match(text):
        path = urlsplit("//" + text).path
    elif text.startswith("/"):
        path = urlsplit(text).path
    else:
        return None
    page, _, rest = path.lstrip("/").partition("/")
    kind = LINKED.get(page.lower())
    value = unquote(rest).strip().strip("/")
    if kind is None or not value:
        return None
    if page.lower() in ("qr", "label") and value.lower().endswith(FILE_SUFFIXES):
        value = value.rsplit(".", 1)[0]
    return Pasted(value, link=kind)


def _alternation(names) -> str:
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))


_ALL = [n for strong, weak in LABELS.values() for n in (*strong, *weak)]
_STRONG = {n for strong, _ in LABELS.values() for n in strong}
_FIELD_OF = {n: field for field, (strong, weak) in LABELS.items() for n in (*strong, *weak)}
# one name, or several joined by "/" or in brackets (Kiểu/Model, Kiểu (Model)), then an
# optional "No." and the separator
_LABEL = re.compile(
    rf"^(?P<names>(?:{_alternation(_ALL)})(?:\s*/\s*(?:{_alternation(_ALL)})|\s*\(\s*(?:{_alternation(_ALL)})\s*\))*)"
    rf"(?P<no>\s*(?:no\.?|number|#))?(?P<sep>(?:\s*[:：.])+|\s)\s*(?=\S)"
)


def _from_label(text: str) -> Pasted | None:
    match = _LABEL.match(fold(text))
    if match is None:
        return None
    names = [re.sub(r"\s+", " ", n.strip()) for n in re.split(r"[/()]", match["names"]) if n.strip()]
    separated = match["sep"].strip() != ""
    if not separated and not any(n in _STRONG for n in names):
        return None  # "type c adapter", "hang xach tay": words, not a field name
    value = text.strip()[match.end():].strip()
    return Pasted(value, field=_FIELD_OF[names[-1]]) if value else None


_NAME_WORDS = {word for name in _ALL for word in name.split()}
_GLUED = sorted((n for n in _STRONG if " " not in n and len(n) >= 5), key=len)  # "model", "models"
_CUT_HEAD = re.compile(r"^(?P<head>[^:;]{1,24}?)\s*(?:[:;]|-\s)\s*(?=\S)")


def read_cut_label(text: str) -> list[str]:
    """The values a label's line may hold when a photo cut or misread its field name: the
    name lost its first letters at the photo's edge (``ểu/Model: X``, ``ý hiệu: X``,
    ``ODEL X``), had a letter misread (``Modet: X``), or was read run into the value
    (``MODELX-1``). Several guesses, or none; the
    photo lookup keeps only a value that names a certificate."""
    text = text.strip()
    folded = fold(text)
    values = []
    if (match := _CUT_HEAD.match(folded)) is not None:
        words = [w for w in re.split(r"[\s/()]+", match["head"]) if w]
        last = re.sub(r"[^a-z]", "", words[-1]) if words else ""
        if len(words) <= 3 and len(last) >= 2 and any(name.endswith(last) or _one_letter_off(name, last)
                                                      for name in _NAME_WORDS):
            values.append(text[match.end():].strip())
    first, _, rest = folded.partition(" ")
    if rest.strip() and len(first) >= 3 and any(n.endswith(first) and len(n) - len(first) <= 2 for n in _GLUED):
        values.append(text[len(first):].strip())
    for name in _GLUED:
        if folded.startswith(name) and len(folded) > len(name) + 1 and folded[len(name)].isalnum():
            values.append(text[len(name):].strip())
    return [value for value in dict.fromkeys(values) if value]


def _one_letter_off(name: str, word: str) -> bool:
    """``word`` is ``name`` with one letter misread (``modet`` for ``model``), both 4 letters or more."""
    return len(word) == len(name) >= 4 and sum(a != b for a, b in zip(name, word, strict=True)) == 1

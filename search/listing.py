"""A shop's listing title, read as the device it names: the words around a model dropped.

``Hàng xách tay Lenovo K900 8GB/256GB bản quốc tế fullbox`` names the Lenovo K900; storage,
colour, condition, origin and warranty are the shop's words, found in no certificate, and
with them in the query no certificate holds every word. ``NOISE`` is the one table of them
(folded: lower case, no diacritics). They are taken out of every query that has other words.
"""

from __future__ import annotations

import re
import unicodedata

NOISE = (
    # where it came from, its condition
    "hang xach tay", "xach tay", "hang chinh hang", "chinh hang", "ban quoc te", "quoc te", "ban noi dia",
    "noi dia", "nguyen seal", "nguyen hop", "fullbox", "full box", "likenew", "like new", "hang moi", "moi",
    "new", "cu", "da qua su dung", "hang trung bay", "trung bay", "2 sim", "1 sim", "esim", "hang cong ty",
    # colour, with and without "màu"
    "xanh duong", "xanh la", "xanh reu", "xanh navy", "vang dong", "hong dao", "tim than", "den nham",
)
COLOURS = ("den", "trang", "xanh", "do", "vang", "hong", "tim", "bac", "xam", "cam", "nau", "be", "gold",
           "silver", "black", "white", "blue", "green", "red", "pink", "purple", "gray", "grey")
PATTERNS = (
    r"\[[^\]]*\]", r"\([^)]*(?:tra gop|bh|bao hanh|%)[^)]*\)",  # [Trả góp 0%], (BH 12 tháng)
    r"\b\d+\s*(?:gb|tb|mb)(?:\s*/\s*\d+\s*(?:gb|tb))?\b",  # 128GB, 8GB/256GB
    r"\b(?:bh|bao hanh)\s*\d+\s*(?:thang|nam)\b", r"\btra gop\s*\d*\s*%?", r"\b\d+\s*%",  # warranty, instalments
    r"\bmau\s+(?:" + "|".join(COLOURS) + r")(?:\s+(?:duong|la|reu|navy|nhat|dam|than|dong|dao|nham))?\b",
    # whole words only: not the CU of CU-500 or the NEW of NEW-1
    r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(NOISE, key=len, reverse=True))) + r")(?![\w-])",
    r"(?<=\s)(?:" + "|".join(COLOURS) + r")$",  # a colour as the last word
)
_NOISE = re.compile("|".join(PATTERNS))


class _Folded(dict):
    """Each character folded, worked out the first time it is met (``str.translate``)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = folded = "d" if char in "đĐ" else unicodedata.normalize("NFD", char)[0].lower()[:1]
        return folded


_FOLDED = _Folded()


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one, so positions carry over."""
    return unicodedata.normalize("NFC", text).translate(_FOLDED)


def without_listing_words(text: str) -> str:
    """``text`` with the shop's words taken out, or ``text`` when nothing else would be left."""
    text = unicodedata.normalize("NFC", text)
    kept, last, folded = [], 0, fold(text)
    for _ in range(3):  # a colour as the last word can be uncovered by a removal before it
        kept, last = [], 0
        for match in _NOISE.finditer(folded):
            kept.append(text[last:match.start()])
            last = match.end()
        kept.append(text[last:])
        cleaned = " ".join("".join(kept).split())
        if cleaned == text:
            break
        text, folded = cleaned, fold(cleaned)
    return text if text.strip() else ""

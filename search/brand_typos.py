"""A brand typed with a slip (``Smasung``, ``auss``, ``popo``) read as the brand it names.

Meilisearch forgives no typo in a word under five letters, and counts two swapped letters as
two typos, so ``auss zenfone 2`` holds a word no certificate has and finds nothing. The
registry knows every brand: a word one slip (a swap, a wrong, missing or extra letter) from
a brand word is read as it: a swap before other slips (it is the slip people make), then
the brand with the most certificates. Used when a query as typed finds nothing.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from registry.models import Certificate
from search.listing import fold

REFRESH_SECONDS = 600
MIN_LENGTH = 3


class BrandWords:
    """The registry's brand words, folded, read again every ``REFRESH_SECONDS``."""

    def __init__(self) -> None:
        self._words: dict[int, Counter[str]] = {}  # per engine: word → certificates
        self._read_at: dict[int, float] = {}
        self._lock = threading.Lock()

    def of(self, engine: Engine) -> Counter[str]:
        key = id(engine)
        with self._lock:
            if time.monotonic() - self._read_at.get(key, -REFRESH_SECONDS) < REFRESH_SECONDS:
                return self._words[key]
        with Session(engine) as session:
            brands = session.execute(select(Certificate.brand, func.count()).group_by(Certificate.brand)).all()
        words: Counter[str] = Counter()
        for brand, count in brands:
            for word in fold(brand or "").split():
                if len(word) >= MIN_LENGTH:
                    words[word] += count
        with self._lock:
            self._words[key], self._read_at[key] = words, time.monotonic()
        return words


BRAND_WORDS = BrandWords()


def slip(a: str, b: str) -> str | None:
    """How ``a`` differs from ``b`` by one slip: "swap" (neighbours the wrong way round),
    "edit" (one wrong, missing or extra letter), or None."""
    if a == b or abs(len(a) - len(b)) > 1:
        return None
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return "edit"
        swapped = (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                   and a[diff[1]] == b[diff[0]])
        return "swap" if swapped else None
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return "edit" if short[i:] == long[i + 1:] else None


def one_slip(a: str, b: str) -> bool:
    return slip(a, b) is not None


def brand_corrected(query: str, words: Counter[str] | frozenset[str]) -> str:
    """``query`` with each word one slip from a brand word replaced by the likeliest one."""
    counts = words if isinstance(words, Counter) else Counter(words)
    out, changed = [], False
    for word in query.split():
        folded = fold(word)
        if len(folded) >= MIN_LENGTH and folded.isalpha() and folded not in counts:
            near = [(slip(folded, w), w) for w in counts]
            swaps = [w for kind, w in near if kind == "swap"]
            best = _likeliest(swaps or [w for kind, w in near if kind == "edit"], counts)
            if best:
                out.append(best)
                changed = True
                continue
        out.append(word)
    return " ".join(out) if changed else query


def _likeliest(candidates: list[str], counts: Counter[str]) -> str | None:
    """The candidate with the most certificates, when no other has as many."""
    ranked = sorted(candidates, key=counts.__getitem__, reverse=True)
    if not ranked or (len(ranked) > 1 and counts[ranked[0]] == counts[ranked[1]]):
        return None
    return ranked[0]

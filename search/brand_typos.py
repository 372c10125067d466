"""A brand typed with a slip (``Smasung``, ``auss``, ``popo``) read as the brand it names.

Meilisearch forgives no typo in a word under five letters, and counts two swapped letters as
two typos, so ``auss zenfone 2`` holds a word no certificate has and finds nothing. The
registry knows every brand: a word one slip (a swap, a wrong, missing or extra letter) from
a brand word is read as it: a swap before other slips (it is the slip people make), then
the brand with the most certificates. Used when a query as typed finds nothing.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, defaultdict
from functools import cached_property

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from registry.loop_reader import OffTheLoop
from registry.models import Certificate
from search.listing import fold
from search.on_the_loop import in_greenlet

WORD = re.compile(r"[a-z0-9]+")  # of a folded brand
# a query's words of letters, and the letters before a bracket or stop (``lou(a)``); not the
# letters inside a code (``DSN`` of SM-A546E/DSN)
LETTERS = re.compile(r"(?<![\w/-])[^\W\d_]+(?=[\s(),.;:]|$)")
REFRESH_SECONDS = 600
TYPO_FREE = 5  # Meilisearch forgives one wrong letter from this length: a swap is still two
MIN_LENGTH = 3


class BrandCounts(Counter):
    """Brand words → certificates, and the words by each form with one letter left out: the
    words one slip from a word are among those sharing such a form with it (a wrong letter
    left out of both, a swap's two letters one from each, an extra letter from the longer),
    found in a few lookups rather than by comparing every brand (20 ms a query at 40k)."""

    @cached_property
    def near(self) -> dict[str, list[str]]:
        near: dict[str, list[str]] = defaultdict(list)
        for word in self:
            for form in _left_out(word):
                near[form].append(word)
        return near

    def one_slip_from(self, word: str) -> list[tuple[str | None, str]]:
        """(how it differs, brand word) for the brand words one slip from ``word``."""
        found = dict.fromkeys(w for form in _left_out(word) for w in self.near.get(form, ()))
        return [(kind, w) for w in found if (kind := slip(word, w))]


def _left_out(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}


class BrandWords:
    """The registry's brand words, folded, read again every ``REFRESH_SECONDS``: in a worker
    thread while the words read before serve. Counting every certificate's brand takes a second
    at a million, which the event loop must not wait for: a search on the loop that finds no
    words read yet goes to a worker thread (``OffTheLoop``)."""

    def __init__(self) -> None:
        self._words: dict[int, BrandCounts] = {}  # per engine
        self._read_at: dict[int, float] = {}
        self._lock = threading.Lock()
        self._first = threading.Lock()

    def of(self, engine: Engine) -> BrandCounts:
        key = id(engine)
        with self._lock:
            words, stale = self._words.get(key), time.monotonic() - self._read_at.get(key, -REFRESH_SECONDS)
            if words is not None and stale >= REFRESH_SECONDS:
                self._read_at[key] = time.monotonic()  # one refresh at a time
                threading.Thread(target=self._read, args=(engine,), daemon=True, name="brand-words").start()
        if words is not None:
            return words
        if in_greenlet():
            raise OffTheLoop("the brand words are read in a worker thread")
        with self._first:  # one first read: searches arriving meanwhile wait for it, rather than
            # each count a million brands at once (sixteen clients at start-up did, for seconds)
            words = self._words.get(key)
            return words if words is not None else self._read(engine)

    def _read(self, engine: Engine) -> BrandCounts:
        with Session(engine) as session:
            brands = session.execute(select(Certificate.brand, func.count()).group_by(Certificate.brand)).all()
        words = BrandCounts()
        for brand, count in brands:
            for word in WORD.findall(fold(brand or "")):  # LUO(A): "luo" and "a"
                if len(word) >= MIN_LENGTH:
                    words[word] += count
        words.near  # noqa: B018  built here, off the loop
        with self._lock:
            self._words[id(engine)], self._read_at[id(engine)] = words, time.monotonic()
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


def brand_corrected(query: str, words: BrandCounts | frozenset[str]) -> str:
    """``query`` with its word one slip from a brand word replaced by the likeliest one (the
    letters of a word, so ``lou(a)`` is read as ``luo(a)``). One word only, the first with a
    swap if any has one (the slip people make), else the first with another slip: ``popo
    reno`` is OPPO's Reno, not OPPO and the brand Revo. Another slip only in a word shorter
    than ``TYPO_FREE``: Meilisearch forgives it in longer ones, and ``galaxy`` is not Galax."""
    counts = words if isinstance(words, BrandCounts) else BrandCounts(words)
    best: dict[str, tuple[re.Match[str], str]] = {}
    for match in LETTERS.finditer(query):
        folded = fold(match.group())
        if len(folded) >= MIN_LENGTH and folded.isalpha() and folded not in counts:
            near = counts.one_slip_from(folded)
            for kind in ("swap", "edit") if len(folded) < TYPO_FREE else ("swap",):
                if kind not in best and (brand := _likeliest([w for k, w in near if k == kind], counts)):
                    best[kind] = (match, brand)
    if not best:
        return query
    match, brand = best.get("swap") or best["edit"]
    return query[:match.start()] + brand + query[match.end():]


def _likeliest(candidates: list[str], counts: Counter[str]) -> str | None:
    """The candidate with the most certificates, when no other has as many."""
    ranked = sorted(candidates, key=counts.__getitem__, reverse=True)
    if not ranked or (len(ranked) > 1 and counts[ranked[0]] == counts[ranked[1]]):
        return None
    return ranked[0]

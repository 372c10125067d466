"""Certificate numbers typed with one slip of the finger, and the real numbers meant.

A hand-typed number has one wrong, swapped, missing or extra character more often than
not. Its neighbours at edit distance one that still have the shape of a number (centre
letter, sequence, a real date, category; or a declaration's number/year/CBHQ-centre) are
looked up in one indexed query, the likeliest meant first (``slip_likelihood``). The search
puts them first (``search.pins``); the not-found page suggests them (``near_numbers``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Connection, bindparam, select

from registry.codes import canonical_certificate_no
from registry.driver_reads import DriverQuery
from registry.models import Certificate

_DIGITS, _LETTERS = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# what each position can hold: a certificate (centre, sequence, ddmmyy, category) and a
# declaration (number/year/CBHQ-centre), as registry.codes.CERTIFICATE_NO_RE says for the first
CERTIFICATE_SLOTS = ("ABC",) + (_DIGITS,) * 10 + (_LETTERS + _DIGITS,) * 6
DECLARATION_SLOTS = (_DIGITS,) * 4 + ("/",) + (_DIGITS,) * 4 + tuple("/CBHQ-") + (_LETTERS,) + (_DIGITS,) * 2
# every ddmmyy a certificate number can carry (its date of issue), to check candidates fast
REAL_DAYS = frozenset(f"{d:%d%m%y}" for d in (date(2000, 1, 1) + timedelta(days=n) for n in range(36525)))
_VALUES = bindparam("values", expanding=True)
# newest first: of several numbers one slip away, the recent certificate is likelier on a device in a shop
BY_NUMBERS = DriverQuery(select(Certificate.id, Certificate.certificate_no)
                         .where(Certificate.certificate_no.in_(_VALUES)).order_by(Certificate.issued_on.desc()))


def number_neighbours(number: str) -> set[str]:
    """Valid numbers one edit away from ``number`` (canonical form): edits are made only
    where the result can still have the shape of a number, position by position, instead of
    trying every character everywhere (eight times faster, the same set)."""
    if not 14 <= len(number) <= 20:
        return set()
    found = {c for c in _shaped_edits(number, CERTIFICATE_SLOTS) if c[5:11] in REAL_DAYS}
    found |= _shaped_edits(number, DECLARATION_SLOTS)
    found.discard(number)
    return found


def _shaped_edits(number: str, slots: tuple[str, ...]) -> set[str]:
    """The numbers one wrong, swapped, missing or extra character away from ``number`` whose
    every character is one its position allows (``slots``)."""
    n, size = len(number), len(slots)
    out: set[str] = set()
    if n == size:
        misfits = [i for i, (c, allowed) in enumerate(zip(number, slots, strict=False)) if c not in allowed]
        if len(misfits) <= 1:  # one wrong character: the misfit, or any position if none
            for i in misfits or range(n):
                out.update(number[:i] + c + number[i + 1:] for c in slots[i])
        for i in range(n - 1):  # two swapped: every misfit must be one of the pair
            if set(misfits) <= {i, i + 1} and number[i + 1] in slots[i] and number[i] in slots[i + 1]:
                out.add(number[:i] + number[i + 1] + number[i] + number[i + 2:])
    elif n == size - 1:  # one missing: insert where the rest fits on both sides
        head, tail = _fitting_heads(number, slots), _fitting_tails(number, slots[1:])
        for i in range(size):
            if head[i] and tail[i]:
                out.update(number[:i] + c + number[i:] for c in slots[i])
    elif n == size + 1:  # one too many: drop a character where the rest fits
        head, tail = _fitting_heads(number, slots), _fitting_tails(number[1:], slots)
        out.update(number[:i] + number[i + 1:] for i in range(n) if head[i] and tail[i])
    return out


def _fitting_heads(text: str, slots: tuple[str, ...]) -> list[bool]:
    """``[i]``: whether ``text[:i]`` fits ``slots[:i]``."""
    fits = [True]
    for c, allowed in zip(text, slots, strict=False):
        fits.append(fits[-1] and c in allowed)
    return fits + [False] * (len(text) + 2 - len(fits))


def _fitting_tails(text: str, slots: tuple[str, ...]) -> list[bool]:
    """``[i]``: whether ``text[i:]`` fits ``slots[i:]`` (the two aligned by position)."""
    fits = [False] * (len(text) + 2)
    fits[len(text)] = True
    for i in range(len(text) - 1, -1, -1):
        fits[i] = fits[i + 1] and i < len(slots) and text[i] in slots[i]
    return fits


def slip_likelihood(typed: str, meant: str) -> float:
    """How likely typing ``meant`` gives ``typed`` (one edit apart), up to a common factor.

    Fingers swap two neighbours or drop a character at any given place about as often as
    they hit a wrong key, but a wrong digit is one of ten: a swap or a drop is ten times
    likelier than one particular wrong digit, and a wrong letter is one of 26 (the centre
    letter A, B or C is less often the slip than a digit). A doubled character can be
    dropped two ways (``220721`` typed ``20721``), so it counts twice."""
    if len(meant) == len(typed) + 1:  # a character dropped
        return sum(meant[:i] + meant[i + 1:] == typed for i in range(len(meant)))
    if len(meant) == len(typed) - 1:  # a character added
        return sum(typed[:i] + typed[i + 1:] == meant for i in range(len(typed))) / 10
    diff = [i for i, (a, b) in enumerate(zip(typed, meant, strict=True)) if a != b]
    if len(diff) == 2 and diff[1] == diff[0] + 1 and typed[diff[0]] == meant[diff[1]]:
        return 1.0  # two neighbours swapped
    if len(diff) != 1:
        return 0.0
    return 0.1 if meant[diff[0]].isdigit() else 0.04


def by_numbers(connection: Connection, numbers: set[str]) -> list:
    """(id, certificate_no) of the real certificates among ``numbers``, newest first."""
    return BY_NUMBERS.all(connection, values=sorted(numbers)) if numbers else []


def likeliest_first(typed: str, rows: Iterable) -> list:
    """``rows`` of ``by_numbers`` (newest first), the likeliest meant first (stable: newest
    first among equals)."""
    return sorted(rows, key=lambda row: -slip_likelihood(typed, row.certificate_no))


def is_number_shaped_loosely(number: str) -> bool:
    """Close enough to a number to be worth the neighbours: right length, mostly digits."""
    return 14 <= len(number) <= 20 and sum(c.isdigit() for c in number) >= 8


NEAR_PREFIX = 11  # centre, sequence and date: numbers issued the same day by the same centre


def near_numbers(connection: Connection, typed: str, limit: int = 5) -> list[str]:
    """Numbers close to a mistyped one, closest first, for the not-found page: the numbers
    one slip away, then numbers sharing its head, all found through the unique index."""
    from difflib import SequenceMatcher

    wanted = canonical_certificate_no(typed)
    if len(wanted) < 6:
        return []
    slipped = by_numbers(connection, number_neighbours(wanted)) if is_number_shaped_loosely(wanted) else []
    ranked = [row.certificate_no for row in likeliest_first(wanted, slipped)]
    head = wanted[:NEAR_PREFIX]
    sharing_head = connection.execute(
        select(Certificate.certificate_no)
        .where(Certificate.certificate_no >= head, Certificate.certificate_no < head + "\x7f")
        .limit(50)).scalars().all()
    ranked += sorted(sharing_head, key=lambda n: -SequenceMatcher(None, wanted, n).ratio())
    return [n for n in dict.fromkeys(ranked) if SequenceMatcher(None, wanted, n).ratio() >= 0.8][:limit]

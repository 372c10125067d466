"""Exact and near matches of codes, looked up in the registry and shown before everything else.

Typo tolerance on codes finds other devices, so Meilisearch has none on them; the slips
people really make are handled here, deliberately and by structure:

- a certificate number with one wrong, swapped, missing or extra character: the real
  numbers one slip away, the likeliest meant first (``search.slips``);
- a model code misread from a worn label (O/0, I/1, S/5, B/8): every reading of the
  confusable characters is looked up, also in one indexed query;
- a model code typed compacted or re-spaced (``sma546e``, ``SM A546E``) by its key;
- a model code typed in part (``SM-A54``, ``SM-A546E/``): one certificate of each code that
  goes on from there (``SM-A546E``, ``SM-A546E/N``, ``SM-A546E/DS``, ...), shortest first,
  rather than a page of certificates of the one or two codes Meilisearch happens to rank
  first. The code typed so far, if it is one, keeps the first places, but with its three
  newest certificates only (its others follow the codes that go on), and with its newest
  only when the query ends in a separator: then it is surely still being typed. Exact
  matches still rank first; a code on many certificates no longer hides the ones being typed.
  A word typed in part (``Discover``) begins codes too, but those follow Meilisearch's own
  best few (``code_pins``, ``search.pinning``): it may be a whole word as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, select

from registry.codes import canonical_certificate_no, folded_words, model_key
from registry.devices import base_key, device_of
from registry.driver_reads import DriverQuery
from registry.models import Certificate, CertificateModel
from search.slips import by_numbers, is_number_shaped_loosely, likeliest_first, number_neighbours

CONFUSABLE = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B"}
MAX_CONFUSABLE = 8  # 2**8 readings at most
MAX_PINS = 10  # of each sort: codes and numbers named, and codes begun
UNFINISHED = "/-_.("  # a code that ends in one of these is still being typed
KEY_MAX = 120  # CertificateModel.model_key's length
VARIANT_CODES = 200  # codes read, at most, that go on from a code typed in part
OWN_FIRST = 3  # certificates of a code typed shown before the codes that go on from it
MISREAD_MAX = 16  # a query without a digit is read as a misread code up to this length
_VALUES = bindparam("values", expanding=True)
# leads the words a code-like word's certificate should carry when a miss only moves it after
# the search's best few: ``DIGNO Tab2 5G`` names the Kyocera DIGNO Tab2 5G, not the TAB2 of
# another brand, which is still shown, later
SOFT = "\x00soft"
# Run on the raw cursor (registry.driver_reads): a search's pins take two or three indexed
# lookups, and SQLAlchemy's execute() costs more than each of them.
BY_NUMBER_OR_MARK = DriverQuery(select(Certificate.id).where(
    (Certificate.certificate_no == bindparam("value")) | (Certificate.mark_code == bindparam("value"))))
BY_MODEL_KEYS = DriverQuery(
    select(CertificateModel.certificate_id, CertificateModel.model_key, CertificateModel.model_code, Certificate.brand,
           Certificate.product_name)
    .join(Certificate, Certificate.id == CertificateModel.certificate_id)
    .where(CertificateModel.model_key.in_(_VALUES))
    .order_by(Certificate.issued_on.desc())
)

# the codes that begin with a key, in key order, from the index on model_key alone
BEGUN_CODES = DriverQuery(
    select(CertificateModel.model_key).distinct()
    .where(CertificateModel.model_key.between(bindparam("low"), bindparam("high")))
    .order_by(CertificateModel.model_key)
    .limit(VARIANT_CODES + 1)  # one more: to know there are more
)


def readings(key: str) -> list[str]:
    """``key`` with its confusable characters read every possible way (itself first)."""
    spots = [i for i, c in enumerate(key) if c in CONFUSABLE][:MAX_CONFUSABLE]
    out = []
    for choice in product((False, True), repeat=len(spots)):
        chars = list(key)
        for flip, i in zip(choice, spots, strict=True):
            if flip:
                chars[i] = CONFUSABLE[chars[i]]
        out.append("".join(chars))
    return out


def code_keys(query: str) -> list[tuple[str, bool, tuple[str, ...]]]:
    """(model key, read confusables too, words the certificate must also carry) worth an
    exact lookup, most specific first: the whole query compacted (``sma546e``, ``SM A546E``,
    ``Lenovo TB-X606F``), or when it has no digit its readings with digits (``KS/VN``, a worn
    K5/VN); the query's ends, longest first (``dien thoai P13 Blue Max Pro 256 GB``), and runs
    of two to four words holding a digit (``Nobby S300`` among product words), if the words
    left out are found in the certificate's brand or product; single words that look like
    codes; then any other word, with the same condition (``điện thoại C5``, ``dien thoai
    Light``: a short model among product words, and not some other C5)."""
    words = query.split()
    keys: dict[str, tuple[bool, tuple[str, ...]]] = {}
    whole = model_key(query)
    if len(whole) <= 40 and any(c.isdigit() for c in whole) and (
            len(whole) >= 3 or any(c.isalpha() for c in whole)):  # short codes too: "C5", "X1"
        keys[whole] = (True, ())
    elif 3 <= len(whole) <= MISREAD_MAX:  # a code whose every digit was read as a letter:
        for reading in readings(whole)[1:]:  # "KS/VN" for K5/VN; "light" itself stays a word
            keys.setdefault(reading, (False, ()))
    for start in range(1, len(words) - 1):  # a model of many words after product words
        key = model_key("".join(words[start:]))
        if len(key) <= 40:  # "dien thoai SPC GEN": the words before it must fit the device
            keys.setdefault(key, (False, _folded(words[:start])))
    for size in (4, 3, 2):
        for start in range(len(words) - size + 1):
            key = model_key("".join(words[start:start + size]))
            if 4 <= len(key) <= 40 and any(c.isdigit() for c in key):  # "Nobby S300" among product
                # words; not the Cubot NOTE 9 for "redmi note 9 4g"
                keys.setdefault(key, (False, _folded(words[:start] + words[start + size:])))
    for i, word in enumerate(words):  # its other words are asked for too, but softly (``SOFT``)
        key = model_key(word)
        if len(key) >= 4 and any(c.isdigit() for c in key) and any(c.isalpha() for c in key):
            keys.setdefault(key, (True, (SOFT, *_folded(words[:i] + words[i + 1:]))))
    if len(words) > 1:
        for i, word in enumerate(words):
            key = model_key(word)
            if 2 <= len(key) <= 40 and not key.isdigit():
                keys.setdefault(key, (False, _folded(words[:i] + words[i + 1:])))
    return [(key, confusable, others) for key, (confusable, others) in keys.items()]


def _folded(words: list[str]) -> tuple[str, ...]:
    return tuple(folded_words(" ".join(words)).split())


def pinned_ids(connection: Connection, query: str) -> list[int]:
    """Certificate ids that the query names by code, best first (``code_pins``)."""
    return code_pins(connection, query)[0]


def begun_word_ids(connection: Connection, query: str) -> list[int]:
    """The newest certificate of each code that a query without a digit, and not a code
    itself, begins (``Discover`` for Discovery, ``TECNO KG`` for TECNO KG6P), shortest code
    first (``code_pins``)."""
    return code_pins(connection, query)[1]


class CodePins(NamedTuple):
    first: list[int]  # pinned_ids
    after: list[int]  # begun_word_ids
    begun: frozenset[int]  # those of the first that are codes going on from the query, not the query's own


def code_pins(connection: Connection, query: str) -> CodePins:
    """(``pinned_ids``, ``begun_word_ids``), the codes a query begins read once for both.

    The first: the number itself or its mark code, then for something shaped like a number
    the numbers one slip away; else the models by exact key, then by another reading of
    confusable characters, and the codes the query begins. The second: the codes a word
    begins, which are left out of the first because such a query is as often a whole word
    (``nokia``, ``MICRO``, the last part of a model); ``search.pinning`` shows them after
    Meilisearch's best few."""
    query = query.strip()
    if not query or len(query) > 120:
        return CodePins([], [], frozenset())
    number = canonical_certificate_no(query)
    found = [row.id for row in BY_NUMBER_OR_MARK.all(connection, value=number)]
    if is_number_shaped_loosely(number):  # a slip can make another real number: show both
        found += [row.id for row in likeliest_first(number, by_numbers(connection, number_neighbours(number)))]
    if found:
        return CodePins(list(dict.fromkeys(found))[:MAX_PINS], [], frozenset())
    newest: dict[str, Newest] = {}  # the newest certificate of each key read, for the codes begun
    named, unfitting = _named_ids(connection, code_keys(query), newest)
    begun: list[int] = []
    words: list[int] = []
    typed: set[int] = set()  # the newest certificate of a code that is the key itself (TRENDY)
    for key in begun_keys(query):
        ids, by_word = variant_ids(connection, key, newest)
        (words if by_word else begun).extend(ids)
        typed |= {newest[key].id} if key in newest else set()
    begun, words = list(dict.fromkeys(begun)), list(dict.fromkeys(words))
    # the codes the query names first, but a few of each code's certificates only, then the
    # codes that go on from it: a page of TL-WR702's twelve certificates would hide the
    # TL-WR702N being typed. When the query ends in a separator (SM-A546E/), it is surely
    # still being typed: the codes that go on come first.
    own = 1 if query[-1] in UNFINISHED else OWN_FIRST
    first = list(dict.fromkeys(named[:own] + begun[:MAX_PINS] + named))
    return CodePins(first, list(dict.fromkeys(unfitting + words)), frozenset(begun[:MAX_PINS]) - set(named) - typed)


def _named_ids(connection: Connection, keys: list[tuple[str, bool, tuple[str, ...]]],
               newest: dict[str, Newest]) -> tuple[list[int], list[int]]:
    """The certificates of ``keys`` (``code_keys``) that carry the words each key needs, in
    the keys' order, newest first within a key; ``MAX_PINS`` at most; and apart, those of a
    key whose words are asked softly (``SOFT``) that miss them. The first key, with its
    readings, is looked up alone, and the others only if it names fewer: ``Casper 2K Smart
    TV`` would otherwise read the thousand certificates of 2K SMART TV to keep none of them.
    Notes the newest certificate of each key read in ``newest``."""
    rank: dict[str, tuple[int, int]] = {}
    needs: dict[str, tuple[str, ...]] = {}
    for position, (key, confusable, others) in enumerate(keys):
        rank[key], needs[key] = (position, 0), others
        for variant in readings(key)[1:] if confusable else ():
            rank.setdefault(variant, (position, 1))
    found: dict[int, None] = {}
    unfitting: dict[int, None] = {}
    for group in ([k for k, r in rank.items() if r[0] == 0], [k for k, r in rank.items() if r[0] > 0]):
        if not group or len(found) >= MAX_PINS:
            break
        rows = BY_MODEL_KEYS.all(connection, values=group)  # newest first
        _note_newest(rows, newest)
        for row in sorted(rows, key=lambda row: rank[row.model_key]):  # stable: newest first within a key
            if row.certificate_id in found:
                continue
            wanted = needs.get(row.model_key, ())
            soft = wanted[:1] == (SOFT,)
            if _carries(row, wanted[1:] if soft else wanted):
                found[row.certificate_id] = None
                unfitting.pop(row.certificate_id, None)
                if len(found) == MAX_PINS:
                    break
            elif soft and len(unfitting) < MAX_PINS:
                unfitting[row.certificate_id] = None
    return list(found), [cid for cid in unfitting if cid not in found]


def begun_keys(query: str) -> list[str]:
    """Keys of codes the query may be the beginning of: the whole query (``SM-A54``, ``HONOR
    H30-L01/``, ``FLOW``), and the last word of one that ends in a separator (``samsung
    SM-A546E/``). Only keys with a letter: a bare number (``2210``) is more often the end of
    a code than the beginning of one."""
    keys = [model_key(query)]
    words = query.split()
    if query[-1] in UNFINISHED and len(words) > 1:
        keys.append(model_key(words[-1]))
    return [key for key in dict.fromkeys(keys) if 4 <= len(key) <= 40 and any(c.isalpha() for c in key)]


def variant_ids(connection: Connection, key: str, newest: dict[str, Newest] | None = None) -> tuple[list[int], bool]:
    """The newest certificate of each device whose model code begins with ``key``, by its
    shortest such code (``SM-A54``: SM-A546E, not SM-A546E/DS and SM-A546E/EEA as well; but
    ``SM-A546E`` goes on to each of its regional variants); none when more than
    ``VARIANT_CODES`` codes begin with ``key`` (its shortest codes are not known: that is left
    to Meilisearch). And whether ``key`` is a
    word rather than a code: it has no digit and is not a code itself (``nokia``,
    ``Discover``; but ``FLOW``, when FLOW is a model, goes on to ``FLOW7`` and ``FLOW11`` as a
    code does).

    The range is ``key`` to ``key`` followed by Z's: keys hold only A-Z and 0-9, so it is
    exactly the keys that begin with ``key``, in any collation that orders those characters
    as ASCII does, and it is read from the index on model_key alone. ``newest`` holds the
    newest certificate of keys already read (and gets those read here)."""
    codes = [row.model_key for row in BEGUN_CODES.all(connection, low=key, high=key + "Z" * (KEY_MAX - len(key)))]
    if len(codes) > VARIANT_CODES or not codes:
        return [], False
    shortest = sorted(codes, key=lambda code: (len(code), code))[:MAX_PINS * 3]  # a device's variants among them
    newest = {} if newest is None else newest
    unread = [code for code in shortest if code not in newest]
    if unread:
        _note_newest(BY_MODEL_KEYS.all(connection, values=unread), newest)
    devices: dict[str, int] = {}
    for code in shortest:
        if code in newest:  # a device by its shortest code while the key is shorter than the
            # device's code; from there on each regional variant: SM-A546E/ is typing one of them
            found = newest[code]
            devices.setdefault(found.device if len(key) < len(found.base) else code, found.id)
    return list(devices.values())[:MAX_PINS], codes[0] != key and not any(c.isdigit() for c in key)


@dataclass(frozen=True)
class Newest:
    """A code's newest certificate, the code's key without its regional suffix, and the device
    they name (``registry.devices.device_of``)."""

    id: int
    base: str
    device: str

    @classmethod
    def of(cls, row) -> Newest:
        base = base_key(row.model_code)
        return cls(row.certificate_id, base, device_of(row.brand, base))


def _note_newest(rows, newest: dict[str, Newest]) -> None:
    """Note the newest certificate of each key in ``rows`` (newest first) not noted yet: at 1M
    a key can have hundreds of rows, and working out a ``Newest`` for each cost more than the
    lookup."""
    for row in rows:
        if row.model_key not in newest:
            newest[row.model_key] = Newest.of(row)


def _carries(row, words: tuple[str, ...]) -> bool:
    if not words:
        return True
    text, joined = _device_words(row.brand, row.product_name)
    return all(f" {word} " in text or (len(word) >= 4 and word in joined) for word in words)


@lru_cache(maxsize=8192)
def _device_words(brand: str, product_name: str) -> tuple[str, str]:
    """A device's brand and product name folded, spaced and joined ("wifi" is typed for
    "Wi-Fi"). Cached: many certificates share them, and a query can check a thousand."""
    text = f" {folded_words(f'{brand} {product_name}')} "
    return text, text.replace(" ", "")



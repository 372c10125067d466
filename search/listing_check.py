"""A marketplace listing checked against the registry: is the code the seller typed a real,
valid certificate for the device listed?

The code is read the ways search forgives (``search.pins``, ``search.slips``): a certificate
number, a conformity mark code, a number with one slip, a model code compacted or misread
(O/0, I/1, S/5, B/8). Of what it names, the certificate that best fits the listing's model
and brand is checked. A number that names a real certificate of another device, while one
slip away is a certificate that fits, was meant as that one (``number_slipped``).

Every listing costs no query of its own: 500 are read in five or six indexed lookups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import ARRAY, Connection, Integer, String, any_, bindparam, cast, or_, select

from registry.codes import canonical_certificate_no, model_key
from registry.listing_checks import brand_key
from registry.models import Certificate, CertificateModel
from registry.status import effective_status
from search.brand_typos import one_slip
from search.pins import readings
from search.slips import is_number_shaped_loosely, likeliest_first, number_neighbours

OK, MISMATCH, NOT_VALID, NOT_FOUND = "ok", "mismatch", "not_valid", "not_found"
VERDICTS = (OK, MISMATCH, NOT_VALID, NOT_FOUND)
# reasons that make a listing a mismatch; the status ones make it not_valid; the rest inform
MISMATCHES = ("model_not_on_certificate", "brand_differs", "number_slipped")
INFORMING = ("matched_by_mark_code", "matched_by_model", "model_read_loosely", "model_unchecked")
REASONS = MISMATCHES + ("suspended", "revoked", "expired", "withdrawn") + INFORMING
_VALUES = bindparam("values", expanding=True)
CHUNK = 5000  # values in one IN (...)
HEAD = 11  # a certificate number's centre, sequence and date: what its category suffix follows
MAX_READINGS = 16  # readings of a code's misread characters tried (4 of them at most, each both ways)
MAX_PER_KEY = 50  # certificates of one model code weighed, the latest imported first (a few codes name hundreds)
COLUMNS = (Certificate.id, Certificate.certificate_no, Certificate.brand, Certificate.admin_status,
           Certificate.expires_on, Certificate.issued_on, Certificate.mark_code, Certificate.product_name)


@dataclass(frozen=True)
class Listing:
    listing_id: str
    shop_id: str
    code: str = ""
    title: str = ""
    brand: str = ""
    model: str = ""


class Lookups:
    """Everything the listings' codes can name, read at once: first what they name exactly
    (numbers, mark codes, model keys and their readings), then the numbers one slip away from
    those that named nothing, or named a certificate the listing does not fit."""

    def __init__(self, connection: Connection, listings: list[Listing]) -> None:
        self.connection = connection
        self.by_number: dict[str, int] = {}
        self.by_mark: dict[str, list[int]] = {}
        self.by_key: dict[str, list[int]] = {}
        self.rows: dict[int, Any] = {}
        self.models: dict[int, list[str]] = {}
        self.neighbours: dict[str, set[str]] = {}
        self._keys: dict[int, frozenset[str]] = {}
        numbers = {canonical_certificate_no(item.code) for item in listings if item.code.strip()}
        for row in self._certificates(self._any(Certificate.certificate_no) | self._any(Certificate.mark_code),
                                      numbers):
            if row.certificate_no in numbers:
                self.by_number[row.certificate_no] = row.id
            if row.mark_code in numbers:
                self.by_mark.setdefault(row.mark_code, []).append(row.id)
        keys = set()  # model codes, for the listings whose code is neither a number nor a mark code
        for item in listings:
            number = canonical_certificate_no(item.code) if item.code.strip() else ""
            if number not in self.by_number and number not in self.by_mark:
                keys |= {key for key in (model_key(item.code), model_key(item.model)) if len(key) >= 3}
        self._by_keys(keys)  # as typed first; misread characters read otherwise only for what found nothing
        self._by_keys({reading for key in keys - self.by_key.keys() for reading in readings(key)[1:MAX_READINGS]})
        self._load(set(self.by_number.values()) | {i for v in self.by_mark.values() for i in v}
                   | {i for v in self.by_key.values() for i in v})
        slipped = set()
        for item in listings:
            number = canonical_certificate_no(item.code) if item.code.strip() else ""
            if not is_number_shaped_loosely(number) or number in self.by_mark:
                continue
            # a number of a real certificate is worth its neighbours only when the listing's model
            # is not on it (a brand spelled otherwise is the same device, not another number)
            if number not in self.by_number or "model_not_on_certificate" in _problems(
                    self, self.by_number[number], item):
                slipped.add(number)
        self.neighbours = {n: number_neighbours(n) for n in slipped}
        new = self._real_neighbours()
        self.by_number.update(new)
        self._load(set(new.values()))

    def _real_neighbours(self) -> dict[str, int]:
        """The real numbers among the neighbours. Most neighbours differ in the last six
        characters (the category): those of a number are read by one range of the unique index
        on its first eleven, the few others one by one: hundreds of lookups a number become
        dozens."""
        exact, heads = set(), {}
        for number, near in self.neighbours.items():
            head = number[:HEAD]
            for candidate in near:
                if candidate.startswith(head):
                    heads.setdefault(head, set()).add(candidate)
                else:
                    exact.add(candidate)
        found = {row.certificate_no: row.id for row in self._certificates(self._any(Certificate.certificate_no), exact)}
        listed = sorted(heads)
        for start in range(0, len(listed), 100):
            # up to the head and eight Zs: the last of its continuations under a byte order (SQLite)
            # and a language's order alike (PostgreSQL's collation sets punctuation aside at first)
            ranges = [Certificate.certificate_no.between(head, head + "Z" * 8) for head in listed[start:start + 100]]
            for number, cid in self.connection.execute(select(Certificate.certificate_no, Certificate.id)
                                                       .where(or_(*ranges))):
                if number in heads.get(number[:HEAD], ()):
                    found[number] = cid
        return found

    def keys_of(self, cid: int) -> frozenset[str]:
        """The certificate's model keys, with each model's base before a region's suffix."""
        keys = self._keys.get(cid)
        if keys is None:
            codes = self.models.get(cid, [])
            keys = self._keys[cid] = frozenset(
                [model_key(code) for code in codes] + [model_key(re.split(r"[/(]", code, maxsplit=1)[0])
                                                       for code in codes])
        return keys

    def _by_keys(self, keys: set[str]) -> None:
        for chunk in _chunks(keys):
            for cid, key in self.connection.execute(
                    select(CertificateModel.certificate_id, CertificateModel.model_key)
                    .where(self._any(CertificateModel.model_key))
                    .order_by(CertificateModel.certificate_id.desc()), {"values": chunk}):
                if len(self.by_key.setdefault(key, [])) < MAX_PER_KEY:
                    self.by_key[key].append(cid)

    def _load(self, ids: set[int]) -> None:
        ids = ids - self.rows.keys()
        self.rows.update({row.id: row for row in self._certificates(self._any(Certificate.id, Integer), ids)})
        for chunk in _chunks(ids):
            for cid, code in self.connection.execute(
                    select(CertificateModel.certificate_id, CertificateModel.model_code)
                    .where(self._any(CertificateModel.certificate_id, Integer)).order_by(CertificateModel.position),
                    {"values": chunk}):
                self.models.setdefault(cid, []).append(code)

    def _certificates(self, condition, values: set) -> list[Any]:
        return [row for chunk in _chunks(values)
                for row in self.connection.execute(select(*COLUMNS).where(condition), {"values": chunk})]

    def _any(self, column, element=String):
        """``column IN (values)``: on PostgreSQL one array parameter (``= ANY``) of ``element``,
        which psycopg sends as it is, where thousands of separate parameters cost more to
        prepare than to run."""
        if self.connection.dialect.name == "postgresql":
            return column == any_(cast(bindparam("values"), ARRAY(element)))
        return column.in_(_VALUES)


def _chunks(values: set, size: int = CHUNK) -> list[list]:
    """Sorted, in lists short enough for one statement's parameters (PostgreSQL takes 65,535)."""
    ordered = sorted(values)
    return [ordered[start:start + size] for start in range(0, len(ordered), size)]


def check_listings(connection: Connection, listings: list[Listing], public_url: str,
                   on: date | None = None) -> list[dict[str, Any]]:
    """One answer per listing, in the order given: its verdict, its reasons and the certificate
    it was checked against (with the number meant, when it was typed with a slip)."""
    found = Lookups(connection, listings)
    return [_check(found, item, public_url, on) for item in listings]


def _check(found: Lookups, item: Listing, public_url: str, on: date | None) -> dict[str, Any]:
    how, candidates, slipped = _named(found, item)
    if not candidates:
        return {"listing_id": item.listing_id, "verdict": NOT_FOUND, "reasons": [], "matched_by": None,
                "certificate": None}
    best = max(candidates, key=lambda cid: _fit(found, cid, item))
    row = found.rows[best]
    status = effective_status(row.admin_status, row.expires_on, on).code
    reasons = (["number_slipped"] if slipped else []) + _problems(found, best, item)
    if how in ("mark_code", "model"):
        reasons.append(f"matched_by_{how}")
    if item.model.strip() and "model_not_on_certificate" not in reasons and not _on_certificate(
            found, best, model_key(item.model), loosely=False):
        reasons.append("model_read_loosely")
    if not item.model.strip() and not _in_title(found, best, item.title):
        reasons.append("model_unchecked")
    if status != "valid":
        verdict = NOT_VALID
        reasons.insert(0, status)
    else:
        verdict = MISMATCH if any(r in MISMATCHES for r in reasons) else OK
    answer = {"listing_id": item.listing_id, "verdict": verdict, "reasons": reasons, "matched_by": how,
              "certificate": {"certificate_no": row.certificate_no, "status": status, "brand": row.brand,
                              "models": found.models.get(best, []), "product_name": row.product_name,
                              "url": f"{public_url}/v/{row.certificate_no}"}}
    if slipped:
        answer["meant"] = row.certificate_no
    return answer


def _named(found: Lookups, item: Listing) -> tuple[str | None, list[int], bool]:
    """(how the code names certificates, which, whether it was a slip): the number itself,
    unless it is another device's and one slip away is this one's; a mark code; the real
    numbers one slip away; a model code (as typed, or read loosely); with no code, the
    listing's model."""
    number = canonical_certificate_no(item.code) if item.code.strip() else ""
    if number in found.by_number:
        cid = found.by_number[number]
        if _problems(found, cid, item) and (near := _fitting_neighbour(found, number, item)):
            return "certificate_no", [near], True
        return "certificate_no", [cid], False
    if number in found.by_mark:
        return "mark_code", found.by_mark[number], False
    if near_numbers := _likeliest(found, number):
        fitting = _fitting_neighbour(found, number, item)
        return "certificate_no", [fitting or found.by_number[near_numbers[0]]], True
    for text in (item.code, item.model):
        key = model_key(text)
        if len(key) >= 3 and (ids := [cid for r in readings(key) for cid in found.by_key.get(r, [])]):
            return "model", list(dict.fromkeys(ids)), False
    return None, [], False


def _likeliest(found: Lookups, number: str) -> list[str]:
    rows = [_Numbered(n) for n in found.neighbours.get(number, ()) if n in found.by_number]
    return [row.certificate_no for row in likeliest_first(number, rows)]


@dataclass(frozen=True)
class _Numbered:
    certificate_no: str


def _fitting_neighbour(found: Lookups, number: str, item: Listing) -> int | None:
    for near in _likeliest(found, number):
        cid = found.by_number[near]
        if cid in found.rows and not _problems(found, cid, item):
            return cid
    return None


def _problems(found: Lookups, cid: int, item: Listing) -> list[str]:
    """What in the listing disagrees with the certificate: the model, the brand."""
    problems = []
    if item.model.strip() and not _on_certificate(found, cid, model_key(item.model), loosely=True):
        problems.append("model_not_on_certificate")
    if item.brand.strip() and not same_brand(item.brand, found.rows[cid].brand):
        problems.append("brand_differs")
    return problems


def _on_certificate(found: Lookups, cid: int, key: str, loosely: bool) -> bool:
    """Whether the certificate covers the model: by its key (``SM A546E`` is ``SM-A546E``), or
    its base before a region's suffix (``SM-A546E`` for ``SM-A546E/DS``); loosely, also by
    a reading of its confusable characters."""
    if not key:
        return False
    keys = found.keys_of(cid)
    return key in keys or (loosely and not keys.isdisjoint(_readings(key)))


@lru_cache(maxsize=4096)
def _readings(key: str) -> frozenset[str]:
    return frozenset(readings(key)[:MAX_READINGS])


def _in_title(found: Lookups, cid: int, title: str) -> bool:
    compact = model_key(title)
    return any(len(key) >= 4 and key in compact for key in found.keys_of(cid))


def _fit(found: Lookups, cid: int, item: Listing) -> tuple:
    row = found.rows[cid]
    return (not _problems(found, cid, item), effective_status(row.admin_status, row.expires_on).code == "valid",
            row.issued_on)


def same_brand(typed: str, registered: str) -> bool:
    """The brand a seller typed names the certificate's: the same letters whatever the case,
    diacritics or spacing, one inside the other (``Samsung``, ``SAMSUNG ELECTRONICS``), or one
    slip away (``Smasung``)."""
    a, b = brand_key(typed), brand_key(registered)
    if not a or not b:
        return True
    return a == b or (min(len(a), len(b)) >= 3 and (a in b or b in a)) or (len(a) >= 4 and one_slip(a, b))

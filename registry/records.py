"""The registry's view of one certificate as a flat record, for diffs, history and hashing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import orjson

from registry.catalogue import HASHED

# Fields compared between imports, in the order history and exports show them.
RECORD_FIELDS = tuple(field.name for field in HASHED)
_DAYS = frozenset(field.name for field in HASHED if field.parser == "date")
_OMITTED_WHEN_EMPTY = frozenset(field.name for field in HASHED if not field.hashed_when_empty)


@dataclass(frozen=True)
class CertificateData:
    """A clean, validated certificate as it should stand in the registry."""

    certificate_no: str
    kind: str
    product_name: str
    brand: str
    models: tuple[str, ...]
    holder_name: str
    regulations: tuple[str, ...]
    issued_on: date
    source: str = ""
    manufacturer: str | None = None
    origin: str | None = None
    holder_tax_code: str | None = None
    method: int | None = None
    lot_ref: str | None = None
    certification_body: str | None = None
    expires_on: date | None = None
    admin_status: str = "valid"
    mark_code: str | None = None
    note: str | None = None
    technologies: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    # carried along, never compared or stored: e.g. a search document prepared by the reader
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready values of the compared fields (a fresh dict each call)."""
        return dict(self._snapshot)

    @cached_property
    def _snapshot(self) -> dict[str, Any]:
        values = {}
        for name in RECORD_FIELDS:
            value = getattr(self, name)
            if value.__class__ is tuple:
                value = list(value)
            elif name in _DAYS and value is not None:
                value = value.isoformat()
            if value or name not in _OMITTED_WHEN_EMPTY:
                values[name] = value
        return values

    @cached_property
    def _hash(self) -> str:
        return snapshot_hash(self._snapshot)

    def content_hash(self) -> str:
        return self._hash

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the snapshot: cheaper to rebuild than to send to another process."""
        state = dict(self.__dict__)
        state.pop("_snapshot", None)
        return state


CREATED_CHANGES = "created_changes"  # the key of a prepared history entry in ``extra``
FINGERPRINT = "fingerprint"  # the key of the feed row's fingerprint in ``extra``
ROW = "row"  # the key of the feed row's number in ``extra``, for problems found when it is applied
DOCUMENT = "document"  # the key of a search document prepared while the feed was read (search.spool)
DocumentMaker = Callable[["CertificateData"], bytes]  # a record's document, with "id":0 first


class EncodedJSON(str):
    """JSON text already encoded (by a reader process); the database layer stores it as is."""


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    """sha256 of the compact, key-sorted UTF-8 JSON of a snapshot."""
    return hashlib.sha256(orjson.dumps(snapshot, option=orjson.OPT_SORT_KEYS)).hexdigest()


def created_changes(record: CertificateData) -> dict[str, list[Any]] | EncodedJSON:
    """The history of a new record: every set field, from nothing (prepared by a reader
    process for big imports, see ``importer.prepare``)."""
    prepared = record.extra.pop(CREATED_CHANGES, None)
    return prepared if prepared is not None else diff_snapshots(None, record.snapshot())


def diff_snapshots(
    before: dict[str, Any] | None, after: dict[str, Any]
) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field that differs (all set fields when new)."""
    if before is None:
        return {k: [None, v] for k, v in after.items() if v not in (None, [], "")}
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}

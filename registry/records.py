"""The registry's view of one certificate as a flat record, for diffs, history and hashing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

# Fields compared between imports, in the order history and exports show them.
RECORD_FIELDS = (
    "kind",
    "product_name",
    "brand",
    "models",
    "manufacturer",
    "origin",
    "holder_name",
    "holder_tax_code",
    "regulations",
    "method",
    "lot_ref",
    "certification_body",
    "issued_on",
    "expires_on",
    "admin_status",
    "mark_code",
    "note",
    "source",
)


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
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready values of the compared fields (a fresh dict each call)."""
        return {name: _jsonable(getattr(self, name)) for name in RECORD_FIELDS}

    @cached_property
    def _hash(self) -> str:
        return snapshot_hash(self.snapshot())

    def content_hash(self) -> str:
        return self._hash


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    payload = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def diff_snapshots(
    before: dict[str, Any] | None, after: dict[str, Any]
) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field that differs (all set fields when new)."""
    if before is None:
        return {k: [None, v] for k, v in after.items() if v not in (None, [], "")}
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value

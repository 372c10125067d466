"""The search document: one per certificate, carrying every model code and its variants."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import orjson

from registry.codes import model_key
from registry.records import CertificateData
from search.categories import category_of
from search.trade_names import trade_name

NO_EXPIRY = 99991231
REGIONAL_SUFFIX = re.compile(r"[/(]")  # compiled once: a million documents use them
PART_BREAKS = re.compile(r"[\s\-_.]+")


def day_number(day: date | None) -> int:
    """``2027-03-14`` → ``20270314``: filterable, sortable and readable."""
    return NO_EXPIRY if day is None else day.year * 10000 + day.month * 100 + day.day


def model_variants(code: str) -> tuple[str, ...]:
    """Compacted forms people type for a code: whole, without the regional suffix, the tail.

    ``SM-A546E/DS`` → ``SMA546EDS``, ``SMA546E``, ``A546EDS``, ``A546E``.
    """
    variants = [model_key(code)]
    base = REGIONAL_SUFFIX.split(code, maxsplit=1)[0]
    variants.append(model_key(base))
    for piece in (code, base):
        parts = [p for p in PART_BREAKS.split(piece) if p]
        if len(parts) > 1:
            variants.append(model_key("".join(parts[1:])))
    return tuple(v for v in dict.fromkeys(variants) if v)


def base_key(code: str) -> str:
    """A model code's key without its regional suffix: ``SM-A546E/DS`` → ``SMA546E``."""
    return model_key(REGIONAL_SUFFIX.split(code, maxsplit=1)[0])


def device_of(brand: str, base: str) -> str:
    """The device a brand and a base key (``base_key``) name: ``samsung|SMA546E``."""
    return f"{' '.join(brand.lower().split())}|{base}"


def device_key(record: CertificateData) -> str:
    """One device's certificates share it: the brand and the first model without its regional
    suffix (``SM-A546E/DS`` and ``SM-A546E/EEA`` are one Samsung SM-A546E)."""
    return device_of(record.brand, (base_key(record.models[0]) if record.models else "") or record.certificate_no)


def to_document(certificate_id: int, record: CertificateData) -> dict[str, Any]:
    keys: list[str] = []
    for code in record.models:
        keys.extend(model_variants(code))
    return {
        "id": certificate_id,
        "certificate_no": record.certificate_no,
        "number_key": model_key(record.certificate_no),  # 2312/2026/CBHQ-B70 → 23122026CBHQB70
        "kind": record.kind,
        "product_name": record.product_name,
        "trade_name": trade_name(record.product_name, record.brand),
        "category": category_of(record.product_name),
        "brand": record.brand,
        "models": list(record.models),
        "model_keys": list(dict.fromkeys(keys)),
        "holder_name": record.holder_name,
        "holder_tax_code": record.holder_tax_code,
        "mark_code": record.mark_code,
        "regulations": list(record.regulations),
        "technologies": list(record.technologies),
        "bands": list(record.bands),
        "admin_status": record.admin_status,
        "issued_on": record.issued_on.isoformat(),
        "expires_on": record.expires_on.isoformat() if record.expires_on else None,
        "issued_year": record.issued_on.year,
        "issued_day": day_number(record.issued_on),
        "expires_day": day_number(record.expires_on),
        "source": record.source,
        "device_key": device_key(record),
    }


def document_line(record: CertificateData) -> bytes:
    """The record's document as JSON with ``"id":0`` first, for ``search.spool``."""
    return orjson.dumps(to_document(0, record))

"""Devices: the certificates of one device share a key, stored with each certificate.

A device is a brand and a model code without its regional suffix: ``SM-A546E/DS`` and
``SM-A546E/EEA`` are one Samsung SM-A546E. Search groups its hits by this key, and every hit
says how many certificates its device has: on SQLite counted here, by an indexed lookup, where
asking Meilisearch took a second round trip after the page (``search.device_counts``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, func, select, text

from registry.codes import model_key
from registry.driver_reads import DriverQuery
from registry.models import Certificate
from registry.records import CertificateData

REGIONAL_SUFFIX = re.compile(r"[/(]")  # compiled once: a million documents use them
FILL_CHUNK = 20_000
COUNTS = DriverQuery(
    select(Certificate.device_key, func.count().label("certificates"))
    .where(Certificate.device_key.in_(bindparam("keys", expanding=True)))
    .group_by(Certificate.device_key)
)


def base_key(code: str) -> str:
    """A model code's key without its regional suffix: ``SM-A546E/DS`` → ``SMA546E``."""
    return model_key(REGIONAL_SUFFIX.split(code, maxsplit=1)[0])


def device_of(brand: str, base: str) -> str:
    """The device a brand and a base key (``base_key``) name: ``samsung|SMA546E``."""
    return f"{' '.join(brand.lower().split())}|{base}"


def device_key_of(brand: str, first_model: str | None, certificate_no: str) -> str:
    """The key of a certificate's device: its brand and first model without the regional
    suffix; a certificate with no model code is a device of its own (its number)."""
    return device_of(brand, (base_key(first_model) if first_model else "") or certificate_no)


def device_key(record: CertificateData) -> str:
    """``device_key_of`` a record."""
    return device_key_of(record.brand, record.models[0] if record.models else None, record.certificate_no)


def certificates_of(connection: Connection, keys: Sequence[str]) -> dict[str, int]:
    """How many certificates each device of ``keys`` has (a device the registry does not
    know is left out)."""
    if not keys:
        return {}
    return {row.device_key: row.certificates for row in COUNTS.all(connection, keys=list(keys))}


def fill_missing_keys(connection: Connection) -> int:
    """Store the key of every certificate stored without one (an empty key; a key always
    holds "|"): all of them when migration 0011 adds the column, and after each import those
    a worker of the version before wrote while a deploy went from one to the other. Plain
    SQL: the migration runs it against the schema of its day. Returns how many."""
    read = text("SELECT c.id, c.brand, c.certificate_no, m.model_code FROM certificate c "
                "LEFT JOIN certificatemodel m ON m.certificate_id = c.id AND m.position = 0 "
                "WHERE c.device_key = '' AND c.id > :after ORDER BY c.id LIMIT :size")
    write = text("UPDATE certificate SET device_key = :key WHERE id = :id")
    after = filled = 0
    while rows := connection.execute(read, {"after": after, "size": FILL_CHUNK}).all():
        connection.execute(write, [{"id": row.id, "key": device_key_of(row.brand, row.model_code, row.certificate_no)}
                                   for row in rows])
        after, filled = rows[-1].id, filled + len(rows)
    return filled

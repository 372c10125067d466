"""SQLModel tables of the registry.

Certificates are never deleted: a record leaving its source becomes ``withdrawn`` and every
change is an append-only ``CertificateEvent``. The search index is derived from these tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.clock import utcnow


class Organisation(SQLModel, table=True):
    """A holder of certificates, identified by tax code when it has one, else by name."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=500)
    tax_code: str | None = Field(default=None, max_length=14, index=True)
    identity: str = Field(max_length=520, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class Regulation(SQLModel, table=True):
    """A technical regulation, ``QCVN <number>:<year>/<issuer>``."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    number: str = Field(max_length=20)
    year: int
    issuer: str = Field(max_length=30)


class CertificateRegulation(SQLModel, table=True):
    certificate_id: int = Field(foreign_key="certificate.id", primary_key=True)
    regulation_id: int = Field(foreign_key="regulation.id", primary_key=True, index=True)


class Certificate(SQLModel, table=True):
    """A certificate of conformity (GCN) or a declaration of conformity (CBHQ)."""

    id: int | None = Field(default=None, primary_key=True)
    certificate_no: str = Field(max_length=60, unique=True)
    kind: str = Field(max_length=12)
    product_name: str = Field(max_length=500)
    brand: str = Field(max_length=200)
    manufacturer: str | None = Field(default=None, max_length=300)
    origin: str | None = Field(default=None, max_length=100)
    method: int | None = None
    lot_ref: str | None = Field(default=None, max_length=100)
    certification_body: str | None = Field(default=None, max_length=300)
    issued_on: date
    expires_on: date | None = None
    admin_status: str = Field(default="valid", max_length=12)
    mark_code: str | None = Field(default=None, max_length=60, index=True)
    note: str | None = None
    technologies: str | None = Field(default=None, max_length=1000)  # "; "-joined (registry.catalogue)
    bands: str | None = Field(default=None, max_length=2000)
    source: str = Field(max_length=100, index=True)
    holder_id: int = Field(foreign_key="organisation.id", index=True)
    holder_name: str = Field(max_length=500)  # as the feed wrote it; the organisation keeps the latest
    # the device it is for (registry.devices): its certificates are counted by it
    device_key: str = Field(default="", max_length=330, index=True)
    content_hash: str = Field(max_length=64)  # of the record as its feed last gave it
    decision_id: int | None = None  # the StatusDecision standing over the feed's status, if any
    # the feed row it came from, as read (see importer.fingerprints): an identical row next
    # time needs no validation at all
    row_fingerprint: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class CertificateModel(SQLModel, table=True):
    """One model code covered by a certificate; ``model_key`` is its compacted form."""

    __table_args__ = (UniqueConstraint("certificate_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    certificate_id: int = Field(foreign_key="certificate.id")
    position: int
    model_code: str = Field(max_length=120)
    model_key: str = Field(max_length=120, index=True)


class ImportRun(SQLModel, table=True):
    """One run of the importer: what file, from which source, and what it changed."""

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100, index=True)
    file_name: str = Field(max_length=500)
    sha256: str = Field(max_length=64, index=True)
    mode: str = Field(max_length=8)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    rows: int = 0
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class CertificateEvent(SQLModel, table=True):
    """Append-only history: what changed on a certificate, before and after, and who did it."""

    __table_args__ = (Index("ix_certificateevent_cert_at", "certificate_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    certificate_id: int = Field(foreign_key="certificate.id")
    at: datetime = Field(default_factory=utcnow)
    action: str = Field(max_length=20)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    import_run_id: int | None = Field(default=None, foreign_key="importrun.id")
    actor: str | None = Field(default=None, max_length=200)
    note: str | None = None


class SearchOutbox(SQLModel, table=True):
    """Certificates whose search document is stale; written in the same transaction as the change."""

    certificate_id: int = Field(primary_key=True, foreign_key="certificate.id")
    version: int = 1
    enqueued_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0


class FeedLocation(SQLModel, table=True):
    """A feed URL that ``hopquy sync`` fetches, with the validators of its last good import."""

    url: str = Field(primary_key=True, max_length=2000)
    source: str = Field(max_length=100)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    checked_at: datetime = Field(default_factory=utcnow)

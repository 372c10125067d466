"""Tables of the marketplaces that plug into the registry: what they watch, the events owed
to them, what they checked, and how much they asked.

A partner is an ``ApiToken`` of role ``partner``. Its webhook events start in
``WebhookOutbox``, which a database trigger fills in the same transaction as every
``CertificateEvent`` (so that no writer, present or future, can change a certificate and
forget the partners; see migration 0010), then fan out to one ``WebhookDelivery`` per
endpoint that watches the certificate (``registry.webhooks``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from registry.clock import utcnow


class WebhookEndpoint(SQLModel, table=True):
    """A partner's receiver and what it watches: certificate numbers, holders' tax codes, or
    everything. While it fails, ``attempts`` and ``next_attempt_at`` hold its backoff; after a
    day of failures its queue goes to the dead letter and it is ``disabled_at`` until replayed."""

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="apitoken.id", index=True)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=100)  # whsec_...: needed to sign, so kept as it is
    watch_all: bool = False
    certificates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    holders: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    disabled_at: datetime | None = None
    failing_since: datetime | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None


class WebhookOutbox(SQLModel, table=True):
    """Certificate changes not yet fanned out to endpoints: a history event (written by the
    trigger while any endpoint is live) or an expiry that passed (written by the daily job)."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: int | None = Field(default=None, foreign_key="certificateevent.id")
    certificate_id: int = Field(foreign_key="certificate.id")
    expired_on: date | None = None


class WebhookExpiryDay(SQLModel, table=True):
    """The days whose expiries were emitted: each once, however many servers run the job."""

    day: date = Field(primary_key=True)
    certificates: int = 0
    emitted_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one endpoint, its body frozen when it was fanned out. Delivered in id
    order per endpoint: a later one waits until the one before it arrives or is dead."""

    __table_args__ = (Index("ix_webhookdelivery_endpoint_state", "endpoint_id", "state", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhookendpoint.id")
    event_type: str = Field(max_length=60)
    certificate_no: str = Field(max_length=40)
    body: str  # the JSON sent, byte for byte what was signed
    state: str = Field(default="pending", max_length=10)  # pending, delivered, dead
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class ListingCheck(SQLModel, table=True):
    """A marketplace listing checked against the registry, kept per partner: what the seller
    typed, the verdict and the certificate it was checked against."""

    __table_args__ = (Index("ix_listingcheck_certificate", "certificate_no", "shop_id"),)

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="apitoken.id", index=True)
    listing_id: str = Field(max_length=200)
    shop_id: str = Field(max_length=200)
    brand: str | None = Field(default=None, max_length=200)
    code: str = Field(max_length=120)
    verdict: str = Field(max_length=12)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    certificate_no: str | None = Field(default=None, max_length=40)
    checked_at: datetime = Field(default_factory=utcnow)


class PartnerUsage(SQLModel, table=True):
    """Requests a partner's key made, by day and kind of call (verify, listings, webhooks)."""

    token_id: int = Field(foreign_key="apitoken.id", primary_key=True)
    day: date = Field(primary_key=True)
    kind: str = Field(max_length=20, primary_key=True)
    count: int = 0

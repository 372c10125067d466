"""Tables of market oversight: who may act, what they decided, inspected, published or were told.

Everything here is written by people (admins, inspectors, citizens), never by the importer;
every privileged write also appends an ``AuditEntry``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from registry import enforcement_models  # noqa: F401  the plan table Inspection.plan_id refers to
from registry.clock import utcnow
from registry.vocabulary import AdminStatus, DecisionAction, Finding, ReportState, ReviewState

ROLES = ("admin", "inspector", "importer", "partner")
DECISION_ACTIONS = {DecisionAction.SUSPEND: AdminStatus.SUSPENDED, DecisionAction.REVOKE: AdminStatus.REVOKED,
                    DecisionAction.REINSTATE: AdminStatus.VALID}
FINDINGS = tuple(Finding)
REPORT_STATES = tuple(ReportState)


class ApiToken(SQLModel, table=True):
    """A credential with one role; only the sha256 of the secret is kept."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=12)
    team: str | None = Field(default=None, max_length=100)
    # an importer's sources: the only ones it may upload feeds for (registry.ownership)
    sources: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    secret_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class StaffSession(SQLModel, table=True):
    """A browser login made with a token; dies with the token, or after its lifetime."""

    secret_hash: str = Field(primary_key=True, max_length=64)
    token_id: int = Field(foreign_key="apitoken.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class StatusDecision(SQLModel, table=True):
    """A decision of the authority on one certificate: suspend, revoke or reinstate.

    ``feed_status`` is what the certificate's feed said when the decision was made: an import
    that still says so leaves the decision standing; one that says otherwise supersedes it.
    """

    id: int | None = Field(default=None, primary_key=True)
    certificate_id: int = Field(foreign_key="certificate.id", index=True)
    action: str = Field(max_length=12)
    status_after: str = Field(max_length=12)
    feed_status: str = Field(max_length=12)
    reason: str
    decision_ref: str = Field(max_length=100)
    decision_on: date
    decided_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class StatusReview(SQLModel, table=True):
    """A feed's status change that waits for an admin because a suspension or revocation stands.

    The feed's other fields applied; only ``proposed_status`` waits. Accepting it ends the
    decision; rejecting it keeps the decision standing over the feed's new status.
    """

    id: int | None = Field(default=None, primary_key=True)
    certificate_id: int = Field(foreign_key="certificate.id", index=True)
    decision_id: int = Field(foreign_key="statusdecision.id")
    source: str = Field(max_length=100)
    import_run_id: int | None = Field(default=None, foreign_key="importrun.id")
    proposed_status: str = Field(max_length=12)
    held_status: str = Field(max_length=12)
    state: str = Field(default=ReviewState.PENDING, max_length=12, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    note: str | None = None


class Inspection(SQLModel, table=True):
    """A visit to a shop by an inspector, with what was checked and found."""

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="apitoken.id", index=True)
    inspector: str = Field(max_length=200)
    team: str | None = Field(default=None, max_length=100, index=True)
    shop_name: str = Field(max_length=300)
    address: str = Field(max_length=500)
    province: str = Field(max_length=100)
    inspected_on: date
    codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    finding: str = Field(max_length=24)
    notes: str | None = None
    photos: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    plan_id: int | None = Field(default=None, foreign_key="inspectionplan.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Violation(SQLModel, table=True):
    """A published notice of a sanction against an organisation."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_name: str = Field(max_length=500)
    tax_code: str | None = Field(default=None, max_length=14, index=True)
    decision_ref: str = Field(max_length=100)
    decision_on: date
    violation: str
    sanction: str
    certificates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    models: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    published_by: str = Field(max_length=200)
    published_at: datetime = Field(default_factory=utcnow)


class CitizenReport(SQLModel, table=True):
    """A member of the public says a device or a shop is suspicious."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=120)
    place: str | None = Field(default=None, max_length=300)
    province: str | None = Field(default=None, max_length=100)
    problem: str
    contact: str | None = Field(default=None, max_length=200)
    photo: str | None = Field(default=None, max_length=100)
    state: str = Field(default="new", max_length=16, index=True)
    triage_note: str | None = None
    client_hash: str = Field(max_length=64, index=True)  # a keyed hash, never the address
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ScanCount(SQLModel, table=True):
    """Scans of one certificate's verify page on one day; ``province`` '' for all scans.

    Indexed by day too: the flags, the ranked list and the report read a few recent days."""

    __table_args__ = (Index("ix_scancount_day", "day"),)

    certificate_id: int = Field(foreign_key="certificate.id", primary_key=True)
    day: date = Field(primary_key=True)
    province: str = Field(default="", max_length=100, primary_key=True)
    count: int = 0


class AuditEntry(SQLModel, table=True):
    """Who did what to what, with the values before and after; never updated or deleted."""

    __table_args__ = (Index("ix_auditentry_target", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=200)
    role: str = Field(max_length=12)
    action: str = Field(max_length=40)
    target: str = Field(max_length=200)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))

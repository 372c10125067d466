"""Tables of enforcement by plan: what is to be inspected, what an inspection concluded, and
which clone flags were raised (so a yearly report can count them after the scans have moved on).

Written by admins and inspectors through ``registry.plans`` and ``registry.conclusions``;
every write also appends an ``AuditEntry``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from registry.clock import utcnow


class InspectionPlan(SQLModel, table=True):
    """An inspection plan: its period, its scope, the shops and certificates it targets, and
    the teams that carry it out. ``target_shops`` holds ``{name, address, province, team}``."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    starts_on: date
    ends_on: date
    provinces: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    brands: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    holders: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    teams: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    target_shops: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    target_certificates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Conclusion(SQLModel, table=True):
    """The conclusion of an inspection or a plan: findings, legal basis, sanctions, methods.

    A certificate sanction applies as a ``StatusDecision`` (``decision_ids``); publishing makes
    a ``Violation`` notice (``violation_id``) that /violations shows with these fields."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int | None = Field(default=None, foreign_key="inspectionplan.id", index=True)
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id", index=True)
    organisation_name: str = Field(max_length=500)
    tax_code: str | None = Field(default=None, max_length=14, index=True)
    province: str | None = Field(default=None, max_length=100)
    concluded_on: date = Field(index=True)
    decision_ref: str = Field(max_length=100)
    findings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    legal_decree: str = Field(max_length=200)
    legal_article: str = Field(max_length=200)
    sanctions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fine_vnd: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    certificates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    models: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    methods: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    method_note: str | None = None
    decision_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    violation_id: int | None = Field(default=None, foreign_key="violation.id", index=True)
    concluded_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None


class RaisedFlag(SQLModel, table=True):
    """A clone flag as it was raised on a day (``registry.scans.flagged``), kept for the record."""

    certificate_id: int = Field(foreign_key="certificate.id", primary_key=True)
    day: date = Field(primary_key=True, index=True)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

"""The staff API's contract: request and response bodies of ``public_site.staff_api``.

Allow-lists: a report's keyed client hash and an inspection's token id are never sent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from public_site.schemas import MAX_ID, Decision, Text
from registry.vocabulary import AdminStatus, DecisionAction, Finding, ReportState, ReviewAnswer, ReviewState


class DecisionBody(msgspec.Struct):
    certificate_no: Annotated[Text, msgspec.Meta(min_length=1, max_length=60)]
    action: DecisionAction
    reason: Annotated[Text, msgspec.Meta(min_length=1, max_length=4000)]
    decision_ref: Annotated[Text, msgspec.Meta(min_length=1, max_length=100)]
    decision_on: date


class InspectionBody(msgspec.Struct):
    shop_name: Annotated[Text, msgspec.Meta(max_length=300)]
    address: Annotated[Text, msgspec.Meta(max_length=500)]
    province: Annotated[Text, msgspec.Meta(max_length=100)]
    inspected_on: date
    codes: Annotated[list[str], msgspec.Meta(max_length=50)]
    finding: Finding
    notes: Annotated[Text, msgspec.Meta(max_length=4000)] | None = None
    plan_id: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)] | None = None  # the plan it carries out


class TriageBody(msgspec.Struct):
    state: ReportState
    note: Annotated[Text, msgspec.Meta(max_length=4000)] = ""


class ReviewBody(msgspec.Struct):
    answer: ReviewAnswer  # accept: the feed's status applies and the decision ends; reject: it stands
    note: Annotated[Text, msgspec.Meta(max_length=4000)] = ""


class ReviewOut(msgspec.Struct):
    """A feed's status change held while a suspension or revocation stands."""

    id: int
    certificate_no: str
    source: str  # the certification body whose feed asked for it
    proposed_status: AdminStatus
    held_status: AdminStatus  # the status the decision keeps
    decision_ref: str
    decision_reason: str
    state: ReviewState
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    note: str | None


class TransferBody(msgspec.Struct):
    certificate_no: Annotated[Text, msgspec.Meta(min_length=1, max_length=60)]
    to_source: Annotated[Text, msgspec.Meta(min_length=1, max_length=100)]
    reason: Annotated[Text, msgspec.Meta(min_length=1, max_length=4000)]


class TransferAnswer(msgspec.Struct):
    certificate_no: str
    source: str  # the source it belongs to now
    previous_source: str


class DecisionAnswer(msgspec.Struct):
    certificate_no: str
    decision: Decision


class InspectionOut(msgspec.Struct):
    id: int
    inspector: str
    team: str | None
    shop_name: str
    address: str
    province: str
    inspected_on: date
    codes: list[str]
    finding: Finding
    notes: str | None
    photos: list[str]
    plan_id: int | None
    created_at: datetime


class ReportOut(msgspec.Struct):
    id: int
    code: str
    place: str | None
    province: str | None
    problem: str
    contact: str | None
    photo: str | None
    state: ReportState
    triage_note: str | None
    created_at: datetime
    updated_at: datetime


class CloneFlag(msgspec.Struct):
    certificate_no: str
    reasons: list[str]
    scans_today: int
    daily_average: float
    provinces: dict[str, int]


class RiskTarget(msgspec.Struct):
    certificate_no: str
    holder_name: str
    score: float  # the sum of each signal's weight times its units (registry.risk.WEIGHTS)
    reasons: dict[str, float]  # signal -> units counted: clone_flag, open_reports, scanned_not_valid, ...


class RiskArea(msgspec.Struct):
    name: str  # the holder's name, or the province
    key: str  # the holder's tax code (its name when it has none), or the province
    score: float
    reasons: dict[str, float]


class AuditOut(msgspec.Struct):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class FeedProblem(msgspec.Struct):
    row: int | None
    column: str | None
    value: str | None
    message_en: str
    message_vi: str
    severity: Literal["error", "warning"]


class RecordChange(msgspec.Struct):
    certificate_no: str
    action: str
    diff: dict[str, list[Any]]


class ImportSummary(msgspec.Struct):
    """What an uploaded feed did: applied whole, or rejected with every problem."""

    file: str
    sha256: str
    source: str
    status: Literal["applied", "rejected", "skipped", "dry-run"]
    rows: int
    invalid_rows: int
    created: int
    updated: int
    unchanged: int
    withdrawn: int
    held: int  # status changes waiting for an admin's review while a decision stands
    run_id: int | None
    errors: int
    warnings: int
    problems: list[FeedProblem]
    changes: list[RecordChange]
    indexed: int | None  # documents indexed before the answer; None: left to the search worker
    seconds: dict[str, float]

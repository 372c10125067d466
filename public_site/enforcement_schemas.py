"""The contract of enforcement by plan (``public_site.enforcement_api``): plans, their
progress, conclusions and the enforcement report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from public_site.schemas import MAX_ID, Text
from registry.conclusions import MAX_FINE_VND
from registry.plans import MAX_TARGETS
from registry.vocabulary import Finding, Method, Sanction
from search.categories import Category

Short = Annotated[Text, msgspec.Meta(max_length=100)]
Name = Annotated[Text, msgspec.Meta(min_length=1, max_length=300)]
Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
Few = msgspec.Meta(max_length=50)


class ShopTargetBody(msgspec.Struct):
    name: Name
    province: Annotated[Text, msgspec.Meta(min_length=1, max_length=100)]
    address: Annotated[Text, msgspec.Meta(max_length=500)] = ""
    team: Short = ""  # one of the plan's teams, or none


class TargetsBody(msgspec.Struct):
    shops: Annotated[list[ShopTargetBody], msgspec.Meta(max_length=MAX_TARGETS)] = []
    certificates: Annotated[list[Annotated[Text, msgspec.Meta(max_length=60)]],
                            msgspec.Meta(max_length=MAX_TARGETS)] = []


class PlanBody(TargetsBody, kw_only=True):
    name: Name
    starts_on: date
    ends_on: date
    teams: Annotated[list[Short], msgspec.Meta(min_length=1, max_length=50)]
    provinces: Annotated[list[Short], Few] = []
    categories: Annotated[list[Category], Few] = []
    brands: Annotated[list[Annotated[Text, msgspec.Meta(max_length=200)]], Few] = []
    holders: Annotated[list[Annotated[Text, msgspec.Meta(max_length=500)]], Few] = []  # names or tax codes


class FromRankingBody(msgspec.Struct):
    """Take the ranked list's first ``limit`` certificates, filtered, into the plan."""

    province: Short | None = None
    category: Category | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=500)] = 50


class ShopTargetOut(msgspec.Struct):
    name: str
    address: str
    province: str
    team: str


class PlanOut(msgspec.Struct):
    id: int
    name: str
    starts_on: date
    ends_on: date
    teams: list[str]
    provinces: list[str]
    categories: list[str]
    brands: list[str]
    holders: list[str]
    target_shops: list[ShopTargetOut]
    target_certificates: list[str]
    created_by: str
    created_at: datetime


class TallyOut(msgspec.Struct):
    key: str  # the team or the province ("" for shops given to no team; "all" for the plan)
    target_shops: int
    shops_done: int
    inspections: int
    with_findings: int


class ProgressOut(msgspec.Struct):
    plan: PlanOut
    total: TallyOut
    by_team: list[TallyOut]
    by_province: list[TallyOut]
    target_certificates: int
    certificates_checked: int
    certificates_left: list[str]
    findings: dict[str, int]
    conclusions: int
    fines_vnd: int
    shops_left: list[ShopTargetOut]


class ConclusionBody(msgspec.Struct):
    organisation_name: Annotated[Text, msgspec.Meta(min_length=1, max_length=500)]
    decision_ref: Annotated[Text, msgspec.Meta(min_length=1, max_length=100)]
    concluded_on: date
    findings: Annotated[list[Finding], msgspec.Meta(min_length=1, max_length=5)]
    legal_decree: Annotated[Text, msgspec.Meta(min_length=1, max_length=200)]  # e.g. Nghị định 14/2017/NĐ-CP
    legal_article: Annotated[Text, msgspec.Meta(min_length=1, max_length=200)]  # e.g. Điều 7, khoản 2
    sanctions: Annotated[list[Sanction], msgspec.Meta(max_length=5)] = []
    methods: Annotated[list[Method], msgspec.Meta(max_length=7)] = []
    method_note: Annotated[Text, msgspec.Meta(max_length=2000)] | None = None
    fine_vnd: Annotated[int, msgspec.Meta(ge=1, le=MAX_FINE_VND)] | None = None
    tax_code: Annotated[Text, msgspec.Meta(max_length=14)] | None = None
    province: Short | None = None
    certificates: Annotated[list[Annotated[Text, msgspec.Meta(max_length=60)]], Few] = []
    models: Annotated[list[Annotated[Text, msgspec.Meta(max_length=120)]], Few] = []
    plan_id: Id | None = None
    inspection_id: Id | None = None
    publish: bool = True  # make the public notice now (else later: POST /conclusions/{id}/publish)


class ConclusionOut(msgspec.Struct):
    id: int
    plan_id: int | None
    inspection_id: int | None
    organisation_name: str
    tax_code: str | None
    province: str | None
    concluded_on: date
    decision_ref: str
    findings: list[Finding]
    legal_decree: str
    legal_article: str
    sanctions: list[Sanction]
    fine_vnd: int | None
    certificates: list[str]
    models: list[str]
    methods: list[Method]
    method_note: str | None
    decision_ids: list[int]  # the status decisions its certificate sanction applied
    violation_id: int | None  # the public notice, once published
    concluded_by: str
    created_at: datetime
    published_at: datetime | None


class ReportSection(msgspec.Struct):
    title: list[str]  # Vietnamese, English
    columns: list[list[str]]
    rows: list[list[Any]]


class EnforcementReportOut(msgspec.Struct):
    unit: str
    period_from: date
    period_to: date
    made_at: datetime
    totals: dict[str, int]
    sections: list[ReportSection]

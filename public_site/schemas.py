"""The public JSON API's contract: every response body, as msgspec Structs.

Handlers return these, so ``/schema/openapi.json`` documents every answer, and only the
fields named here ever leave the server (an allow-list: a new column stays private until it
is added here). The certificate record is built from the field catalogue, so a new field of
the catalogue is in the API, and in the contract's snapshot, without an edit here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from litestar.openapi.datastructures import ResponseSpec

from registry.catalogue import FIELDS, LIST_FIELDS, Field
from registry.vocabulary import AdminStatus, DecisionAction, Finding, Kind, Method, Sanction, Status

T = TypeVar("T")
MAX_ID = 2**63 - 1  # the largest id or cursor a database column holds: larger is a 400, not a 500
# text the database can store: no NUL byte, no lone surrogate (PostgreSQL refuses both)
Text = Annotated[str, msgspec.Meta(pattern=r"^[^\x00\uD800-\uDFFF]*$")]


class StatusReason(msgspec.Struct):
    """Why the status is what it is, in both languages (``Valid until 14/03/2027``)."""

    vi: str
    en: str


class Decision(msgspec.Struct):
    """The authority's decision standing over what the feed says."""

    action: DecisionAction
    status: AdminStatus
    reason: str
    decision_ref: str
    decision_on: date


class Problem(msgspec.Struct, omit_defaults=True):
    """An error, as ``application/problem+json`` (RFC 9457)."""

    status: int
    title: str  # the status in words ("Not Found")
    detail: str | None = None  # why, for this request
    type: str | None = None
    instance: str | None = None
    extra: Any = None


# -- search

class SearchHit(msgspec.Struct):
    certificate_no: str
    kind: Kind
    status: Status
    product_name: str
    brand: str
    models: list[str]
    holder_name: str
    issued_on: date
    expires_on: date | None
    url: str
    highlight: dict[str, str]  # field → its text as HTML, the matched words in <mark>
    device: str | None  # the device it is a certificate of: brand|model without regional suffix
    device_certificates: int | None  # on a grouped page: the device's certificates within the filters


class SearchPage(msgspec.Struct):
    query: str  # as asked
    searched: str  # what was searched: the number a pasted link carries, the value after a label's field name
    page: int
    per_page: int
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]  # facet → value → certificates
    grouped_by: Literal["device", "certificate"]  # device: one hit per device (``group=certificate``: all)
    degraded: bool  # answered by the database's own search: Meilisearch was unreachable


# -- one certificate

def _type_of(field: Field) -> Any:
    if field.name in LIST_FIELDS:
        return list[str]
    kind = {"date": date, "method": int, "kind": Kind}.get(field.parser, str)
    return kind if field.required else kind | None


def _default_of(field: Field) -> Any:
    if field.required:
        return msgspec.NODEFAULT
    return msgspec.field(default_factory=list) if field.name in LIST_FIELDS else None


# the record's own fields, as the catalogue declares them (its status is shown below, derived)
CertificateRecord = msgspec.defstruct(
    "CertificateRecord",
    [(f.name, _type_of(f), _default_of(f)) for f in FIELDS if f.hashed and f.name != "admin_status"]
    + [("certificate_no", str)],
    kw_only=True,
)


EventAction = Literal["created", "updated", "withdrawn", "decision", "transferred", "reviewed"]


class HistoryEntry(msgspec.Struct):
    at: datetime
    action: EventAction
    changes: dict[str, list[Any]]  # field → [before, after]
    by: str | None
    import_run_id: int | None
    note: str | None


class CertificateDetail(CertificateRecord, kw_only=True):
    """A certificate with its effective status on the day asked, and its whole history."""

    administrative_status: AdminStatus
    status: Status
    status_reason: StatusReason
    decision: Decision | None
    created_at: datetime
    updated_at: datetime
    history: list[HistoryEntry] = msgspec.field(default_factory=list)


# -- verification

class VerifyMatch(msgspec.Struct):
    certificate_no: str
    kind: Kind
    brand: str
    status: Status
    status_reason: StatusReason
    issued_on: date
    expires_on: date | None
    url: str  # the scan page


class VerifyAnswer(msgspec.Struct):
    code: str  # as asked
    found: bool
    status: Status | None  # of the best match
    matched_by: Literal["certificate_no", "mark_code", "model"] | None
    matches: list[VerifyMatch]  # valid first, then newest first


class VerifyRequest(msgspec.Struct):
    codes: Annotated[list[Annotated[Text, msgspec.Meta(max_length=120)]], msgspec.Meta(min_length=1, max_length=1000)]
    receipt: bool = False  # add a signed receipt of the whole answer


class VerifyAnswers(msgspec.Struct, omit_defaults=True):
    results: list[VerifyAnswer]  # in the order asked
    found: int
    receipt: str | None = None  # a compact JWS of this answer, with iat and cursor


# -- holders, changes, statistics, notices, health

class HolderCertificate(msgspec.Struct):
    certificate_no: str
    status: Status
    brand: str
    models: list[str]
    product_name: str
    issued_on: date
    expires_on: date | None


class HolderPage(msgspec.Struct):
    name: str
    tax_code: str | None
    total: int
    by_status: dict[str, int]
    page: int
    per_page: int
    certificates: list[HolderCertificate]


class Change(msgspec.Struct):
    cursor: int
    certificate_no: str
    action: EventAction
    at: datetime
    changes: dict[str, list[Any]]
    by: str | None
    note: str | None


class ChangesPage(msgspec.Struct):
    changes: list[Change]
    next_cursor: int  # pass as ``since`` to continue
    has_more: bool


class BrandCount(msgspec.Struct):
    brand: str
    certificates: int


class Statistics(msgspec.Struct):
    on: date
    certificates: int
    holders: int
    by_status: dict[str, int]
    by_kind: dict[str, int]
    by_issue_year: dict[int, int]
    top_brands: list[BrandCount]
    last_import_at: datetime | None


class ConclusionFacts(msgspec.Struct):
    """What the inspection concluded, in the fixed lists (notices published without one: null)."""

    findings: list[Finding]
    legal_decree: str
    legal_article: str
    sanctions: list[Sanction]
    fine_vnd: int | None
    methods: list[Method]  # thủ đoạn: how the violation was done
    method_note: str | None
    province: str | None


class ViolationNotice(msgspec.Struct):
    id: int
    organisation_name: str
    tax_code: str | None
    decision_ref: str
    decision_on: date
    violation: str
    sanction: str
    certificates: list[str]
    models: list[str]
    published_at: datetime
    conclusion: ConclusionFacts | None = None


class MethodCount(msgspec.Struct):
    method: Method
    label: list[str]  # Vietnamese, English
    conclusions: int


class ViolationsPage(msgspec.Struct):
    query: str
    total: int
    page: int
    per_page: int
    violations: list[ViolationNotice]
    methods_seen: list[MethodCount] = []  # the methods published conclusions name, most seen first


class Liveness(msgspec.Struct):
    status: Literal["ok"]  # the process answers; nothing else is asked


class DatabaseReadiness(msgspec.Struct, omit_defaults=True):
    ok: bool  # answered within a second, with the schema this code needs
    ms: float | None = None
    schema_revision: str | None = None
    schema_head: str | None = None
    index_pending: int | None = None  # changes not yet in the search index
    index_oldest_seconds: float | None = None  # how long the oldest of them has waited
    error: str | None = None


class SearchHealth(msgspec.Struct):
    ok: bool  # Meilisearch answers; when it does not, search answers from SQL ("degraded")
    configured: bool


class Readiness(msgspec.Struct):
    ready: bool  # the database is ready; search being down does not make a worker unready
    database: DatabaseReadiness
    search: SearchHealth


PROBLEMS = {
    400: "a parameter or the body breaks its rules; ``extra`` says which",
    401: "no token, or one that is not valid",
    403: "the token's role may not do this",
    404: "no such record",
    409: "the record's state does not allow it",
    422: "the feed was refused: every problem is listed",
    429: "too many requests from this client; wait as ``Retry-After`` says",
    503: "the registry database did not answer in time; try again as ``Retry-After`` says",
}


def problems(*codes: int) -> dict[int, ResponseSpec]:
    """The errors a handler may answer, documented as problem+json (429 for every handler)."""
    return {code: ResponseSpec(data_container=Problem, description=PROBLEMS[code], generate_examples=False,
                               media_type="application/problem+json") for code in (*codes, 429)}


def typed(data: Any, schema: type[T], from_attributes: bool = False) -> T:
    """``data`` (dicts and lists from the registry, or rows with ``from_attributes``) as the
    contract's type: a field the contract does not name is dropped, and a value that breaks
    it is an error, not an answer."""
    return msgspec.convert(data, schema, from_attributes=from_attributes)

"""The typed contract of the marketplace calls: listing checks, webhooks, receipts, usage."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from public_site.schemas import Text, VerifyAnswer

Short = Annotated[Text, msgspec.Meta(max_length=200)]
CodeText = Annotated[Text, msgspec.Meta(max_length=120)]
Verdict = Literal["ok", "mismatch", "not_valid", "not_found"]
Reason = Literal["model_not_on_certificate", "brand_differs", "number_slipped", "suspended", "revoked", "expired",
                 "withdrawn", "matched_by_mark_code", "matched_by_model", "model_read_loosely", "model_unchecked"]


class ListingIn(msgspec.Struct):
    listing_id: Short
    shop_id: Short
    code: CodeText = ""  # what the seller typed: a certificate number, a mark code or a model code
    title: Annotated[Text, msgspec.Meta(max_length=500)] = ""
    brand: Short = ""
    model: CodeText = ""


class ListingsBody(msgspec.Struct):
    listings: Annotated[list[ListingIn], msgspec.Meta(min_length=1, max_length=500)]
    receipt: bool = False  # add a signed receipt of the whole answer


class CheckedCertificate(msgspec.Struct):
    certificate_no: str
    status: str
    brand: str
    models: list[str]
    product_name: str
    url: str


class ListingVerdict(msgspec.Struct):
    listing_id: str
    verdict: Verdict
    reasons: list[Reason]
    matched_by: Literal["certificate_no", "mark_code", "model"] | None
    certificate: CheckedCertificate | None  # the certificate the listing was checked against
    meant: str | None = None  # with number_slipped: the number the seller meant


class ListingsAnswer(msgspec.Struct, omit_defaults=True):
    results: list[ListingVerdict]  # in the order given
    counts: dict[str, int]  # by verdict
    receipt: str | None = None


class SharedCertificate(msgspec.Struct):
    certificate_no: str
    brands: list[str]  # the different brands listings named it for
    shops: int
    mismatched_shops: int  # shops whose listing's model or brand is not the certificate's
    partners: int
    listings: int


class Watch(msgspec.Struct):
    certificates: Annotated[list[CodeText], msgspec.Meta(max_length=10_000)] = []
    holders: Annotated[list[Annotated[Text, msgspec.Meta(max_length=14)]], msgspec.Meta(max_length=10_000)] = []
    all: bool = False


class WebhookBody(msgspec.Struct):
    url: Annotated[Text, msgspec.Meta(max_length=2000)]
    watch: Watch


class WebhookOut(msgspec.Struct):
    id: int
    url: str
    watch: Watch
    created_at: datetime
    disabled_at: datetime | None = None  # after a day of failures; POST .../replay enables it again
    pending: int = 0
    dead: int = 0
    secret: str | None = None  # only in the answer that creates it


class DeliveryOut(msgspec.Struct):
    id: int
    message_id: str  # the webhook-id header
    event_type: str
    certificate_no: str
    state: Literal["pending", "delivered", "dead"]
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    body: str


class Replayed(msgspec.Struct):
    replayed: int


class ReceiptAnswer(VerifyAnswer, kw_only=True, omit_defaults=True):
    receipt: str | None = None  # a compact JWS of this answer, with iat and cursor


class UsageRow(msgspec.Struct):
    day: date
    kind: str
    count: int

"""The calls marketplaces plug into: listing checks, webhooks, and the public keys of receipts.

A partner key (role ``partner``) is for machines: it checks listings and keeps webhooks; the
reads stay open to everyone. Inspectors read which certificates the listings share.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from sqlalchemy import func, select
from sqlmodel import Session

from public_site.auth import NO_STORE, requires, staff_of
from public_site.partner_schemas import (
    DeliveryOut,
    ListingsAnswer,
    ListingsBody,
    Replayed,
    SharedCertificate,
    UsageRow,
    WebhookBody,
    WebhookOut,
)
from public_site.plugin import AppSettings, Db
from public_site.schemas import MAX_ID, problems, typed
from registry.changes import latest_cursor
from registry.listing_checks import keep_checks, shared_certificates
from registry.partner_models import PartnerUsage, WebhookDelivery, WebhookEndpoint
from registry.receipts import ReceiptKeys
from registry.webhook_delivery import message_id
from registry.webhooks import create_endpoint, delete_endpoint, deliveries, endpoint_of, endpoints_of, replay
from search.listing_check import Listing, check_listings

WebhookId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


def signed(request: Request, answer: dict[str, Any]) -> str:
    """A receipt of ``answer``: signed with the current key, at the registry's present cursor."""
    state = request.app.state
    keys: ReceiptKeys = state.receipt_keys
    return keys.sign(answer, state.reader.read(latest_cursor), issuer=state.settings.public_url)


def webhook_out(db: Session, endpoint: WebhookEndpoint, secret: str | None = None) -> WebhookOut:
    counts = dict(db.execute(select(WebhookDelivery.state, func.count()).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.state.in_(("pending", "dead")))
        .group_by(WebhookDelivery.state)).all())
    return typed({"id": endpoint.id, "url": endpoint.url, "created_at": endpoint.created_at,
                  "disabled_at": endpoint.disabled_at, "secret": secret,
                  "watch": {"certificates": endpoint.certificates, "holders": endpoint.holders,
                            "all": endpoint.watch_all},
                  "pending": counts.get("pending", 0), "dead": counts.get("dead", 0)}, WebhookOut)


class PartnerApiController(Controller):
    path = "/api/v1"
    tags = ["marketplaces"]
    security = [{"BearerToken": []}]
    cache_control = NO_STORE

    @post("/listings/check", guards=[requires("partner")], sync_to_thread=True, status_code=200,
          operation_id="checkListings", responses=problems(400, 401, 403))
    def check(self, request: Request, db: Db, settings: AppSettings, data: JSONBody[ListingsBody]) -> ListingsAnswer:
        """Up to 500 listings checked against the registry: each gets a verdict (ok, mismatch,
        not_valid, not_found), its reasons and the certificate it was checked against. The
        checks are kept for the partner and for inspectors."""
        listings = [Listing(item.listing_id, item.shop_id, item.code, item.title, item.brand, item.model)
                    for item in data.listings]
        results = check_listings(db.connection(), listings, settings.public_url)
        keep_checks(db, staff_of(request).token_id, listings, results)
        db.commit()
        answer = {"results": results, "counts": dict(Counter(r["verdict"] for r in results))}
        if data.receipt:
            answer["receipt"] = signed(request, answer)
        return typed(answer, ListingsAnswer)

    @get("/listings/shared", guards=[requires("inspector")], sync_to_thread=True, operation_id="sharedCertificates",
         responses=problems(400, 401, 403))
    def shared(self, db: Db, min_shops: Annotated[int, QueryParameter(ge=2, le=10_000)] = 5,
               limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100) -> list[SharedCertificate]:
        """Certificates that marketplace listings name for several brands, or that many shops
        list for a device not on them: likely copied numbers, most suspicious first."""
        return typed(shared_certificates(db, min_shops, limit), list[SharedCertificate])

    @post("/webhooks", guards=[requires("partner")], sync_to_thread=True, operation_id="createWebhook",
          responses=problems(400, 401, 403))
    def create_webhook(self, request: Request, db: Db, settings: AppSettings,
                       data: JSONBody[WebhookBody]) -> WebhookOut:
        """Register a receiver and what it watches (certificate numbers, holders' tax codes, or
        all). The answer carries the signing secret, once; a ``webhook.test`` event follows."""
        endpoint, secret = create_endpoint(db, staff_of(request), data.url, data.watch.certificates,
                                           data.watch.holders, data.watch.all, settings.public_url,
                                           allow_http=settings.webhooks_allow_http)
        db.commit()
        return webhook_out(db, endpoint, secret)

    @get("/webhooks", guards=[requires("partner")], sync_to_thread=True, operation_id="listWebhooks",
         responses=problems(401, 403))
    def list_webhooks(self, request: Request, db: Db) -> list[WebhookOut]:
        """The partner's endpoints, with what waits and what is in the dead letter."""
        return [webhook_out(db, e) for e in endpoints_of(db, staff_of(request).token_id)]

    @delete("/webhooks/{webhook_id:int}", guards=[requires("partner")], sync_to_thread=True,
            operation_id="deleteWebhook", responses=problems(400, 401, 403, 404))
    def delete_webhook(self, request: Request, db: Db, webhook_id: WebhookId) -> None:
        """Stop sending to this endpoint (its deliveries stay listed)."""
        delete_endpoint(db, staff_of(request), webhook_id)
        db.commit()

    @get("/webhooks/{webhook_id:int}/deliveries", guards=[requires("partner")], sync_to_thread=True,
         operation_id="listDeliveries", responses=problems(400, 401, 403, 404))
    def list_deliveries(self, request: Request, db: Db, webhook_id: WebhookId,
                        delivery_state: Annotated[str | None, QueryParameter(
                            name="state", pattern="^(pending|delivered|dead)$")] = None,
                        before: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
                        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100) -> list[DeliveryOut]:
        """The endpoint's events, newest first; ``state=dead`` is the dead letter."""
        endpoint = endpoint_of(db, staff_of(request).token_id, webhook_id)
        rows = deliveries(db, endpoint.id, delivery_state, before, limit)
        return typed([{**row.model_dump(), "message_id": message_id(row.id)} for row in rows], list[DeliveryOut])

    @post("/webhooks/{webhook_id:int}/replay", guards=[requires("partner")], sync_to_thread=True, status_code=200,
          operation_id="replayWebhook", responses=problems(400, 401, 403, 404))
    def replay_dead(self, request: Request, db: Db, webhook_id: WebhookId) -> Replayed:
        """Send the dead letter again, in its order, and enable the endpoint."""
        replayed = replay(db, staff_of(request), webhook_id)
        db.commit()
        return Replayed(replayed=replayed)

    @get("/partners/usage", guards=[requires("partner")], sync_to_thread=True, operation_id="partnerUsage",
         responses=problems(401, 403))
    def usage(self, request: Request, db: Db) -> list[UsageRow]:
        """The partner's requests by day and kind of call, the last 90 days, newest first."""
        rows = db.execute(select(PartnerUsage.day, PartnerUsage.kind, PartnerUsage.count).where(
            PartnerUsage.token_id == staff_of(request).token_id).order_by(PartnerUsage.day.desc(), PartnerUsage.kind)
            .limit(90 * 8)).all()
        return [UsageRow(day=d, kind=k, count=c) for d, k, c in rows]


@get("/.well-known/jwks.json", operation_id="receiptKeys", tags=["marketplaces"], sync_to_thread=True,
     cache=300, responses=problems())
def jwks(request: Request) -> dict[str, list[dict[str, str]]]:
    """The public keys of every receipt ever signed (JWKS, Ed25519), newest first."""
    return request.app.state.receipt_keys.public_set()

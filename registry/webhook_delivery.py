"""Sending the deliveries: in order per endpoint, signed, retried with backoff for a day,
then the dead letter.

An endpoint is sent to by one server at a time: taking it is a conditional update of its
``next_attempt_at`` (a lease), which only one of several servers can win. Its oldest pending
delivery goes first, and a later one waits until it arrives: a partner reads the events in
the order they happened. The HTTP call itself is the caller's (``send``), so that the rules
here are tested without a network and the sender can be swapped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlmodel import Session
from standardwebhooks.webhooks import Webhook

from registry.clock import utcnow
from registry.partner_models import WebhookDelivery, WebhookEndpoint

# waits after the 1st, 2nd, ... failure in a row; the last repeats (Standard Webhooks' own
# schedule, about): the first day is covered by 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
BACKOFF = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=5), timedelta(hours=10))
RETRY_WINDOW = timedelta(hours=24)  # failing this long, an endpoint's queue goes to the dead letter
# one server sends to an endpoint at a time, for at most this long unless it renews: longer than
# one attempt (a 10 s timeout), short enough that a round cut off by a busy database resumes soon
LEASE = timedelta(seconds=15)
PER_ROUND = 200  # deliveries to one endpoint per round, so that one busy partner cannot starve the rest


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt gave: delivered (a 2xx), the status, or why it failed."""

    ok: bool
    status: int | None = None
    error: str | None = None


Send = Callable[[str, dict[str, str], str], Outcome]  # (url, headers, body) -> Outcome


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers: the id (the same on every retry, so a receiver can
    drop a repeat), the time, and ``v1,`` with the HMAC-SHA256 of ``id.timestamp.body``."""
    return {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, now, body),
            "content-type": "application/json", "user-agent": "hopquy-webhooks/1"}


def message_id(delivery_id: int) -> str:
    return f"msg_{delivery_id}"


def _due(now: datetime) -> tuple:
    """An endpoint that is live, enabled, and has no backoff or lease running at ``now``."""
    return (WebhookEndpoint.deleted_at.is_(None), WebhookEndpoint.disabled_at.is_(None),
            or_(WebhookEndpoint.next_attempt_at.is_(None), WebhookEndpoint.next_attempt_at <= now))


def due_endpoints(engine: Engine, now: datetime) -> list[int]:
    """Endpoints with something pending and no backoff or lease running."""
    with Session(engine) as session:
        return list(session.execute(
            select(WebhookEndpoint.id).where(
                *_due(now),
                select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == WebhookEndpoint.id,
                                                 WebhookDelivery.state == "pending").exists())
            .order_by(WebhookEndpoint.id)).scalars())


def _lease(session: Session, endpoint_id: int, now: datetime) -> bool:
    won = session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id, *_due(now))
                          .values(next_attempt_at=now + LEASE)).rowcount
    session.commit()
    return won == 1


def deliver_endpoint(engine: Engine, endpoint_id: int, send: Send, now: datetime | None = None) -> int:
    """Send one endpoint's pending deliveries in order until one fails; the number delivered.
    ``now`` is the clock of the attempt (tests move it to live a day in a second)."""
    clock = (lambda: now) if now is not None else utcnow
    with Session(engine) as session:
        if not _lease(session, endpoint_id, clock()):
            return 0
    try:
        return _send_in_order(engine, endpoint_id, send, clock)
    except Exception:
        _end_lease(engine, endpoint_id)  # best effort: else the next round waits for the lease to run out
        raise


def _end_lease(engine: Engine, endpoint_id: int) -> None:
    try:
        with Session(engine) as session:
            session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id,
                                                          WebhookEndpoint.attempts == 0)
                            .values(next_attempt_at=None))
            session.commit()
    except Exception:  # the database that cut the round short may still be busy
        pass


def _send_in_order(engine: Engine, endpoint_id: int, send: Send, clock) -> int:
    """A delivery whose outcome could not be written (a busy database) is sent again in a later
    round with the same ``webhook-id``, which is how a receiver recognises a repeat."""
    delivered = 0
    with Session(engine) as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        for _ in range(PER_ROUND):
            head = session.execute(select(WebhookDelivery).where(
                WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == "pending")
                .order_by(WebhookDelivery.id).limit(1)).scalar_one_or_none()
            if head is None:
                break
            at = clock()
            outcome = _attempt(send, endpoint, head, at)
            head.attempts += 1
            head.last_status, head.last_error = outcome.status, (outcome.error or "")[:500] or None
            if not outcome.ok:
                _failed(session, endpoint, at)
                session.commit()
                return delivered
            head.state, head.delivered_at = "delivered", at
            endpoint.failing_since, endpoint.attempts = None, 0
            endpoint.next_attempt_at = clock() + LEASE  # still ours: a slow receiver must not let another in
            session.commit()
            delivered += 1
        endpoint.next_attempt_at = None  # the lease ends
        session.commit()
    return delivered


def _attempt(send: Send, endpoint: WebhookEndpoint, delivery: WebhookDelivery, at: datetime) -> Outcome:
    try:
        return send(endpoint.url, signed_headers(endpoint.secret, message_id(delivery.id), delivery.body, at),
                    delivery.body)
    except Exception as exc:  # a sender must not stop the round for the other endpoints
        return Outcome(False, None, f"{type(exc).__name__}: {exc}")


def _failed(session: Session, endpoint: WebhookEndpoint, at: datetime) -> None:
    """Back off; after a day of failures in a row, the endpoint's queue is dead-lettered and the
    endpoint disabled until the partner replays it."""
    endpoint.failing_since = endpoint.failing_since or at
    endpoint.attempts += 1
    if at - endpoint.failing_since >= RETRY_WINDOW:
        session.execute(update(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id,
                                                      WebhookDelivery.state == "pending").values(state="dead"))
        endpoint.disabled_at, endpoint.next_attempt_at = at, None
        return
    endpoint.next_attempt_at = at + BACKOFF[min(endpoint.attempts, len(BACKOFF)) - 1]


def deliver_due(engine: Engine, send: Send, now: datetime | None = None) -> int:
    """One round over every due endpoint; the number delivered."""
    due = due_endpoints(engine, now or utcnow())
    return sum(deliver_endpoint(engine, endpoint_id, send, now) for endpoint_id in due)

"""Partners' webhook endpoints, and the fan-out of certificate changes into their deliveries.

The outbox (``WebhookOutbox``) is filled by a trigger in the transaction of every history
event; ``fan_out`` takes its rows out and writes one delivery per endpoint that watches the
certificate, in the same transaction, so a change is owed to each partner exactly once.
Sending is ``registry.webhook_delivery``'s.
"""

from __future__ import annotations

import base64
import re
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, text, true, update
from sqlmodel import Session

from registry.access import Staff, audit
from registry.clock import VIETNAM, utcnow
from registry.codes import canonical_certificate_no
from registry.db import is_postgres
from registry.errors import NotFound, Refused
from registry.models import Certificate, CertificateEvent, Organisation
from registry.partner_models import WebhookDelivery, WebhookEndpoint, WebhookExpiryDay, WebhookOutbox
from registry.webhook_events import EXPIRED, TEST, body, event_type, statuses

MAX_ENDPOINTS = 20  # per partner
MAX_WATCHED = 10_000  # certificate numbers and tax codes per endpoint
FAN_OUT_CHUNK = 20_000
TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")
FAN_OUT_LOCK = 0x686F7071_7765  # a PostgreSQL advisory lock key of our own ("hopqwe")


class WebhookError(Refused):
    """A request a partner can correct (the message says how)."""


def create_endpoint(session: Session, staff: Staff, url: str, certificates: list[str], holders: list[str],
                    watch_all: bool, public_url: str, allow_http: bool = False) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (``whsec_`` and 32 random bytes, base64), which signs every
    event; it is shown once here and again only by creating another endpoint."""
    url = url.strip()
    if not re.match(r"^https://[^\s/]+", url) and not (allow_http and re.match(r"^http://[^\s/]+", url)):
        raise WebhookError("the url must start with https:// (a receiver reachable by this registry)")
    numbers = list(dict.fromkeys(canonical_certificate_no(n) for n in certificates if n.strip()))
    codes = list(dict.fromkeys(h.strip() for h in holders if h.strip()))
    if bad := [c for c in codes if not TAX_CODE_RE.match(c)]:
        raise WebhookError(f"a holder is watched by its tax code (10 digits, or 10-3): not {bad[0]!r}")
    if not (numbers or codes or watch_all):
        raise WebhookError("watch something: certificates, holders, or all")
    if len(numbers) + len(codes) > MAX_WATCHED:
        raise WebhookError(f"an endpoint watches at most {MAX_WATCHED:,} certificates and holders; "
                           "watch all, or make another endpoint")
    live = session.execute(select(func.count()).select_from(WebhookEndpoint).where(
        WebhookEndpoint.token_id == staff.token_id, WebhookEndpoint.deleted_at.is_(None))).scalar_one()
    if live >= MAX_ENDPOINTS:
        raise WebhookError(f"a partner has at most {MAX_ENDPOINTS} endpoints; delete one first")
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    endpoint = WebhookEndpoint(token_id=staff.token_id, url=url, secret=secret, watch_all=watch_all,
                               certificates=numbers, holders=codes)
    session.add(endpoint)
    session.flush()
    session.add(WebhookDelivery(endpoint_id=endpoint.id, event_type=TEST, certificate_no="",
                                body=body(TEST, "", "valid", None, None, utcnow(), public_url)))
    audit(session, staff.name, staff.role, "webhook.create", f"webhook:{endpoint.id}", None,
          {"url": url, "all": watch_all, "certificates": len(numbers), "holders": len(codes)})
    return endpoint, secret


def endpoints_of(session: Session, token_id: int) -> list[WebhookEndpoint]:
    return list(session.execute(select(WebhookEndpoint).where(
        WebhookEndpoint.token_id == token_id, WebhookEndpoint.deleted_at.is_(None)).order_by(WebhookEndpoint.id))
        .scalars())


def endpoint_of(session: Session, token_id: int, endpoint_id: int) -> WebhookEndpoint:
    """The partner's own live endpoint; another partner's is as unknown as a missing one."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.token_id != token_id or endpoint.deleted_at is not None:
        raise NotFound(f"no webhook {endpoint_id}")
    return endpoint


def delete_endpoint(session: Session, staff: Staff, endpoint_id: int) -> None:
    """Stops the endpoint; its deliveries stay listed, the pending ones no longer sent."""
    endpoint = endpoint_of(session, staff.token_id, endpoint_id)
    endpoint.deleted_at = utcnow()
    audit(session, staff.name, staff.role, "webhook.delete", f"webhook:{endpoint_id}", {"url": endpoint.url}, None)


def deliveries(session: Session, endpoint_id: int, state: str | None, before_id: int | None,
               limit: int) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if state:
        stmt = stmt.where(WebhookDelivery.state == state)
    if before_id:
        stmt = stmt.where(WebhookDelivery.id < before_id)
    return list(session.execute(stmt.order_by(WebhookDelivery.id.desc()).limit(limit)).scalars())


def replay(session: Session, staff: Staff, endpoint_id: int) -> int:
    """The dead letter sent again, in its order, and the endpoint enabled: the count replayed."""
    endpoint = endpoint_of(session, staff.token_id, endpoint_id)
    replayed = session.execute(update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == "dead")
        .values(state="pending", attempts=0)).rowcount
    endpoint.disabled_at, endpoint.failing_since, endpoint.attempts, endpoint.next_attempt_at = None, None, 0, None
    audit(session, staff.name, staff.role, "webhook.replay", f"webhook:{endpoint_id}", None, {"replayed": replayed})
    return replayed


Watchers = tuple[list[int], dict[int, list[int]], dict[int, list[int]]]


def fan_out(session: Session, public_url: str, limit: int = FAN_OUT_CHUNK, watchers: Watchers | None = None) -> int:
    """Move up to ``limit`` outbox rows into deliveries, in the caller's transaction; the
    number of rows taken (0 when there are none, or another server holds the turn). One server
    fans out at a time (SQLite's single writer; an advisory lock on PostgreSQL), so deliveries
    are numbered in the order of the changes. ``watchers`` (``watching``), when given, saves
    reading the endpoints again for each chunk of a long queue."""
    if not _our_turn(session):
        return 0
    oldest = select(WebhookOutbox.id).order_by(WebhookOutbox.id).limit(limit)
    taken = session.execute(delete(WebhookOutbox).where(WebhookOutbox.id.in_(oldest)).returning(
        WebhookOutbox.id, WebhookOutbox.event_id, WebhookOutbox.certificate_id, WebhookOutbox.expired_on)).all()
    if not taken:
        return 0
    taken.sort(key=lambda row: row.id)
    everything, by_certificate, by_holder = watchers or watching(session)
    if not (everything or by_certificate or by_holder):
        return len(taken)
    holder_of: dict[int, int] = {}
    if by_holder:
        holder_of = dict(session.execute(select(Certificate.id, Certificate.holder_id).where(
            Certificate.id.in_({row.certificate_id for row in taken}))).all())
    owed = {row.id: sorted({*everything, *by_certificate.get(row.certificate_id, ()),
                            *by_holder.get(holder_of.get(row.certificate_id, 0), ())}) for row in taken}
    wanted = [row for row in taken if owed[row.id]]  # most changes of an import concern no one
    if not wanted:
        return len(taken)
    certificates = {row.id: row for row in session.execute(
        select(Certificate.id, Certificate.certificate_no, Certificate.admin_status, Certificate.expires_on)
        .where(Certificate.id.in_({row.certificate_id for row in wanted})))}
    events = {event.id: event for event in session.execute(select(CertificateEvent).where(
        CertificateEvent.id.in_([row.event_id for row in wanted if row.event_id]))).scalars()}
    rows: list[dict[str, Any]] = []
    for row in wanted:
        made = _event_body(row, certificates[row.certificate_id], events.get(row.event_id), public_url)
        if made:
            rows += [{"endpoint_id": e, "event_type": made[0], "certificate_no": made[1], "body": made[2],
                      "state": "pending", "attempts": 0, "created_at": utcnow()} for e in owed[row.id]]
    if rows:
        session.execute(insert(WebhookDelivery), rows)
    return len(taken)


def drop_unwatched(session: Session, watchers: Watchers) -> int:
    """Remove, in one statement, the queued changes of certificates no endpoint watches (most
    of an import's, when nobody watches everything): the rest fan out without waiting behind
    them. ``watchers`` must be read in the same transaction, just before."""
    everything, by_certificate, by_holder = watchers
    if everything or len(by_certificate) > MAX_WATCHED or not _our_turn(session):
        return 0  # (past MAX_WATCHED ids, the chunks of fan_out sort them instead)
    unwatched = WebhookOutbox.certificate_id.not_in(list(by_certificate)) if by_certificate else true()
    if by_holder:
        unwatched = and_(unwatched, WebhookOutbox.certificate_id.not_in(
            select(Certificate.id).where(Certificate.holder_id.in_(list(by_holder)))))
    return session.execute(delete(WebhookOutbox).where(unwatched)).rowcount


def _our_turn(session: Session) -> bool:
    """Whether this transaction may take rows out of the outbox: there are some (the common
    round stops here, read only, no write lock taken), and no other server is fanning out (an
    advisory lock on PostgreSQL, held to the transaction's end; SQLite has one writer anyway),
    so that each endpoint's events keep their order."""
    if not outbox_waiting(session):
        return False
    return not is_postgres(session.get_bind()) or session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": FAN_OUT_LOCK}).scalar_one()


def watching(session: Session) -> Watchers:
    """Live endpoints as (those watching everything, by certificate id, by holder id): the
    watched numbers and tax codes read once a round into ids, so that matching an import's
    thousands of changes reads nothing of the certificates nobody watches."""
    everything: list[int] = []
    numbers: dict[str, list[int]] = {}
    codes: dict[str, list[int]] = {}
    for endpoint in session.execute(select(WebhookEndpoint).where(WebhookEndpoint.deleted_at.is_(None))).scalars():
        if endpoint.watch_all:
            everything.append(endpoint.id)
            continue
        for number in endpoint.certificates:
            numbers.setdefault(number, []).append(endpoint.id)
        for code in endpoint.holders:
            codes.setdefault(code, []).append(endpoint.id)
    by_certificate: dict[int, list[int]] = {}
    listed = sorted(numbers)
    for start in range(0, len(listed), 5000):
        for cid, number in session.execute(select(Certificate.id, Certificate.certificate_no).where(
                Certificate.certificate_no.in_(listed[start:start + 5000]))):
            by_certificate[cid] = numbers[number]
    by_holder: dict[int, list[int]] = {}
    if codes:
        for holder_id, code in session.execute(select(Organisation.id, Organisation.tax_code).where(
                Organisation.tax_code.in_(sorted(codes)))):
            by_holder[holder_id] = codes[code]
    return everything, by_certificate, by_holder


def _event_body(row, certificate, event: CertificateEvent | None, public_url: str) -> tuple[str, str, str] | None:
    if row.expired_on is not None:
        on = row.expired_on + timedelta(days=1)  # the first day it is no longer valid, in Vietnam
        status = statuses({}, certificate.admin_status, certificate.expires_on, on)[0]
        previous = statuses({}, certificate.admin_status, certificate.expires_on, row.expired_on)[0]
        return EXPIRED, certificate.certificate_no, body(EXPIRED, certificate.certificate_no, status, previous,
                                                         None, datetime.combine(on, time(0), VIETNAM), public_url,
                                                         ["expires_on"])
    if event is None:
        return None
    changes = event.changes or {}
    kind = event_type(event.action, changes)
    if kind is None:
        return None
    status, previous = statuses(changes, certificate.admin_status, certificate.expires_on, event.at.date())
    return kind, certificate.certificate_no, body(kind, certificate.certificate_no, status, previous, event.id,
                                                  event.at, public_url, sorted(changes), event.note)


def emit_expiries(session: Session, day: date) -> int:
    """Queue the certificates whose validity ended with ``day`` (their ``expires_on``), once
    for that day however often or wherever it runs; the number queued. With no endpoint there
    is no one to tell, and nothing is written."""
    live = session.execute(select(func.count()).select_from(WebhookEndpoint)
                           .where(WebhookEndpoint.deleted_at.is_(None))).scalar_one()
    if not live or session.get(WebhookExpiryDay, day) is not None:
        return 0
    ids = list(session.execute(select(Certificate.id).where(
        Certificate.expires_on == day, Certificate.admin_status.in_(("valid", "suspended")))).scalars())
    session.add(WebhookExpiryDay(day=day, certificates=len(ids)))
    session.flush()  # a second server's insert of the same day fails here, before any row is queued
    if ids:
        session.execute(insert(WebhookOutbox), [{"certificate_id": cid, "expired_on": day} for cid in ids])
    return len(ids)


def outbox_waiting(session: Session) -> bool:
    return session.execute(select(WebhookOutbox.id).limit(1)).first() is not None


def forget_delivered(session: Session, older_than: timedelta = timedelta(days=30)) -> int:
    """Delivered events past a month are dropped (the dead letter stays until replayed); read
    first, so that a registry without old deliveries is not written to."""
    before = utcnow() - older_than
    old = select(WebhookDelivery.id).where(WebhookDelivery.state == "delivered", WebhookDelivery.delivered_at < before)
    if session.execute(old.limit(1)).first() is None:
        return 0
    return session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(old))).rowcount

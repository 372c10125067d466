"""The server's webhook thread: fan the outbox out, emit yesterday's expiries, send what is due.

It runs beside the request handlers on the batch engine, in a thread of its own, and waits
for receivers with a short timeout: a slow partner delays its own events, never a scan page
or an import (those only write the outbox rows, in their own transactions).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from public_site.worker import Periodic
from registry.clock import today
from registry.settings import Settings
from registry.webhook_delivery import Outcome, deliver_due
from registry.webhooks import (
    drop_unwatched,
    emit_expiries,
    fan_out,
    forget_delivered,
    outbox_waiting,
    watching,
)

logger = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
EVERY = 0.5  # seconds between rounds: a change reaches its receiver within about a second


def private_address(url: str) -> str | None:
    """The loopback, private, link-local or reserved address ``url``'s host resolves to, if any:
    a partner's receiver must not make the registry call its own network."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return None  # unresolvable: the POST fails and is retried like any other failure
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return str(address)
    return None


class HttpSender:
    """POSTs a signed body; a 2xx is delivered, anything else (a redirect too) is retried.
    Receivers on private addresses are refused unless ``allow_private`` (tests, a closed network)."""

    def __init__(self, allow_private: bool = False) -> None:
        self.client = httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        self.allow_private = allow_private

    def __call__(self, url: str, headers: dict[str, str], body: str) -> Outcome:
        if not self.allow_private and (address := private_address(url)):
            return Outcome(False, None, f"the receiver's host resolves to a private address ({address})")
        try:
            response = self.client.post(url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500])
        return Outcome(200 <= response.status_code < 300, response.status_code,
                       None if response.is_success else response.text[:200])


class WebhookRounds:
    """One round: the outbox emptied into deliveries, the day's expiries queued once, and every
    due endpoint sent to."""

    def __init__(self, engine: Engine, public_url: str, send=None) -> None:
        self.engine, self.public_url = engine, public_url
        self.send = send or HttpSender()
        self.expiries_done_for = None

    def __call__(self) -> None:
        self.fan_out_all()
        self.expiries()
        deliver_due(self.engine, self.send)

    def fan_out_all(self) -> int:
        """The whole outbox, a chunk a transaction; the endpoints read once for the round (an
        import's hundred thousand changes fan out in about a second)."""
        moved, watchers = 0, None
        while True:
            with Session(self.engine) as session:
                if watchers is None and outbox_waiting(session):
                    watchers = watching(session)
                    moved += drop_unwatched(session, watchers)
                taken = fan_out(session, self.public_url, watchers=watchers) if watchers is not None else 0
                session.commit()
            moved += taken
            if not taken:
                return moved

    def expiries(self) -> None:
        """Yesterday's expiries, in Vietnam's calendar, once a day (and once across servers)."""
        day = today() - timedelta(days=1)
        if self.expiries_done_for == day:
            return
        with Session(self.engine) as session:
            try:
                if queued := emit_expiries(session, day):
                    logger.info("queued %d certificate(s) that expired on %s for the webhooks", queued, day)
                session.commit()
            except IntegrityError:  # another server emitted the day at the same moment
                session.rollback()
            forget_delivered(session)
            session.commit()
        self.expiries_done_for = day


def webhook_sender(engine: Engine, settings: Settings) -> Periodic:
    rounds = WebhookRounds(engine, settings.public_url, HttpSender(allow_private=settings.webhooks_allow_http))
    return Periodic("webhooks", rounds, EVERY, at_start=True)

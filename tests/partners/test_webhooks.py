"""Webhooks to a real local HTTP receiver: signed events, order through an outage, the dead
letter and its replay, expiries, and one partner's endpoints hidden from another."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from standardwebhooks.webhooks import Webhook

from public_site.webhook_sender import HttpSender, WebhookRounds
from registry.clock import utcnow
from registry.partner_models import WebhookOutbox
from registry.settings import get_settings
from registry.webhook_delivery import deliver_due
from registry.webhooks import emit_expiries
from tests.partners.conftest import bearer

VALID, SUSPENDED, ROUTER, REALME, BOBO = ("A0412150324AE01A2", "A0412160324AE01A2", "A0412180324AE01A2",
                                          "A0412200324AE01A2", "A0412210324AE01A2")


class Receiver:
    """A partner's receiver on a local port, which can go down (connection refused) and come back."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], str]] = []
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()
        self.url = f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"])).decode()
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received if json.loads(body)["type"] != "webhook.test"]


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.stop()


def watch(client, secret: str, url: str, **what) -> dict:
    answer = client.post("/api/v1/webhooks", json={"url": url, "watch": what}, headers=bearer(secret))
    assert answer.status_code == 201, answer.text
    return answer.json()


def decide(client, admin: str, number: str, action: str) -> None:
    answer = client.post("/api/v1/decisions", headers=bearer(admin), json={
        "certificate_no": number, "action": action, "reason": "kiểm tra", "decision_ref": "12/QĐ-CVT",
        "decision_on": "2026-05-30"})
    assert answer.status_code == 201, answer.text


def plain_hmac_ok(secret: str, headers: dict[str, str], body: str) -> bool:
    """The check a partner writes without our library: HMAC-SHA256 over id.timestamp.body."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(sig == f"v1,{expected}" for sig in headers["webhook-signature"].split())


def test_a_watched_suspension_arrives_once_signed(client, keys, partner_registry, receiver):
    created = watch(client, keys["shopee"], receiver.url, certificates=[VALID, SUSPENDED.lower()])
    assert created["secret"].startswith("whsec_") and created["watch"]["certificates"] == [VALID, SUSPENDED]
    rounds = WebhookRounds(partner_registry, get_settings().public_url, HttpSender(allow_private=True))
    rounds()
    assert [json.loads(b)["type"] for _, b in receiver.received] == ["webhook.test"]
    decide(client, keys["admin"], VALID, "suspend")
    decide(client, keys["admin"], BOBO, "suspend")  # not watched
    rounds()
    rounds()
    assert len(receiver.received) == 2
    headers, body = receiver.received[1]
    assert plain_hmac_ok(created["secret"], headers, body)
    assert not plain_hmac_ok(created["secret"], headers, body.replace("suspended", "valid"))
    assert Webhook(created["secret"]).verify(body, headers)["certificate_no"] == VALID
    event = json.loads(body)
    assert (event["type"], event["status"], event["previous_status"]) == ("certificate.status_changed",
                                                                          "suspended", "valid")
    assert isinstance(event["cursor"], int) and event["url"].endswith(f"/v/{VALID}")
    deliveries = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=bearer(keys["shopee"])).json()
    assert [d["state"] for d in deliveries] == ["delivered", "delivered"]
    assert deliveries[0]["message_id"] == headers["webhook-id"]


def test_an_hour_down_loses_nothing_and_repeats_nothing(client, keys, partner_registry, receiver):
    watch(client, keys["shopee"], receiver.url, certificates=[VALID], holders=["0105555555"])
    rounds = WebhookRounds(partner_registry, get_settings().public_url, HttpSender(allow_private=True))
    rounds()  # the test event
    receiver.stop()
    for number, action in ((VALID, "suspend"), (REALME, "suspend"), (VALID, "reinstate"), (REALME, "revoke")):
        decide(client, keys["admin"], number, action)
    rounds.fan_out_all()
    start, sender = utcnow(), HttpSender(allow_private=True)
    for minute in range(0, 60):
        assert deliver_due(partner_registry, sender, start + timedelta(minutes=minute)) == 0
    receiver.start()
    delivered = sum(deliver_due(partner_registry, sender, start + timedelta(minutes=minute))
                    for minute in range(60, 240, 5))
    assert delivered == 4
    ids = [h["webhook-id"] for h, _ in receiver.received]
    assert len(ids) == len(set(ids)) == 5  # none twice
    events = receiver.events()
    assert [(e["certificate_no"], e["status"]) for e in events] == [
        (VALID, "suspended"), (REALME, "suspended"), (VALID, "valid"), (REALME, "revoked")]
    assert [e["cursor"] for e in events] == sorted(e["cursor"] for e in events)


def test_a_receiver_that_never_returns_ends_in_the_dead_letter_and_is_replayed(client, keys, partner_registry,
                                                                                receiver):
    created = watch(client, keys["shopee"], receiver.url, all=True)
    rounds = WebhookRounds(partner_registry, get_settings().public_url, HttpSender(allow_private=True))
    receiver.stop()
    decide(client, keys["admin"], VALID, "suspend")
    decide(client, keys["admin"], BOBO, "revoke")
    rounds.fan_out_all()
    start, sender = utcnow(), HttpSender(allow_private=True)
    for half_hours in range(0, 2 * 30):
        deliver_due(partner_registry, sender, start + timedelta(minutes=30 * half_hours))
    listed = client.get("/api/v1/webhooks", headers=bearer(keys["shopee"])).json()[0]
    assert listed["disabled_at"] is not None and listed["dead"] == 3 and listed["pending"] == 0
    dead = client.get(f"/api/v1/webhooks/{created['id']}/deliveries?state=dead", headers=bearer(keys["shopee"]))
    assert [d["event_type"] for d in dead.json()] == ["certificate.status_changed", "certificate.status_changed",
                                                      "webhook.test"]
    # the oldest was tried 8 times over 28.5 hours (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h apart
    # at the least); the ones behind it waited their turn
    assert [d["attempts"] for d in dead.json()] == [0, 0, 8]
    receiver.start()
    assert deliver_due(partner_registry, sender) == 0  # disabled: nothing is sent until the partner asks
    replayed = client.post(f"/api/v1/webhooks/{created['id']}/replay", headers=bearer(keys["shopee"]))
    assert replayed.json() == {"replayed": 3}
    assert deliver_due(partner_registry, sender) == 3
    assert [e["certificate_no"] for e in receiver.events()] == [VALID, BOBO]


def test_expiries_are_events_once_a_day(client, keys, partner_registry, receiver):
    watch(client, keys["shopee"], receiver.url, holders=["0101234567"])
    with Session(partner_registry) as session:
        assert emit_expiries(session, date(2025, 1, 1)) == 1
        session.commit()
    with Session(partner_registry) as session:
        assert emit_expiries(session, date(2025, 1, 1)) == 0  # that day is done, whoever asks again
        session.commit()
    WebhookRounds(partner_registry, get_settings().public_url, HttpSender(allow_private=True))()
    [event] = receiver.events()
    assert (event["type"], event["certificate_no"], event["status"], event["previous_status"]) == (
        "certificate.expired", ROUTER, "expired", "valid")
    assert event["occurred_at"].startswith("2025-01-02T00:00:00+07:00")


def test_endpoints_are_their_partners_own(client, keys, receiver, monkeypatch):
    created = watch(client, keys["shopee"], receiver.url, certificates=[VALID])
    other = bearer(keys["lazada"])
    assert client.get("/api/v1/webhooks", headers=other).json() == []
    for method, path in (("get", "/deliveries"), ("post", "/replay"), ("delete", "")):
        answer = getattr(client, method)(f"/api/v1/webhooks/{created['id']}{path}", headers=other)
        assert answer.status_code == 404, (method, path)
    assert client.get("/api/v1/webhooks", headers=bearer(keys["admin"])).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 401
    refused = [({"url": "ftp://x", "watch": {"all": True}}, "https://"),
               ({"url": receiver.url, "watch": {}}, "watch something"),
               ({"url": receiver.url, "watch": {"holders": ["12"]}}, "tax code")]
    for body, words in refused:
        answer = client.post("/api/v1/webhooks", json=body, headers=other)
        assert answer.status_code == 400 and words in answer.json()["detail"], answer.text
    assert client.delete(f"/api/v1/webhooks/{created['id']}", headers=bearer(keys["shopee"])).status_code == 204
    assert client.get("/api/v1/webhooks", headers=bearer(keys["shopee"])).json() == []


def test_without_endpoints_a_change_queues_nothing(client, keys, partner_registry):
    decide(client, keys["admin"], VALID, "suspend")
    with Session(partner_registry) as session:
        assert session.execute(select(func.count()).select_from(WebhookOutbox)).scalar_one() == 0


def test_a_receiver_on_a_private_address_is_refused_unless_allowed(client, keys, partner_registry, receiver):
    created = watch(client, keys["shopee"], receiver.url, certificates=[VALID])
    assert deliver_due(partner_registry, HttpSender()) == 0
    assert receiver.received == []
    [test_event] = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=bearer(keys["shopee"])).json()
    assert "private address (127.0.0.1)" in test_event["last_error"] and test_event["state"] == "pending"

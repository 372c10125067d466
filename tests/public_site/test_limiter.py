"""The rate limit: counted per client (an IPv6 subscriber by its /64), refused at the door
with a problem+json 429 and Retry-After, and bounded in what it remembers."""

from __future__ import annotations

import asyncio

import orjson

import public_site.limiter
from public_site.limiter import RateLimit
from tests.helpers import Clock


def _ask(limit: RateLimit, host: str, path: str = "/v/X") -> tuple[int, dict[str, str], bytes]:
    """One request through the limiter in front of an app that answers 200."""
    sent: list[dict] = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "path": path, "client": (host, 40000), "headers": []}
    asyncio.run(limit.middleware(app)(scope, receive, send))
    headers = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
    return sent[0]["status"], headers, sent[1]["body"]


def test_a_client_over_the_limit_is_refused_until_its_window_ends():
    clock = Clock()
    limit = RateLimit(3, clock=clock)
    assert [_ask(limit, "198.51.100.7")[0] for _ in range(4)] == [200, 200, 200, 429]
    status, headers, body = _ask(limit, "198.51.100.7")
    assert status == 429 and headers["content-type"] == "application/problem+json"
    assert headers["retry-after"] == "60" and headers["ratelimit-remaining"] == "0"
    assert orjson.loads(body)["title"] == "Too Many Requests"
    assert _ask(limit, "198.51.100.8")[0] == 200  # another client counts on its own
    clock.now += 45
    assert _ask(limit, "198.51.100.7")[1]["retry-after"] == "15"
    clock.now += 15
    assert _ask(limit, "198.51.100.7")[0] == 200  # a new window


def test_an_ipv6_subscriber_counts_as_one_client_across_its_64():
    limit = RateLimit(2, clock=Clock())
    hosts = ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2:abcd::3"]
    assert [_ask(limit, host)[0] for host in hosts] == [200, 200, 429]
    assert _ask(limit, "2001:db8:1:3::1")[0] == 200  # the next /64 is someone else


def test_health_checks_and_static_files_are_never_limited():
    limit = RateLimit(1, clock=Clock())
    for path in ("/healthz", "/static/site.css", "/healthz"):
        assert _ask(limit, "198.51.100.7", path)[0] == 200
    assert [_ask(limit, "198.51.100.7")[0] for _ in range(2)] == [200, 429]


def test_what_it_remembers_is_bounded(monkeypatch):
    monkeypatch.setattr(public_site.limiter, "MAX_CLIENTS", 100)
    clock = Clock()
    limit = RateLimit(5, clock=clock)
    for n in range(100):
        _ask(limit, f"10.0.{n // 250}.{n % 250}")
    clock.now += 61  # their windows ended: forgotten when room is needed
    _ask(limit, "10.9.9.9")
    assert len(limit.windows) == 1
    for n in range(150):  # a flood of distinct clients, all still counting
        _ask(limit, f"10.1.{n // 250}.{n % 250}")
    assert len(limit.windows) <= 100

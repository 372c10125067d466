"""The per-client rate limit, answered before any other work.

A flood being refused must cost less than the same flood being served, or the limit slows
the server down instead of protecting it. Litestar's limiter built a request object, took
a lock, and read and wrote a JSON list of every timestamp of the minute for each request,
then raised an exception that went through the whole error pipeline: one client over the
limit got 429s at a third of the rate the scan page is served. Here a request costs a
dictionary lookup and two integers, and a refusal is a response built once and sent as it is.

The window is fixed, per client, starting at its first request (as Litestar's was); the
counts live in the worker process (each worker counts on its own; see the README).
"""

from __future__ import annotations

import math
import time

import orjson
from litestar.types import ASGIApp, Receive, Scope, Send

from public_site.partner_keys import PartnerKeys
from public_site.safety import key_of_host

WINDOW_SECONDS = 60
UNLIMITED_PREFIXES = ("/static/",)
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})
MAX_CLIENTS = 200_000  # clients remembered at once; past it, those whose window ended go first


class RateLimit:
    """``per_minute`` requests per client and window; the rest get ``429`` with ``Retry-After``."""

    def __init__(self, per_minute: int, clock=time.monotonic, partners: PartnerKeys | None = None,
                 partner_per_minute: int = 0) -> None:
        self.per_minute, self.clock, self.partners = per_minute, clock, partners
        self.partner_per_minute = partner_per_minute or per_minute
        self.windows: dict[str, list[float | int]] = {}  # client -> [window end, requests in it]
        self._client = _Refusal(per_minute, "this client")
        self._partner = _Refusal(self.partner_per_minute, "this partner key")

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def limited(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and (over := self.over(scope)) is not None:
                wait, refusal = over
                await send(refusal.start(wait))
                await send(refusal.body)
                return
            await app(scope, receive, send)

        return limited

    def over(self, scope: Scope) -> tuple[float, _Refusal] | None:
        """Count the request; when its client is over the limit, the seconds until its window
        ends and the answer that says so. A partner's key is counted as its own client, with its own limit."""
        path = scope["path"]
        if path in UNLIMITED_PATHS or path.startswith(UNLIMITED_PREFIXES):
            return None
        limit, refusal = self.per_minute, self._client
        if self.partners is not None and (partner := self.partners.partner_of(scope)) is not None:
            key, limit, refusal = f"partner:{partner}", self.partner_per_minute, self._partner
        else:
            client = scope.get("client")
            key = key_of_host(client[0] if client else "127.0.0.1")
        now = self.clock()
        window = self.windows.get(key)
        if window is None or window[0] <= now:
            if len(self.windows) >= MAX_CLIENTS:
                self._forget_ended(now)
            self.windows[key] = [now + WINDOW_SECONDS, 1]
            return None
        window[1] += 1
        return (window[0] - now, refusal) if window[1] > limit else None

    def _forget_ended(self, now: float) -> None:
        ended = [key for key, (end, _) in self.windows.items() if end <= now]
        for key in ended:
            del self.windows[key]
        if len(self.windows) >= MAX_CLIENTS:  # a flood of distinct clients all still counting
            self.windows.clear()


class _Refusal:
    """The 429 of one limit, built once: its body, and its headers by seconds to wait."""

    def __init__(self, per_minute: int, who: str) -> None:
        body = orjson.dumps({"status": 429, "title": "Too Many Requests",
                             "detail": f"more than {per_minute} requests a minute from {who}; "
                                       "wait for the time in Retry-After"})
        self.body = {"type": "http.response.body", "body": body}
        self._headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
                         (b"ratelimit-policy", f"{per_minute}; w={WINDOW_SECONDS}".encode()),
                         (b"ratelimit-limit", str(per_minute).encode()), (b"ratelimit-remaining", b"0")]
        self._retry_after: dict[int, list[tuple[bytes, bytes]]] = {}  # seconds -> the headers that say so

    def start(self, wait: float) -> dict:
        seconds = max(1, math.ceil(wait))
        headers = self._retry_after.get(seconds)
        if headers is None:
            value = str(seconds).encode()
            headers = self._retry_after[seconds] = [*self._headers, (b"retry-after", value),
                                                    (b"ratelimit-reset", value)]
        return {"type": "http.response.start", "status": 429, "headers": headers}

"""What every request leaves behind: its id, its line in the access log, its latency.

The middleware wraps the whole app, routing included, so an unknown path (404) is observed
too. The id comes from the proxy's ``X-Request-ID`` when it is a sane token, else it is made
up; it is echoed back, set for every log line written while the request is served (threads
included: ``anyio`` copies the context), and on the access line. Latency goes into one
histogram labelled by method, route template (``/v/{number}``, never the path itself:
a label per certificate would blow the metrics up) and status.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from public_site.request_metrics import COUNTS
from registry.logs import request_id

access = logging.getLogger("hopquy.access")
STATUS = "hopquy.status"  # where tag_response leaves the status in the scope
SANE_ID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,128}")  # what proxies and tracers send; nothing else is echoed


def incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode("ascii") if SANE_ID.fullmatch(value) else None
    return None


def new_id() -> str:
    """This process's random prefix and a counter: unique, and cheaper than random bytes per request."""
    return f"{PREFIX}{next(COUNTER):x}"


PREFIX, COUNTER = os.urandom(5).hex(), itertools.count(1)  # a new prefix per worker process


def observed(app: ASGIApp, access_log: bool = True) -> ASGIApp:
    """``app`` with request ids, the access line (``access_log``) and the latency histogram.

    The id is put on the answer, and its status read, by ``tag_response`` (a ``before_send``
    hook that runs anyway): no second wrapper around ``send``, which costs the scan page more
    than all the rest of this."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        rid = incoming_id(scope) or new_id()
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            await app(scope, receive, send)
        finally:
            seconds = time.perf_counter() - started
            status = scope.get(STATUS, 500)  # 500: no answer was started
            route = scope.get("path_template", "unmatched")
            COUNTS.observe(scope["method"], route, status, seconds)
            if access_log and access.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access.info("%s %s %d %.1fms", scope["method"], scope["path"], status, seconds * 1000,
                            extra={"route": route, "status": status, "ms": round(seconds * 1000, 2),
                                   "client": client[0] if client else None})
            request_id.reset(token)

    return middleware


def tag_response(message: Message, scope: Scope) -> None:
    """The id on the answer's headers, and its status kept for the middleware."""
    scope[STATUS] = message["status"]  # type: ignore[literal-required]
    message["headers"].append((b"x-request-id", request_id.get().encode()))

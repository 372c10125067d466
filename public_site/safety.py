"""Security headers on every response, who a request counts against, requests no page could
be asked for refused at the door, and every failure of ours logged with its traceback.

Mobile carriers put many phones behind one address, so the default rate limit
(``public_site.limiter``) is generous; it is there to stop scrapers and floods, not shoppers.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

import orjson
from litestar import Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from public_site.observe import tag_response

# Pages use no inline script or style; images may be data: URLs; nothing may frame us.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# The OpenAPI viewer at /schema (our own copy of Swagger UI) starts from an inline script.
SCHEMA_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
              "script-src 'self' 'unsafe-inline'; worker-src blob:; frame-ancestors 'none'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
}
log = logging.getLogger("hopquy.errors")


def _encoded(csp: str) -> list[tuple[bytes, bytes]]:
    headers = {**HEADERS, "Content-Security-Policy": csp}
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


ENCODED, SCHEMA_ENCODED = _encoded(CSP), _encoded(SCHEMA_CSP)  # once, not on every response


async def security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: add the headers to every HTTP response start (no handler sets
    them itself, so they are appended as they are), with the request's id and status."""
    if message["type"] == "http.response.start":
        extra = SCHEMA_ENCODED if scope["path"].startswith("/schema") else ENCODED
        message["headers"] = [*message.get("headers", ()), *extra]
        tag_response(message, scope)


def client_key(request: Request) -> str:
    """Who a request counts against: its address, an IPv6 one by its /64 (one subscriber's
    network: a client changing addresses inside it is still one client). Behind a proxy the
    address is the one the proxy says, when the proxy is trusted (``--forwarded-allow-ips``)."""
    client = request.scope.get("client")
    return key_of_host(client[0] if client else "127.0.0.1")


@lru_cache(maxsize=65_536)  # the same clients come back: every scan and every limited request asks
def key_of_host(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


MAX_TARGET = 16_384  # bytes of path and query: a staff label sheet of 480 numbers takes about 12 KB


def problem(status: int, title: str, detail: str) -> tuple[dict, bytes]:
    body = orjson.dumps({"status": status, "title": title, "detail": detail})
    start = {"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]}
    return start, body


TOO_LONG = problem(414, "URI Too Long", f"the path and query may hold at most {MAX_TARGET} bytes")
NUL = problem(400, "Bad Request", "a NUL byte is not allowed in a path or a query")


def unstorable_refused(app: ASGIApp) -> ASGIApp:
    """Middleware: a path or query no page could be asked for (a NUL byte, kilobytes long) is
    answered at once, before routing, parsing or any database sees it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            query = scope.get("query_string") or b""
            answer = None
            if len(raw) + len(query) > MAX_TARGET:
                answer = TOO_LONG
            elif b"%00" in raw or b"%00" in query or "\x00" in scope["path"]:
                answer = NUL
            if answer is not None:
                await send(answer[0])
                await send({"type": "http.response.body", "body": answer[1]})
                return
        await app(scope, receive, send)

    return middleware


def log_server_error(exception: Exception, scope: Scope) -> None:
    """A failure of ours (a 5xx, not a client's mistake) goes to the log with its traceback:
    outside debug mode Litestar answers 500 and logs nothing."""
    if getattr(exception, "status_code", 500) >= 500:
        log.error("%s %s failed", scope.get("method", ""), scope.get("path", ""), exc_info=exception)

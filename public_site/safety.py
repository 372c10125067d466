"""Security headers on every response, a per-client rate limit that answers 429 with
Retry-After, and every failure of ours logged with its traceback.

Mobile carriers put many phones behind one address, so the default limit is generous; it is
there to stop scrapers and floods, not shoppers.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar.middleware.rate_limit import CacheObject, RateLimitConfig, RateLimitMiddleware
from litestar.types import Message, Scope

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
UNLIMITED = ["^/static/", "^/healthz$"]
log = logging.getLogger("hopquy.errors")


def _encoded(csp: str) -> list[tuple[bytes, bytes]]:
    headers = {**HEADERS, "Content-Security-Policy": csp}
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


ENCODED, SCHEMA_ENCODED = _encoded(CSP), _encoded(SCHEMA_CSP)  # once, not on every response


async def security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: add the headers to every HTTP response start (no handler sets
    them itself, so they are appended as they are)."""
    if message["type"] == "http.response.start":
        extra = SCHEMA_ENCODED if scope["path"].startswith("/schema") else ENCODED
        message["headers"] = [*message.get("headers", ()), *extra]


class LimitWithRetryAfter(RateLimitMiddleware):
    """Litestar's limiter, plus the Retry-After header that clients and crawlers honour."""

    def create_response_headers(self, cache_object: CacheObject) -> dict[str, Any]:
        headers = super().create_response_headers(cache_object)
        if len(cache_object.history) >= self.max_requests:
            headers["Retry-After"] = headers[self.config.rate_limit_reset_header_key]
        return headers


def rate_limit(per_minute: int) -> RateLimitConfig | None:
    if per_minute <= 0:
        return None
    return RateLimitConfig(rate_limit=("minute", per_minute), exclude=UNLIMITED, middleware_class=LimitWithRetryAfter)


def log_server_error(exception: Exception, scope: Scope) -> None:
    """A failure of ours (a 5xx, not a client's mistake) goes to the log with its traceback:
    outside debug mode Litestar answers 500 and logs nothing."""
    if getattr(exception, "status_code", 500) >= 500:
        log.error("%s %s failed", scope.get("method", ""), scope.get("path", ""), exc_info=exception)

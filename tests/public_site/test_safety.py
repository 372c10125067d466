"""Security headers, escaping of user text, bounded parameters, and rate limits."""

from __future__ import annotations

import dataclasses
import logging

from litestar import get
from litestar.testing import TestClient

from public_site.app import create_app
from registry.settings import get_settings

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_security_headers_on_pages_api_and_errors(client):
    for path in ("/", "/api/v1/search?q=a", "/c/NOPE", "/qr/NOPE.png"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_an_xss_attempt_is_rendered_harmless(client):
    for path in (f"/?q={XSS}", f"/v/{XSS}", f"/c/{XSS}"):
        body = client.get(path).text
        assert "<script>alert(1)</script>" not in body and "<img src=x" not in body, path
        assert "&lt;script&gt;" in body or "&#34;&gt;&lt;script&gt;" in body or "%3Cscript" in body, path


def test_rate_limit_answers_429_with_retry_after(sample_registry, sample_index):
    settings = dataclasses.replace(get_settings(), rate_limit_per_minute=5)
    app = create_app(settings, sample_registry, sample_index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        codes = [client.get("/api/v1/verify/X").status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        limited = client.get("/api/v1/verify/X")
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert client.get("/healthz").status_code == 200  # health checks are never limited


def test_a_failure_of_ours_is_logged_with_its_traceback_and_a_client_error_is_not(sample_registry, sample_index):
    @get("/fails", sync_to_thread=False)
    def fails() -> None:
        raise RuntimeError("the registry fell over")

    app = create_app(get_settings(), sample_registry, sample_index, run_worker=False, migrate=False)
    app.register(fails)
    failures: list[logging.LogRecord] = []
    kept = logging.Handler()  # our own: the app's start replaces the root logger's handlers
    kept.emit = failures.append
    logging.getLogger("hopquy.errors").addHandler(kept)
    try:
        with TestClient(app) as client:
            assert client.get("/fails").status_code == 500
            assert client.get("/c/NOPE").status_code == 404
    finally:
        logging.getLogger("hopquy.errors").removeHandler(kept)
    assert [r.getMessage() for r in failures] == ["GET /fails failed"]
    assert "the registry fell over" in str(failures[0].exc_info[1])


def test_rate_limits_count_an_ipv6_subscriber_by_its_slash_64():
    from litestar import Request

    from public_site.safety import client_key

    def key(host: str) -> str:
        return client_key(Request({"type": "http", "client": (host, 1), "path": "/", "headers": [],
                                   "method": "GET", "query_string": b""}))

    assert key("2001:db8:1:2:aaaa::1") == key("2001:db8:1:2:ffff:1:2:3") == "2001:db8:1:2::/64"
    assert key("2001:db8:1:3::1") != key("2001:db8:1:2::1")
    assert key("203.0.113.7") == key("::ffff:203.0.113.7") == "203.0.113.7"
    assert key("testclient") == "testclient"


def test_serve_passes_the_trusted_proxies_to_uvicorn(monkeypatch, tmp_path):
    import uvicorn

    from cli.serve import run_server
    from registry.settings import get_settings
    from search.process import free_port

    monkeypatch.setenv("HOPQUY_MEILI_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("HOPQUY_MEILI_KEY", "k" * 16)
    get_settings.cache_clear()
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options, app=app))
    run_server("127.0.0.1", 8000, 1, False, forwarded_allow_ips="10.0.0.0/8")
    assert seen["forwarded_allow_ips"] == "10.0.0.0/8" and seen["proxy_headers"] is True
    assert seen["app"] == "public_site.app:serve_app"

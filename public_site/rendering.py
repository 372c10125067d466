"""Rendering pages: the Jinja environment, the context every page shares, and the scan-page cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader
from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.response.base import ASGIResponse

from public_site.fixed_texts import environments
from public_site.i18n import COOKIE, LANGS, language, translator
from registry.catalogue import SHOWN, joined
from registry.clock import day_month_year
from registry.vocabulary import Status

# templates are part of the release: no stat() of every file on every page (auto_reload)
TEMPLATES = JinjaTemplateEngine(engine_instance=Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, auto_reload=False))
STATUS_CODES = tuple(Status)
STATUSES = {lang: {code: translator(lang)(f"status_{code}") for code in STATUS_CODES} for lang in LANGS}


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Template:
    context["kept_query"] = kept_query(request)
    return Template(template_name=name, context=page_context(request, context), status_code=status_code,
                    cookies=language_cookies(request))


def render_bytes(request: Request, name: str, **context: Any) -> bytes:
    """The page as bytes, for responses built (and cached) by hand.

    Its context is the page's own (``shared``): Jinja would otherwise copy the environment's
    globals into every render, and these pages use none of them."""
    context = page_context(request, context)
    template = BY_LANGUAGE[context["lang"]].get_template(name)
    return "".join(template.root_render_func(template.new_context(context, shared=True))).encode()


def page_context(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    lang = language(request)
    scope = request.scope
    context.setdefault("staff", scope.get("state", {}).get("staff"))
    context.update(lang=lang, t=translator(lang), path=scope.get("root_path", "") + scope["path"],
                   statuses=STATUSES[lang], badges=BADGES[lang])
    return context


def kept_query(request: Request) -> str:
    """The page's query string without ``lang``: switching language keeps the search and filters."""
    raw = request.scope.get("query_string")
    if not raw:
        return ""
    return urlencode([(k, v) for k, v in parse_qsl(raw.decode("utf-8", "replace")) if k != "lang"])


def language_cookies(request: Request) -> list[Cookie]:
    """``?lang=en`` on any page is remembered for a year."""
    lang = language(request)
    if not request.scope.get("query_string") or request.query_params.get("lang") != lang:
        return []
    return [Cookie(key=COOKIE, value=lang, max_age=365 * 86400, samesite="lax", httponly=True)]


def shown_values(record: Any) -> list[tuple[str, str]]:
    """(field name, text) of the catalogue's generic rows that the record fills, for /c and /v:
    a new field of the catalogue is shown there with no template edit."""
    return [(field.name, value if isinstance(value, str) else joined(value))
            for field in SHOWN if (value := getattr(record, field.name))]


def dmy(value: str | date) -> str:
    """The ``dmy`` filter: a date, or an ISO date from JSON, as people in Vietnam write it."""
    return day_month_year(date.fromisoformat(value) if isinstance(value, str) else value)


TEMPLATES.engine.filters["dmy"] = dmy
# A status badge depends only on the status and the language: each is rendered once, here,
# from the macro in _status.html, and pages show ``badges[code]`` (once a row, in lists).
_badge = TEMPLATES.engine.get_template("_status.html").module.badge
BADGES = {lang: {code: _badge(code, STATUSES[lang]) for code in STATUS_CODES} for lang in LANGS}
BY_LANGUAGE = environments(TEMPLATES.engine)  # for the pages rendered by hand: fixed texts translated once


class HtmlPage(ASGIResponse):
    """Ready HTML bytes as the ASGI response itself. ``ASGIResponse.__init__`` would merge
    its two headers through a generic case-insensitive mapping: a few µs of every scan."""

    __slots__ = ()

    def __init__(self, body: bytes, cookies: list[Cookie]) -> None:  # no super(): on purpose
        self.headers = MutableScopeHeaders()
        self.headers.headers = [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]
        self.background, self.body, self.content_length = None, body, len(body)
        self._encoded_cookies = tuple(cookie.to_encoded_header() for cookie in cookies)
        self.encoding, self.is_head_response, self.status_code = "utf-8", False, 200


class PageCache:
    """The last ``size`` pages rendered, by a key that holds everything a page shows.

    The key is read fresh from the registry on every request (the certificate's content hash,
    last change, decision and today's effective status), so a cached page is never stale:
    a change makes a new key, and the old page ages out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()  # the scan page's POST runs in worker threads

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: bytes) -> bytes:
        with self._lock:
            self._pages[key] = page
            if len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page

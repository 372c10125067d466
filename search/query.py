"""Search certificates: Meilisearch first, the registry's own SQL when it is unreachable.

The status shown and filtered is the effective status on the day of the query, computed
from ``admin_status`` and ``expires_day``, so a certificate that expired since it was last
indexed is never shown as valid.
"""

from __future__ import annotations

import html
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine

from registry.catalogue import FACETS as CATALOGUE_FACETS
from registry.clock import today
from registry.codes import normalise_regulation
from registry.status import effective_status
from search.client import SearchIndex, SearchUnavailable
from search.documents import day_number
from search.parts import part_hits, part_key, part_request

log = logging.getLogger(__name__)
# pins are looked up in the registry while Meilisearch answers: the two waits overlap
PIN_LOOKUPS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="pins")
FACETS = [*CATALOGUE_FACETS, "category"]  # what the filters count (registry.catalogue), and the device type
# what a hit shows (``hit_from_document``): the search keys and day numbers stay in Meilisearch,
# which halves the answer it writes and we read (14 to 8 kB for a page of 20)
SHOWN = ["id", "certificate_no", "kind", "admin_status", "product_name", "brand", "models", "holder_name",
         "issued_on", "expires_on"]
PRE, POST = "\x02", "\x03"
IDS = "_ids"  # certificate ids of the hits, in order: used between the search and the pins
PARTS = "_parts"  # (id, number) of the devices whose code the query is a part of (search.parts)


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    status: str | None = None
    kind: str | None = None
    brand: str | None = None
    regulation: str | None = None
    year: int | None = None
    category: str | None = None
    technology: str | None = None
    page: int = 1
    per_page: int = 20


def status_filter(status: str, on: date) -> str:
    """The Meilisearch filter meaning "effective status is ``status`` on ``on``"."""
    day = day_number(on)
    return {
        "valid": f"admin_status = valid AND expires_day >= {day}",
        "expired": f"admin_status IN [valid, suspended] AND expires_day < {day}",
        "suspended": f"admin_status = suspended AND expires_day >= {day}",
        "revoked": "admin_status = revoked",
        "withdrawn": "admin_status = withdrawn",
    }[status]


def quoted(value: str) -> str:
    """A filter value as Meilisearch reads it, whatever quotes or backslashes it holds."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def meili_filters(params: SearchParams, on: date) -> list[str]:
    filters = []
    if params.status:
        filters.append(status_filter(params.status, on))
    if params.kind:
        filters.append(f"kind = {quoted(params.kind)}")
    if params.brand:
        filters.append(f"brand = {quoted(params.brand)}")
    if params.regulation:
        filters.append(f"regulations = {quoted(params.regulation)}")
    if params.year:
        filters.append(f"issued_year = {int(params.year)}")
    if params.category:
        filters.append(f"category = {quoted(params.category)}")
    if params.technology:
        filters.append(f"technologies = {quoted(params.technology)}")
    return filters


def highlight_html(text: str) -> str:
    """Escape everything, then turn our private markers into ``<mark>``."""
    return html.escape(text).replace(PRE, "<mark>").replace(POST, "</mark>")


def hit_from_document(doc: dict[str, Any], on: date) -> dict[str, Any]:
    expires = date.fromisoformat(doc["expires_on"]) if doc.get("expires_on") else None
    formatted = doc.get("_formatted") or {}
    highlight = {}
    for key in ("models", "brand", "product_name", "holder_name"):
        value = formatted.get(key)
        text = "; ".join(value) if isinstance(value, list) else str(value or "")
        if PRE in text:
            highlight[key] = highlight_html(text)
    return {
        "certificate_no": doc["certificate_no"],
        "kind": doc["kind"],
        "status": effective_status(doc["admin_status"], expires, on).code,
        "product_name": doc["product_name"],
        "brand": doc["brand"],
        "models": doc["models"],
        "holder_name": doc["holder_name"],
        "issued_on": doc["issued_on"],
        "expires_on": doc.get("expires_on"),
        "url": f"/c/{doc['certificate_no']}",
        "highlight": highlight,
    }


def meili_request(params: SearchParams, on: date) -> dict[str, Any]:
    """The search parameters sent to Meilisearch (the benchmark sends the same, raw).

    Every word must match: the certificates that hold them all are the ones people mean, and
    they are the first Meilisearch would rank anyway. Counting and faceting the others too
    (every certificate with the first word, under the default strategy) made a search at 1M
    twice as slow and its total meaningless. ``search_meili`` relaxes this when nothing holds
    every word."""
    return {
        "matchingStrategy": "all",
        "filter": meili_filters(params, on),
        "page": params.page,
        "hitsPerPage": params.per_page,
        "facets": FACETS,
        "attributesToRetrieve": SHOWN,
        "attributesToHighlight": ["models", "brand", "product_name", "holder_name"],
        "highlightPreTag": PRE,
        "highlightPostTag": POST,
    }


def search_meili(index: SearchIndex, params: SearchParams, on: date, relaxed: bool = False,
                 part: str | None = None) -> dict[str, Any]:
    """``relaxed``: rank by how many words match, dropping them from the end. ``part``: also
    look the query up as a part of codes (``search.parts``), in the same round trip."""
    request = meili_request(params, on)
    if relaxed:
        request["matchingStrategy"] = "last"
    if part:
        result, parts = index.search_many(params.q, [request, part_request(part)])
    else:
        result, parts = index.search(params.q, request), None
    return {
        "total": result.get("totalHits", 0),
        "hits": [hit_from_document(doc, on) for doc in result["hits"]],
        "facets": result.get("facetDistribution", {}),
        IDS: [doc["id"] for doc in result["hits"]],
        PARTS: part_hits(part, parts) if part else [],
    }


def search_certificates(engine: Engine, index: SearchIndex | None, params: SearchParams) -> dict[str, Any]:
    """The API's answer; ``degraded`` is true when it came from the SQL fallback."""
    from search import pinning

    on = today()
    asked = params.q
    named = normalise_regulation(params.q) if params.q[:4].upper() == "QCVN" else None
    if named and not params.regulation:
        # regulations are a filter, not searched words: a query that names one lists its certificates
        params = replace(params, q="", regulation=named[0])
    degraded = index is None
    body = None
    # the registry is asked for the codes the query names while Meilisearch searches; they
    # come first (search.pinning), unless a filter narrows the search
    pinning_on = bool(params.q) and not filtered(params)
    pins = PIN_LOOKUPS.submit(pinning.pinned, engine, params.q) if pinning_on else None
    part = part_key(params.q) if pinning_on else None
    if index is not None:
        try:
            if params.page > 1 and pins is not None and (pins.result() or part):
                body = pinning.later_page(engine, index, pins.result(), params, on)
            else:
                body = search_meili(index, params, on, part=part)
                found = pins.result() if pins is not None else None
                if not body["total"] and params.q and not found:
                    # a misread or extra word that names no code (``galaxy a54 chính hãng``):
                    # rather than answer nothing, match fewer words
                    body = search_meili(index, params, on, relaxed=True)
                elif found is not None and (found or body[PARTS]):
                    parts = [pinning.Pin(*hit) for hit in body[PARTS]]
                    body = pinning.first_page(engine, index, body, replace(found, parts=parts), params, on)
        except SearchUnavailable as exc:
            log.warning("search degraded to SQL: %s", exc)
            degraded = True
    if body is None:
        body = pinning.sql_page(engine, pins.result() if pins else pinning.Pins([], []), params, on)
    body.pop(IDS, None)
    body.pop(PARTS, None)
    return {"query": asked, "page": params.page, "per_page": params.per_page,
            **body, "degraded": degraded}


def filtered(params: SearchParams) -> bool:
    """Whether any filter narrows the search (a search may also be filters alone)."""
    return bool(params.status or params.kind or params.brand or params.regulation or params.year
                or params.category or params.technology)

"""The pieces of a search request: its parameters, Meilisearch's filters and request, and
a hit as the API shows it (``search.query`` puts them together).

The status shown and filtered is the effective status on the day of the query, computed
from ``admin_status`` and ``expires_day``, so a certificate that expired since it was last
indexed is never shown as valid.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from registry.catalogue import FIELDS
from registry.status import effective_status
from search.client import SearchIndex
from search.parts import part_hits, part_request
from search.status_counts import StatusCount, counting, status_filter
from search.trade_names import exact_trade_first

# a facet a client may ask for (``facets=``) → the document attribute it counts: the catalogue's
# filters that count (registry.catalogue) and the device type; "status" is counted apart
# (``search.status_counts``): the effective status depends on the day, not only on a stored value
FACET_NAMES = {**{field.filter: field.facet for field in FIELDS if field.filter and field.facet},
               "category": "category"}
ALL_FACETS = ("status", *FACET_NAMES)
# what a hit shows (``hit_from_document``): the search keys and day numbers stay in Meilisearch,
# which halves the answer it writes and we read (14 to 8 kB for a page of 20)
SHOWN = ["id", "certificate_no", "kind", "admin_status", "product_name", "brand", "models", "holder_name",
         "issued_on", "expires_on", "device_key", "trade_name"]
GROUPINGS = ("device", "certificate")  # one hit per device (its best certificate), or every certificate
PRE, POST = "\x02", "\x03"
IDS = "_ids"  # certificate ids of the hits, in order: used between the search and the pins
PARTS = "_parts"  # (id, number) of the devices whose code the query is a part of (search.parts)
LATER = "_later"  # what page one still asks Meilisearch (``Asked``), sent with the device counts


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
    facets: tuple[str, ...] = ()  # counted only when asked (names of ALL_FACETS)
    group: str = "device"  # GROUPINGS
    device: str | None = None  # one device's certificates (a hit's ``device``), never grouped

    @property
    def grouped(self) -> bool:
        return self.group == "device" and not self.device


def among_devices(devices: list[str]) -> str:
    """The filter "the document's device is one of ``devices``"."""
    return f"device_key IN [{', '.join(quoted(d) for d in devices)}]"


def quoted(value: str) -> str:
    """A filter value as Meilisearch reads it, whatever quotes or backslashes it holds."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# a query parameter → the document attribute that must hold its value: the catalogue's text
# filters (the year and the status have filters of their own), and the device type
EQUAL_TO = {**{field.filter: field.facet for field in FIELDS
               if field.filter and field.facet and field.parser != "date"}, "category": "category"}


def meili_filters(params: SearchParams, on: date) -> list[str]:
    filters = [status_filter(params.status, on)] if params.status else []
    for name, attribute in EQUAL_TO.items():
        if value := getattr(params, name):
            filters.append(f"{attribute} = {quoted(value)}")
    if params.year:
        filters.append(f"issued_year = {int(params.year)}")
    if params.device:
        filters.append(f"device_key = {quoted(params.device)}")
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
        "device": doc.get("device_key"),
        "device_certificates": None,  # counted for a grouped page (``search.device_counts``)
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
        **({"distinct": "device_key"} if params.grouped else {}),
        "filter": meili_filters(params, on),
        "page": params.page,
        "hitsPerPage": params.per_page,
        "facets": [FACET_NAMES[name] for name in params.facets if name in FACET_NAMES],
        "attributesToRetrieve": SHOWN,
        "attributesToHighlight": ["models", "brand", "product_name", "holder_name"],
        "highlightPreTag": PRE,
        "highlightPostTag": POST,
    }


def search_meili(index: SearchIndex, params: SearchParams, on: date, relaxed: bool = False,
                 part: str | None = None) -> dict[str, Any]:
    """``relaxed``: rank by how many words match, dropping them from the end. ``part``: also
    look the query up as a part of codes (``search.parts``), in the same round trip."""
    return search_meili_later(index, params, on, relaxed, part)()


def search_meili_later(index: SearchIndex, params: SearchParams, on: date, relaxed: bool = False,
                       part: str | None = None) -> Callable[[], dict[str, Any]]:
    """``search_meili`` sent now, its answer read when the returned function is called."""
    request = meili_request(params, on)
    if relaxed:
        request["matchingStrategy"] = "last"
    # the statuses are counted with the page (search.status_counts), with its searches, if any
    statuses = StatusCount(index.name, request, on) if "status" in params.facets else None
    if statuses:
        request["facets"] = [*request["facets"], statuses.facet]
    more = [part_request(part)] if part else []
    more += statuses.more if statuses else []
    if more:
        many = index.search_many_later(params.q, [request, *more])
    else:
        one = index.search_later(params.q, request)

    def answer() -> dict[str, Any]:
        result, *rest = many() if more else [one()]
        facets = result.setdefault("facetDistribution", {})
        if statuses:
            facets["status"] = statuses.counts(result, rest[len(rest) - len(statuses.more):])
        documents = exact_trade_first(result["hits"], params.q) if params.page == 1 else result["hits"]
        return {
            "total": result.get("totalHits", 0),
            "hits": [hit_from_document(doc, on) for doc in documents],
            "facets": facets,
            IDS: [doc["id"] for doc in documents],
            PARTS: part_hits(part, rest[0]) if part else [],
        }

    return answer


def filtered(params: SearchParams) -> bool:
    """Whether any filter narrows the search (a search may also be filters alone)."""
    return bool(params.status or params.year or params.device or any(getattr(params, name) for name in EQUAL_TO))


def status_facet(facets: dict[str, Any], query: str, request: dict[str, Any], on: date, index_name: str) -> Asked:
    """How many of the matches (devices, when grouped) have each effective status on ``on``,
    set as ``facets["status"]`` (page one counts them with its own search: ``search_meili_later``)."""
    statuses = StatusCount(index_name, request, on)
    asked = [{"q": query, **counting(request, facets=(statuses.facet,), grouped=True)},
             *({"q": query, **more} for more in statuses.more)]
    return Asked(asked, lambda results: facets.__setitem__("status", statuses.counts(results[0], results[1:])))


def facet_names(asked: str) -> tuple[str, ...]:
    """``facets=`` as a client writes it (``status,brand`` or ``all``); ValueError names an unknown one."""
    names = tuple(dict.fromkeys(n.strip().lower() for n in asked.split(",") if n.strip()))
    if "all" in names:
        return ALL_FACETS
    unknown = [n for n in names if n not in ALL_FACETS]
    if unknown:
        raise ValueError(f"unknown facet {unknown[0]!r}; ask for {', '.join(ALL_FACETS)} or all")
    return names


@dataclass
class Asked:
    """Searches a page still needs once its hits are known, and what to do with their answers:
    the searches of several are sent in one round trip (``ask_together``)."""
    requests: list[dict[str, Any]]  # each with its own "q"
    settle: Callable[[list[dict[str, Any]]], None]


def ask_together(index: SearchIndex, asks: list[Asked]) -> None:
    """Every ``Asked`` sent in one multi-search and settled: a page that counts its devices
    and its pins, or its statuses, waits for Meilisearch once."""
    requests = [request for asked in asks for request in asked.requests]
    results = index.search_many("", requests) if requests else []
    for asked in asks:
        mine, results = results[:len(asked.requests)], results[len(asked.requests):]
        asked.settle(mine)


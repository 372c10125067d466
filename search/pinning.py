"""The certificates a query names by code (``search.pins``) put first, on every page.

The list paged through is the pins P, then the search's own matches M without them: each
certificate once, whichever page it falls on, and a total that is exact on every page,
``|P| + |M| - |P ∩ M|``.

- Grouped by device (the default), M is counted in devices and a pin stands for its device:
  M without P leaves out the pins' devices, which are not shown again after them.
- Page one asks Meilisearch while the registry finds the pins (the two waits overlap) and
  takes the pins out of its page. When M goes on past the page and some pins are not known
  to be in it, P ∩ M is counted by a second search filtered to the pins (or their devices),
  sent with the page's device counts in one round trip (``LATER``, ``search.query``).
- A later page asks Meilisearch, in one round trip, for M without P at the offset the pins
  shift it by, for M's size and facets, and for the size of P ∩ M.
- The registry's own SQL (degraded mode) leaves the pins out of its matches the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine

from registry.devices import device_key
from registry.records import CertificateData
from registry.snapshots import load_few
from search.client import SearchIndex
from search.documents import shown_fields
from search.fallback import search_sql
from search.parts import part_hits, part_key, part_request
from search.pins import code_pins
from search.recent import Recent
from search.request import (
    IDS,
    LATER,
    Asked,
    SearchParams,
    among_devices,
    counting,
    hit_from_document,
    meili_request,
    quoted,
    search_meili,
)


@dataclass(frozen=True)
class Pin:
    id: int
    certificate_no: str
    device: str = ""  # its device (``registry.devices.device_key``): grouped, a pin stands for it


@dataclass(frozen=True)
class Pins:
    """``first``: the certificates the query names by code, before everything. ``after``:
    those of the codes a word typed in part begins (``search.pins.begun_word_ids``), after
    the search's own best ``HEAD``: ``Discover`` may mean the Galaxy Discover as well as a
    Discovery being typed. ``parts``: devices whose code the query is a whole part of
    (``search.parts``), after the search's own best ``PARTS_AFTER``; found by Meilisearch
    with the first page, so among its matches; but before the codes that go on from the
    query (``begun``, among the first): an exact part is an exact match, ``AP30`` of ATOM AP30
    before AP300."""

    first: list[Pin]
    after: list[Pin]
    parts: list[Pin] = field(default_factory=list)
    records: dict[int, CertificateData] = field(default_factory=dict)  # of first and after
    begun: frozenset[int] = frozenset()  # ids of the first that are codes going on from the query

    def __bool__(self) -> bool:
        return bool(self.first or self.after or self.parts)


RECENT: Recent[Pins] = Recent()  # a query's pins, kept a moment (search.recent)
HEAD = 5  # the search's own results shown before the codes a word typed in part begins: half a page
PARTS_AFTER = 2  # the search's own results shown before the devices whose code the query is part of


@dataclass(frozen=True)
class Window:
    """What page ``page`` shows of the pins followed by the matches without them."""

    pins: slice  # the pins on the page
    offset: int  # into the matches without the pins
    limit: int  # matches without the pins on the page


def window(page: int, per_page: int, pins: int) -> Window:
    start, end = (page - 1) * per_page, page * per_page
    return Window(slice(min(start, pins), min(end, pins)), max(0, start - pins), max(0, end - max(start, pins)))


def pinned(engine: Engine, query: str) -> Pins:
    """The certificates ``query`` names by code, best first, with their records: read here,
    while Meilisearch searches, since most pins are shown and few are on its page (a number's
    neighbours one slip away never are)."""
    with engine.connect() as connection:
        connection = connection.execution_options(read_only=True)
        first, after, begun = code_pins(connection, query)
        if not first and not after:
            return Pins([], [])
        records = load_few(connection, list(dict.fromkeys(first + after)))
    return Pins(*([Pin(cid, records[cid].certificate_no, device_key(records[cid])) for cid in ids if cid in records]
                  for ids in (first, after)),
                records=records, begun=begun)


def in_order(index: SearchIndex, pins: Pins, params: SearchParams, on: date,
             page_one: dict[str, Any] | None = None) -> list[Pin]:
    """All the pins in the order they are shown: the first, the search's own best
    ``PARTS_AFTER``, the parts, the rest of its best ``HEAD``, then the codes a word begins.
    Page one brings the parts and, mostly, the best (``page_one``); a later page asks for
    what it lacks in one round trip."""
    part = part_key(params.q) if page_one is None else None
    if not pins.after and not pins.parts and part is None:
        return pins.first
    named = {pin.id for pin in pins.first}
    devices = pinned_devices(pins.first, params)
    head = [Pin(cid, hit["certificate_no"], hit.get("device") or "")
            for cid, hit in zip(page_one[IDS], page_one["hits"], strict=True)
            if cid not in named and hit.get("device") not in devices][:HEAD] if page_one else []
    requests = []
    if len(head) < HEAD and (page_one is None or page_one["total"] > len(page_one[IDS])):
        request = meili_request(params, on)  # the best after the first, as page one shows them
        requests.append({key: request[key] for key in ("matchingStrategy", "distinct") if key in request}
                        | {"offset": 0, "limit": HEAD, "filter": request["filter"] + _without(pins.first, params),
                           "attributesToRetrieve": ["id", "certificate_no", "device_key"]})
    if part is not None:
        requests.append(part_request(part))
    results = index.search_many(params.q, requests) if requests else []
    parts = pins.parts if part is None else [Pin(*hit) for hit in part_hits(part, results.pop())]
    if not parts and not pins.after:  # the best would follow the first in their own order anyway
        return pins.first
    if results:
        head = [Pin(doc["id"], doc["certificate_no"], doc.get("device_key", "")) for doc in results[0]["hits"]]
    split = next((i for i, pin in enumerate(pins.first) if pin.id in pins.begun), None)
    if split is not None and parts:
        return _once(pins.first[:split] + parts + pins.first[split:] + head + pins.after)
    return _once(pins.first + head[:PARTS_AFTER] + parts + head + pins.after)


def pinned_devices(pins: list[Pin], params: SearchParams) -> dict[str, int]:
    """Grouped by device, a pinned certificate stands for its device, whose own hit on the
    search's page goes: device → the pin's id."""
    if not params.grouped:
        return {}
    return {pin.device: pin.id for pin in reversed(pins) if pin.device}


def first_page(engine: Engine, index: SearchIndex, body: dict[str, Any], found: Pins,
               params: SearchParams, on: date) -> dict[str, Any]:
    """Meilisearch's first page (``search.request.search_meili``) with the pins first."""
    pins = in_order(index, found, params, on, body)
    at = window(1, params.per_page, len(pins))
    on_page = dict(zip(body[IDS], body["hits"], strict=True))
    named = {pin.id for pin in pins}
    devices = pinned_devices(pins, params)
    unpinned = [hit for cid, hit in on_page.items() if cid not in named and hit.get("device") not in devices]
    hits = _hits_of(engine, pins[at.pins], on_page, found.records, on) + unpinned[: at.limit]
    # the total is |P| + |M without P|, M counted in devices when grouped. Pins known to be in M:
    # those on its page (or whose device is), and the parts (found by Meilisearch among them)
    known = set(on_page) | {pin.id for pin in found.parts} | {devices[hit["device"]] for hit in on_page.values()
                                                                if hit.get("device") in devices}
    units = len(devices) if params.grouped else len(pins)  # what the pins take out of M's count
    if body["total"] <= len(on_page):  # M is all on the page
        total = len(pins) + len(unpinned)
    elif all(pin.id in known for pin in pins):
        total = len(pins) + body["total"] - units
    else:  # how many of the pins (their devices) are in M? Asked with the page's device counts
        page = {**body, "hits": hits, "total": len(pins) + body["total"]}  # (search.query)

        def less(results: list[dict[str, Any]]) -> None:
            page["total"] -= results[0].get("totalHits", 0)
        page[LATER] = Asked([{"q": params.q, **_count_among(pins, params, on)}], less)
        return page
    return {**body, "hits": hits, "total": total}


def later_page(engine: Engine, index: SearchIndex, found: Pins, params: SearchParams,
               on: date) -> dict[str, Any]:
    """A page after the first, in one round trip to Meilisearch (two when some pins follow
    the search's best few, or the query is one word: ``in_order``)."""
    pins = in_order(index, found, params, on)
    if not pins:  # a word that is part of no code, and names none
        return search_meili(index, params, on)
    at = window(params.page, params.per_page, len(pins))
    request = meili_request(params, on)
    shifted = {key: value for key, value in request.items() if key not in ("page", "hitsPerPage", "facets")}
    shifted.update(offset=at.offset, limit=at.limit, filter=request["filter"] + _without(pins, params))
    everything = {**request, "page": 1, "hitsPerPage": 0}
    rest, counted, shared = index.search_many(params.q, [shifted, everything, _count_among(pins, params, on)])
    total = len(pins) + counted.get("totalHits", 0) - shared.get("totalHits", 0)
    hits = _hits_of(engine, pins[at.pins], {}, found.records, on) + [hit_from_document(doc, on) for doc in rest["hits"]]
    return {"total": total, "hits": hits, "facets": counted.get("facetDistribution", {})}


def sql_page(engine: Engine, found: Pins, params: SearchParams, on: date) -> dict[str, Any]:
    """The registry's own search (degraded mode), with the pins first on every page (all of
    them: its own ranking is too plain to put some after its best few)."""
    pins = _once(found.first + found.after)
    if not pins:
        return search_sql(engine, params, on)
    at = window(params.page, params.per_page, len(pins))
    body = search_sql(engine, params, on, exclude=[pin.id for pin in pins], offset=at.offset, limit=at.limit)
    return {**body, "hits": _hits_of(engine, pins[at.pins], {}, found.records, on) + body["hits"],
            "total": len(pins) + body["total"]}


def _once(pins: list[Pin]) -> list[Pin]:
    """``pins`` without repeats, each where it first comes."""
    return list({pin.id: pin for pin in pins}.values())


def _among(pins: list[Pin]) -> str:
    return f"certificate_no IN [{', '.join(quoted(pin.certificate_no) for pin in pins)}]"


def _units(pins: list[Pin], params: SearchParams) -> tuple[list[str], list[Pin]]:
    """What the pins stand for among the matches: grouped, their devices (and the pins whose
    device is not known, alone); else the pins themselves."""
    if not params.grouped:
        return [], pins
    return list(dict.fromkeys(pin.device for pin in pins if pin.device)), [pin for pin in pins if not pin.device]


def _without(pins: list[Pin], params: SearchParams) -> list[str]:
    """Filters leaving the pins out of the search's matches; grouped, their devices (a pin
    stands for its device: the device is not shown again after it)."""
    devices, alone = _units(pins, params)
    return ([f"NOT {among_devices(devices)}"] if devices else []) + (
        [f"NOT {_among(alone)}"] if alone else [])


def _count_among(pins: list[Pin], params: SearchParams, on: date) -> dict[str, Any]:
    """A search that only counts the matches the pins stand for (|P ∩ M|, in devices when
    grouped): filtered to a few certificates or devices, it costs Meilisearch little."""
    devices, alone = _units(pins, params)
    among = [among_devices(devices)] if devices else []
    among += [_among(alone)] if alone else []
    return counting(meili_request(params, on), " OR ".join(among), grouped=params.grouped)  # pins: never none


def _hits_of(engine: Engine, pins: list[Pin], known: dict[int, dict[str, Any]],
             records: dict[int, CertificateData], on: date) -> list[dict[str, Any]]:
    """The pins' hits: from the search's own page where they are on it (with highlights),
    else from their registry ``records`` (a pin the search did not match, or one not yet
    indexed), reading those not read yet (parts beyond the page)."""
    missing = [pin.id for pin in pins if pin.id not in known and pin.id not in records]
    if missing:
        with engine.connect() as connection:
            records = {**records, **load_few(connection.execution_options(read_only=True), missing)}
    return [known[pin.id] if pin.id in known else hit_from_document(shown_fields(records[pin.id]), on)
            for pin in pins if pin.id in known or pin.id in records]

"""Search certificates: Meilisearch first, the registry's own SQL when it is unreachable.

The certificates a query names by code come first (``search.pinning``); the request's
pieces are in ``search.request``. What people paste is read first (``search.pasted``), and
a shop's words around a model are dropped (``search.listing``); a query that finds nothing
is read again with a brand's slip mended (``search.brand_typos``) before fewer of its words
are asked to match.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine

from registry.clock import today
from registry.codes import normalise_regulation
from registry.loop_reader import OffTheLoop
from search import pinning
from search.brand_typos import BRAND_WORDS, brand_corrected
from search.client import SearchIndex, SearchUnavailable
from search.device_counts import count_devices
from search.listing import without_listing_words
from search.on_the_loop import in_greenlet
from search.parts import part_key
from search.pasted import read_pasted
from search.request import (
    IDS,
    LATER,
    PARTS,
    SearchParams,
    ask_together,
    counting,
    filtered,
    meili_request,
    search_meili,
    search_meili_later,
    status_facet,
)

log = logging.getLogger(__name__)
MAX_WORDS = 12  # a longer query is not asked word by word


@dataclass
class Answer:
    body: dict[str, Any]
    params: SearchParams  # as searched in the end
    degraded: bool
    relaxed: bool = False  # fewer words than all had to match


def search_certificates(engine: Engine, index: SearchIndex | None, params: SearchParams) -> dict[str, Any]:
    """The API's answer; ``degraded`` is true when it came from the SQL fallback."""
    on = today()
    asked = params.q
    pasted = read_pasted(params.q)  # a link from a QR scanner, a line copied from a label
    query = without_listing_words(pasted.query) or pasted.query  # a shop's words around a model
    answer = _answer(engine, index, replace(params, q=query), on, reread=True)
    body, params = answer.body, answer.params
    grouped = params.grouped and not answer.degraded and index is not None
    statuses = "status" in params.facets and "status" not in body.get("facets", {})  # not with a later page
    asks = [body.pop(LATER)] if LATER in body else []  # the pins' count (search.pinning)
    if not answer.degraded and index is not None and (grouped or statuses):
        request = meili_request(params, on)
        if answer.relaxed:
            request["matchingStrategy"] = "last"
        asks += [count_devices(engine, index.name, request, body["hits"])] if grouped else []
        asks += [status_facet(body["facets"], params.q, request, on, index.name)] if statuses else []
    if asks:
        try:
            ask_together(index, asks)  # one round trip
        except SearchUnavailable as exc:  # the hits stand; the counts are left out
            log.warning("counts left out: %s", exc)
    body.pop(IDS, None)
    body.pop(PARTS, None)
    return {"query": asked, "searched": params.q, "page": params.page, "per_page": params.per_page,
            **body, "grouped_by": "device" if grouped else "certificate", "degraded": answer.degraded}


def words_found(index: SearchIndex, params: SearchParams, on: date) -> str:
    """The query without the words that keep it from finding anything, '' when there is no
    such reading: first without the words no certificate holds (each asked alone, in one
    round trip); when every word is somewhere, without the one word whose leaving out finds
    something, the fewest certificates if several do (a second round trip): ``myphone (lp)
    q-smart plus``, whose brand's (PL) was typed the wrong way round, is the Q-Smart Plus."""
    words = params.q.split()
    if not 1 < len(words) <= MAX_WORDS:
        return ""
    count = counting(meili_request(params, on))  # every word must match, under the filters

    def totals(queries: list[str]) -> list[int]:
        asked = [{"q": query, **count} for query in queries]
        return [result.get("totalHits", 0) for result in index.search_many("", asked)]

    # every word but the last is a whole word in the search
    alone = totals([word if i == len(words) - 1 else f"{word} " for i, word in enumerate(words)])
    kept = [word for word, total in zip(words, alone, strict=True) if total]
    if len(kept) < len(words):
        return " ".join(kept)
    without = totals([" ".join(words[:i] + words[i + 1:]) for i in range(len(words))])
    found = [(total, i) for i, total in enumerate(without) if total]
    if not found:
        return ""
    left_out = min(found)[1]
    return " ".join(words[:left_out] + words[left_out + 1:])


def read_again(engine: Engine, query: str) -> str:
    """The query with a brand's slip mended ('' when there is none)."""
    mended = brand_corrected(query, BRAND_WORDS.of(engine))
    return mended if mended != query else ""


def _answer(engine: Engine, index: SearchIndex | None, params: SearchParams, on: date, reread: bool,
            trim: bool = True) -> Answer:
    named = normalise_regulation(params.q) if params.q[:4].upper() == "QCVN" else None
    if named and not params.regulation:
        # regulations are a filter, not searched words: a query that names one lists its certificates
        params = replace(params, q="", regulation=named[0])
    degraded = index is None
    body, relaxed = None, False
    # the registry is asked for the codes the query names while Meilisearch searches (the
    # request is sent, the registry read, then the answer read); they come first
    # (search.pinning), unless a filter narrows the search
    pinning_on = bool(params.q) and not filtered(params)
    known: list[pinning.Pins] = []

    def pins() -> pinning.Pins:
        if not known:
            known.append(pinning.RECENT.get((id(engine), params.q), lambda: pinning.pinned(engine, params.q))
                         if pinning_on else pinning.Pins([], []))
        return known[0]

    part = part_key(params.q) if pinning_on else None
    if index is not None:
        try:
            if params.page > 1 and pinning_on and (pins() or part):
                body = pinning.later_page(engine, index, pins(), params, on)
            else:
                answer = search_meili_later(index, params, on, part=part)
                found = pins() if pinning_on else None  # while Meilisearch searches
                body = answer()
                if not body["total"] and params.q and reread and not (found and found.first) and (
                        again := read_again(engine, params.q)):  # pins shown later only: a slip more likely
                    return _answer(engine, index, replace(params, q=again), on, reread=False)
                if not body["total"] and params.q and not found:
                    # a misread or extra word that names no code (``galaxy a54 chính hãng``):
                    # rather than answer nothing, leave out the words found nowhere, else
                    # match fewer words
                    if trim and (kept := words_found(index, params, on)):
                        return _answer(engine, index, replace(params, q=kept), on, reread=False, trim=False)
                    body, relaxed = search_meili(index, params, on, relaxed=True), True
                elif found is not None and (found or body[PARTS]):
                    parts = [pinning.Pin(*hit) for hit in body[PARTS]]
                    body = pinning.first_page(engine, index, body, replace(found, parts=parts), params, on)
        except SearchUnavailable as exc:
            log.warning("search degraded to SQL: %s", exc)
            degraded = True
    if body is None:
        if in_greenlet():  # a search of the registry's text may take a while: not on the event loop
            raise OffTheLoop("the search index is away: the registry is searched in a worker thread")
        body = pinning.sql_page(engine, pins(), params, on)
        if not body["total"] and params.q and reread and (again := read_again(engine, params.q)):
            return _answer(engine, index if not degraded else None, replace(params, q=again), on, reread=False)
    return Answer(body, params, degraded, relaxed)

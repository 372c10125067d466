"""The search page's filters: facet choices with their counts, and links that keep them.

A filter is a plain ``<select>`` in a GET form, so it works without JavaScript; the page
also lists the filters in force, each with a link that removes it, and its page links carry
every filter along.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar import Request
from litestar.response import Redirect

from public_site.rendering import STATUS_CODES
from registry.vocabulary import Kind
from search.categories import CODES as CATEGORY_CODES
from search.request import SearchParams

MOST_CHOICES = 30  # a phone-sized list: the brands and regulations with the most certificates


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    count: int | None  # None: no count known (status, or a value outside the facets)
    selected: bool


@dataclass(frozen=True)
class Filter:
    name: str  # the query parameter
    label: str
    choices: list[Choice]

    @property
    def selected(self) -> Choice | None:
        return next((c for c in self.choices if c.selected), None)


def search_url(params: SearchParams, **changes: Any) -> str:
    """``/?q=…&brand=…&page=…`` for ``params`` with ``changes``; defaults are left out."""
    wanted = replace(params, **changes)
    defaults = SearchParams()
    pairs = [(f.name, getattr(wanted, f.name)) for f in fields(SearchParams)
             if getattr(wanted, f.name) not in (None, "", getattr(defaults, f.name))]
    return "/?" + urlencode(pairs) if pairs else "/"


def without_empty_fields(request: Request) -> Redirect | None:
    """The filter form sends every select, chosen or not (``status=&year=``): redirect to the
    same search without the empty ones, which the parameter rules would refuse as invalid,
    and which make a longer link to share."""
    raw = request.scope.get("query_string") or b""
    if not (b"=&" in raw or raw.endswith(b"=")):
        return None
    pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if v.strip()]
    if len(kept) == len(pairs):
        return None
    return Redirect(path="/?" + urlencode(kept) if kept else "/", status_code=303)


def _most(counts: dict[str, int]) -> list[str]:
    return sorted(counts, key=lambda v: (-counts[v], v))[:MOST_CHOICES]


def _choices(counts: dict[str, int], values: list[str], chosen: Any,
             label: Callable[[str], str] = str) -> list[Choice]:
    chosen = None if chosen in (None, "") else str(chosen)
    if chosen is not None and chosen not in values:
        values = [*values, chosen]  # the filter in force stays visible even when the facets lack it
    return [Choice(v, label(v), counts.get(v), v == chosen) for v in values]


def search_filters(params: SearchParams, facets: dict[str, dict[str, int]], t: Callable[[str], str]) -> list[Filter]:
    """The filters to offer beside the results, from the facet counts of the search."""
    kinds, brands, categories = facets.get("kind", {}), facets.get("brand", {}), facets.get("category", {})
    regulations, years = facets.get("regulations", {}), facets.get("issued_year", {})
    technologies = facets.get("technologies", {})
    return [
        Filter("status", t("status"), _choices({}, list(STATUS_CODES), params.status, lambda c: t(f"status_{c}"))),
        Filter("kind", t("kind"), _choices(kinds, [k for k in Kind if k in kinds], params.kind, t)),
        Filter("category", t("category"), _choices(categories, [c for c in CATEGORY_CODES if c in categories],
                                                   params.category, lambda c: t(f"category_{c}"))),
        Filter("brand", t("brand"), _choices(brands, _most(brands), params.brand)),
        Filter("regulation", t("regulations"), _choices(regulations, _most(regulations), params.regulation)),
        Filter("year", t("issued_year"), _choices(years, sorted(years, reverse=True), params.year)),
        Filter("technology", t("field_technologies"),
               _choices(technologies, _most(technologies), params.technology)),
    ]

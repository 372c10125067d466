"""Facets are counted only when asked (``facets=status,brand`` or ``all``); the search page
asks for those its filter panel shows; the status counts are the effective statuses of the day."""

from __future__ import annotations

from collections import Counter

import pytest
from litestar.testing import TestClient

from public_site.app import create_app
from registry.settings import get_settings
from search.request import ALL_FACETS


@pytest.fixture
def client(sample_registry, sample_index):
    app = create_app(get_settings(), sample_registry, sample_index, run_worker=False, migrate=False)
    with TestClient(app) as test_client:
        yield test_client


def _search(client, **params):
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_no_facets_unless_asked(client):
    assert _search(client, q="samsung")["facets"] == {}


def test_the_facets_asked_and_only_those(client):
    body = _search(client, q="samsung", facets="brand, year")
    assert set(body["facets"]) == {"brand", "issued_year"} and body["facets"]["brand"]["Samsung"] > 0
    assert sum(body["facets"]["issued_year"].values()) == sum(body["facets"]["brand"].values())
    every = _search(client, q="samsung", facets="all")["facets"]
    assert set(every) == {"status", "kind", "brand", "regulations", "issued_year", "technologies", "category"}
    assert len(ALL_FACETS) == 7


def test_status_counts_are_the_effective_statuses_of_the_day(client):
    body = _search(client, q="", kind="certificate", facets="status", per_page=100, group="certificate")
    pages = [body] + [_search(client, q="", kind="certificate", per_page=100, page=p, group="certificate")
                      for p in range(2, -(-body["total"] // 100) + 1)]
    seen = Counter(hit["status"] for page in pages for hit in page["hits"])
    assert body["facets"]["status"] == dict(seen) and sum(seen.values()) == body["total"]
    assert {"valid", "expired"} <= set(seen)  # the sample has both, so the subtraction is tried


def test_an_unknown_facet_is_a_400_that_names_it(client):
    response = client.get("/api/v1/search", params={"q": "x", "facets": "brand,colour"})
    assert response.status_code == 400 and "'colour'" in response.json()["detail"]


def test_the_search_page_counts_what_its_panel_shows(client):
    page = client.get("/", params={"q": "samsung"})
    assert page.status_code == 200 and "Samsung" in page.text


def test_the_status_counts_are_the_same_on_every_page_and_for_a_query_naming_codes(client):
    """Page one counts the statuses with its own search; a later page, and a page whose
    query names codes the registry pins, count them apart: the same figures."""
    first = _search(client, q="samsung", facets="status", per_page=5)
    later = _search(client, q="samsung", facets="status", per_page=5, page=2)
    assert first["facets"]["status"] == later["facets"]["status"] and sum(first["facets"]["status"].values())
    pinned = _search(client, q="SM-A546E", facets="status")
    assert sum(pinned["facets"]["status"].values()) >= 1

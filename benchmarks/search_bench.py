"""Search latency: ``GET /api/v1/search`` next to raw Meilisearch, for the same query strings.

    python -m benchmarks.search_bench                    # 40,000 generated certificates
    python -m benchmarks.search_bench --database-url sqlite:///var/bench/bench.db

The queries are the relevance benchmark's mix of kinds. The API is called in-process
(ASGI, no sockets), one at a time for latency and 32 at a time for throughput; raw
Meilisearch gets the same strings with the same parameters (page, facets, highlights)
over one kept-alive, uncompressed HTTP connection (the fastest way to ask it), each query
right before or after the API's, so the difference is what Hopquy adds; a third row asks
Meilisearch the same without facets, to show how much of its own time the five facet counts
take (they are most of its slowest answers). When no certificate
holds every word and the query names no code, the API asks Meilisearch a second time,
matching fewer words (``search.query.search_certificates``); raw asks once, so that second
request counts against the API. Last, the app is served by uvicorn as ``hopquy serve`` serves
it and asked over HTTP, paired with raw again: what a user's request costs end to end, the HTTP
server's share included. The machine is noisy: compare the rows of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
from sqlalchemy import Engine

from benchmarks.measure import meilisearch_for, served
from benchmarks.relevance import all_records, build_registry, index_everything
from benchmarks.relevance_queries import make_queries
from benchmarks.site_bench import Target, throughput
from public_site.app import create_app
from registry.clock import today
from registry.db import make_engine
from registry.settings import get_settings
from search.client import SearchIndex, SearchTarget, quick_transport
from search.request import SearchParams, meili_request


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def add_registry_arguments(parser: argparse.ArgumentParser) -> None:
    """The registry searched and the queries asked (``searchable_registry``)."""
    parser.add_argument("--certificates", type=int, default=40_000)
    parser.add_argument("--database-url")
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--work", type=Path, default=Path("var/bench"))


@dataclasses.dataclass
class Searchable:
    engine: Engine
    certificates: int
    texts: list[str]  # the relevance mix's query strings
    url: str
    key: str
    index: SearchIndex


@contextmanager
def searchable_registry(args: argparse.Namespace, name: str) -> Iterator[Searchable]:
    """The registry (generated, or the one ``--database-url`` names), the query strings of the
    relevance mix, and a Meilisearch of the benchmark's own holding its index ``bench``."""
    args.work.mkdir(parents=True, exist_ok=True)
    engine = make_engine(args.database_url) if args.database_url else build_registry(args.work, args.certificates)
    records = all_records(engine)
    texts = [q.text for q in make_queries(records, args.sample)]
    with meilisearch_for(args.work / name) as (url, key):
        index = SearchIndex(SearchTarget(url, key, "bench"), timeout=30)
        index_everything(engine, index)
        yield Searchable(engine, len(records), texts, url, key, index)


class RawSearch:
    """The same request the API sends (page, facets, highlights), straight to Meilisearch;
    ``facets=False`` leaves out the facets, to show what they cost Meilisearch itself."""

    def __init__(self, url: str, key: str, facets: bool = True) -> None:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                   "Accept-Encoding": "identity"}
        self.client = httpx.Client(base_url=url, headers=headers, transport=quick_transport())
        self.facets = facets

    def __call__(self, text: str) -> float:
        request = meili_request(SearchParams(q=text), today())
        if not self.facets:
            del request["facets"]
        body = orjson.dumps({"q": text, **request})
        started = time.perf_counter()
        response = self.client.post("/indexes/bench/search", content=body)
        response.json()
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        return elapsed


async def paired_latencies(app, raw: RawSearch, bare: RawSearch,
                           texts: list[str]) -> tuple[list[float], list[float], list[float]]:
    """Each query asked of raw Meilisearch (with and without facets) and of the API back to
    back, the order alternating, so that all see the machine in the same state (an index still
    settling, a noisy neighbour)."""
    raws, bares, apis = [], [], []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for i, text in enumerate(texts):
            path = f"/api/v1/search?q={quote(text)}"
            bares.append(bare(text))
            if i % 2:
                raws.append(raw(text))
            started = time.perf_counter()
            response = await client.get(path)
            apis.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
            if not i % 2:
                raws.append(raw(text))
    return raws, bares, apis


def served_latencies(base_url: str, raw: RawSearch, texts: list[str]) -> tuple[list[float], list[float]]:
    """Each query asked of raw Meilisearch and of the served API over one kept-alive HTTP
    connection each, back to back, the order alternating."""
    raws, apis = [], []
    with httpx.Client(base_url=base_url, transport=quick_transport()) as client:
        for i, text in enumerate(texts):
            if i % 2:
                raws.append(raw(text))
            started = time.perf_counter()
            response = client.get(f"/api/v1/search?q={quote(text)}")
            body = response.json()
            apis.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or body["degraded"]:
                raise SystemExit(f"served search for {text!r}: {response.status_code} {response.text[:300]}")
            if not i % 2:
                raws.append(raw(text))
    return raws, apis


async def api_throughput(app, paths: list[str], seconds: float) -> tuple[float, int]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        target = Target("search", client, paths)
        await throughput(target, seconds)
    return target.done / target.seconds, target.errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_registry_arguments(parser)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    with searchable_registry(args, "search-bench") as registry:
        engine, texts, url, key = registry.engine, registry.texts, registry.url, registry.key
        settings = dataclasses.replace(get_settings(), rate_limit_per_minute=0)
        app = create_app(settings, engine, registry.index, run_worker=False, migrate=False)
        raw_search, bare_search = RawSearch(url, key), RawSearch(url, key, facets=False)
        asyncio.run(paired_latencies(app, raw_search, bare_search, texts[:100]))  # warm up
        raw, bare, api = asyncio.run(paired_latencies(app, raw_search, bare_search, texts))
        paths = [f"/api/v1/search?q={quote(t)}" for t in texts]
        rate, errors = asyncio.run(api_throughput(app, paths, args.seconds))
        env = {"HOPQUY_DATABASE_URL": engine.url.render_as_string(hide_password=False), "HOPQUY_MEILI_URL": url,
               "HOPQUY_MEILI_KEY": key, "HOPQUY_MEILI_INDEX": "bench", "HOPQUY_RATE_LIMIT": "0"}
        with served(args.work / "served", env) as base_url:
            served_latencies(base_url, raw_search, texts[:100])  # warm up
            served_raw, served_api = served_latencies(base_url, raw_search, texts)
    print(f"\nsearch latency, {registry.certificates:,} certificates, {len(texts):,} queries of the relevance mix")
    print(f"  raw Meilisearch       p50 {pct(raw, 50):6.2f} ms  p99 {pct(raw, 99):6.2f} ms")
    print(f"    the same, no facets p50 {pct(bare, 50):6.2f} ms  p99 {pct(bare, 99):6.2f} ms  "
          "(what the five facet counts cost Meilisearch)")
    print(f"  GET /api/v1/search    p50 {pct(api, 50):6.2f} ms  p99 {pct(api, 99):6.2f} ms  "
          f"{rate:,.0f} req/s with 32 clients, {errors} errors")
    print("  served by uvicorn over HTTP, the same strings again, paired with raw:")
    print(f"    raw Meilisearch     p50 {pct(served_raw, 50):6.2f} ms  p99 {pct(served_raw, 99):6.2f} ms")
    print(f"    GET /api/v1/search  p50 {pct(served_api, 50):6.2f} ms  p99 {pct(served_api, 99):6.2f} ms")
    print(f"  targets: API p50 <= raw p50 + 2 ms ({pct(raw, 50) + 2:.2f}); API p99 < 15 ms; no errors")


if __name__ == "__main__":
    main()

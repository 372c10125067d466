"""Where a search's time goes beyond raw Meilisearch's: the search function, the same without
the registry lookup of pins, the whole app in-process, and the app around a fixed answer.

    python -m benchmarks.search_breakdown --database-url sqlite:///var/bench/bench.db

``benchmarks.search_bench`` says how far the API is from raw Meilisearch; this says which part
of Hopquy the difference is in, and how many of the mix's searches wait for Meilisearch more
than once. Every query of the relevance mix is asked of each variant back
to back, twice, in shuffled order, the variants' order rotating, so that all see the machine in
the same state. Two variants are measuring aids, never the product's behaviour:

- *no pins*: ``search.pinning.pinned`` answers "no pins" without reading the registry, so the
  difference to the function is what looking up the codes a query names costs, its CPU beside
  Meilisearch's on the same cores included;
- *fixed answer*: the API handler returns a ready body, so what is left is Litestar, its thread
  hop and the in-process client.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from unittest import mock
from urllib.parse import quote

import httpx

from benchmarks.search_bench import RawSearch, add_registry_arguments, pct, searchable_registry
from public_site.app import create_app
from registry.settings import get_settings
from search import pinning
from search.client import SearchIndex
from search.query import search_certificates
from search.request import SearchParams

VARIANTS = ("raw Meilisearch", "search_certificates", "  the same, no pins", "the app in-process",
            "  the app, fixed answer")


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


async def breakdown(engine, index: SearchIndex, raw: RawSearch, texts: list[str]) -> dict[str, list[float]]:
    settings = dataclasses.replace(get_settings(), rate_limit_per_minute=0)
    app = create_app(settings, engine, index, run_worker=False, migrate=False)
    fixed = search_certificates(engine, index, SearchParams(q=texts[0]))
    no_pins = mock.patch.object(pinning, "pinned", lambda engine, query: pinning.Pins([], []))
    fixed_answer = mock.patch("public_site.api.search_certificates", lambda engine, index, params: fixed)
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

        async def app_time(text: str) -> float:
            started = time.perf_counter()
            response = await client.get(f"/api/v1/search?q={quote(text)}")
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{text!r}: {response.status_code} {response.text[:300]}")
            return elapsed

        async def function_time(text: str) -> float:
            return timed(lambda: search_certificates(engine, index, SearchParams(q=text)))

        async def without_pins(text: str) -> float:
            with no_pins:
                return await function_time(text)

        async def around_fixed_answer(text: str) -> float:
            with fixed_answer:
                return await app_time(text)

        async def raw_time(text: str) -> float:
            return raw(text)

        variants = dict(zip(VARIANTS, (raw_time, function_time, without_pins, app_time, around_fixed_answer),
                            strict=True))
        for text in texts[:100]:  # warm up
            for name in VARIANTS:
                await variants[name](text)
        order = texts * 2
        random.Random(7).shuffle(order)
        for i, text in enumerate(order):
            shift = i % len(VARIANTS)
            for name in VARIANTS[shift:] + VARIANTS[:shift]:
                times[name].append(await variants[name](text))
    return times


def round_trips(engine, index: SearchIndex, texts: list[str]) -> Counter:
    """How many searches of ``texts`` waited for Meilisearch once, twice, ... (each request
    to it is a round trip: several searches in one multi-search are one)."""
    posted: list[str] = []
    post = SearchIndex._post

    def counted(self, path, body):
        posted.append(path)
        return post(self, path, body)
    trips: Counter = Counter()
    with mock.patch.object(SearchIndex, "_post", counted):
        for text in texts:
            before = len(posted)
            search_certificates(engine, index, SearchParams(q=text))
            trips[len(posted) - before] += 1
    return trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_registry_arguments(parser)
    args = parser.parse_args()
    with searchable_registry(args, "search-breakdown") as registry:
        raw = RawSearch(registry.url, registry.key)
        times = asyncio.run(breakdown(registry.engine, registry.index, raw, registry.texts))
        trips = round_trips(registry.engine, registry.index, registry.texts)
    print(f"\nwhere a search's time goes, {registry.certificates:,} certificates, {len(registry.texts) * 2:,} searches "
          "(the relevance mix, twice)")
    for name, values in times.items():
        print(f"  {name:<26} p50 {pct(values, 50):6.2f} ms  p90 {pct(values, 90):6.2f} ms  "
              f"p99 {pct(values, 99):6.2f} ms")
    raw, function, no_pins, app, _ = times.values()

    def paired(a: list[float], b: list[float]) -> float:
        return statistics.median(x - y for x, y in zip(a, b, strict=True))

    print("  query by query, median of the differences:")
    print(f"    the function over raw Meilisearch     {paired(function, raw):+6.2f} ms")
    print(f"    of which the pins lookup              {paired(function, no_pins):+6.2f} ms")
    print(f"    the app around the function           {paired(app, function):+6.2f} ms")
    print(f"    the app over raw Meilisearch          {paired(app, raw):+6.2f} ms  (target: +2 ms at p50)")
    print("  searches of the mix by their round trips to Meilisearch: "
          + ", ".join(f"{count:,} in {n}" for n, count in sorted(trips.items())))


if __name__ == "__main__":
    main()

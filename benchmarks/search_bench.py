"""Search latency and throughput: ``GET /api/v1/search`` next to raw Meilisearch, for the same
query strings and the same request.

    python -m benchmarks.search_bench                    # 40,000 generated certificates
    python -m benchmarks.search_bench --database-url sqlite:///var/rel/relevance-1000000.db \
        --work var/rel --keep-index --workers 1 2

The queries are the relevance benchmark's mix of kinds. Raw Meilisearch gets the request the
API sends it first (page, grouping by device, highlights, the facets asked) over one
kept-alive, uncompressed HTTP connection (the fastest way to ask it), each query right before
or after the API's, so the difference is what Hopquy adds: its own code, the registry's
lookup of the codes a query names, the count of each device's certificates, a second search
when nothing holds every word. Three pairings: the app in-process (ASGI, no sockets); the
app served by uvicorn as ``hopquy serve`` serves it, over HTTP (what a user's request costs
end to end); the same served app with every facet asked; and the served app beside raw
Meilisearch asked every request the API's search sends it (``benchmarks.replay``), which
leaves Hopquy's own code as the difference. Then wrk loads the served app and
raw Meilisearch in turns with ``--clients`` connections asking one query again and again
(search as you type sends a request per keystroke), with each ``--workers`` asked for. The
machine is noisy: compare the rows of one run.
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

from benchmarks.measure import cpu_seconds, database_pid, has_wrk, meilisearch_for, served, serving_pid, wrk
from benchmarks.relevance import all_records, build_registry, index_everything
from benchmarks.relevance_queries import make_queries
from benchmarks.replay import ReplaySearch
from benchmarks.search_load_report import show_load
from benchmarks.site_bench import Target, throughput
from public_site.app import create_app
from registry.clock import today
from registry.db import make_engine
from registry.settings import get_settings
from search.client import SearchIndex, SearchTarget
from search.kept_alive import KeptAlive
from search.lapsed import queue_lapsed
from search.request import ALL_FACETS, SearchParams, meili_request


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def add_registry_arguments(parser: argparse.ArgumentParser) -> None:
    """The registry searched and the queries asked (``searchable_registry``)."""
    parser.add_argument("--certificates", type=int, default=40_000)
    parser.add_argument("--database-url")
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--work", type=Path, default=Path("var/bench"))
    parser.add_argument("--keep-index", action="store_true",
                        help="reuse the index of an earlier run over the same registry (same documents)")


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
    with meilisearch_for(args.work / name, keep=args.keep_index) as (url, key):
        index = SearchIndex(SearchTarget(url, key, "bench"), timeout=30)
        index_everything(engine, index, keep=args.keep_index)
        yield Searchable(engine, len(records), texts, url, key, index)


class RawSearch:
    """The request the API sends Meilisearch first (page, grouping, highlights, the ``facets``
    asked), straight to Meilisearch: what the API adds is measured against it."""

    def __init__(self, url: str, key: str, facets: tuple[str, ...] = ()) -> None:
        self.url, self.key = url, key
        self.client = KeptAlive(url, raw_headers(key), timeout=30)
        self.facets = facets

    def body(self, text: str) -> bytes:
        request = meili_request(SearchParams(q=text, facets=self.facets), today())
        if "status" in self.facets:  # the status each document stores, as the API counts it (search.lapsed)
            request["facets"].append("status")
        return orjson.dumps({"q": text, **request})

    def __call__(self, text: str) -> float:
        body = self.body(text)
        started = time.perf_counter()
        status, answer = self.client.post("/indexes/bench/search", body)
        orjson.loads(answer)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SystemExit(f"raw search for {text!r}: {status} {answer[:300]}")
        return elapsed


def raw_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Accept-Encoding": "identity"}


def api_path(text: str, facets: tuple[str, ...] = ()) -> str:
    return f"/api/v1/search?q={quote(text)}" + (f"&facets={','.join(facets)}" if facets else "")


async def paired_latencies(app, raw: RawSearch, texts: list[str]) -> tuple[list[float], list[float]]:
    """Each query asked of raw Meilisearch and of the API in-process (ASGI) back to back, the
    order alternating, so that both see the machine in the same state."""
    raws, apis = [], []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for i, text in enumerate(texts):
            path = api_path(text, raw.facets)
            if i % 2:
                raws.append(raw(text))
            started = time.perf_counter()
            response = await client.get(path)
            apis.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
            if not i % 2:
                raws.append(raw(text))
    return raws, apis


def bare_path(text: str, facets: tuple[str, ...] = ()) -> str:
    return f"/search?q={quote(text)}"  # benchmarks.bare_proxy: the default request only


def served_latencies(base_url: str, raw: RawSearch, texts: list[str], path=api_path) -> tuple[list[float], list[float]]:
    """Each query asked of raw Meilisearch and of the served API (or the bare proxy, ``path``)
    over one kept-alive HTTP connection each, back to back, the order alternating."""
    raws, apis = [], []
    client = KeptAlive(base_url, {}, timeout=30)  # the client raw Meilisearch is asked with
    for i, text in enumerate(texts):
        if i % 2:
            raws.append(raw(text))
        started = time.perf_counter()
        status, answer = client.request("GET", path(text, raw.facets))
        body = orjson.loads(answer)
        apis.append((time.perf_counter() - started) * 1000)
        if status != 200 or body.get("degraded"):
            raise SystemExit(f"served search for {text!r}: {status} {answer[:300]}")
        if not i % 2:
            raws.append(raw(text))
    client.close()
    return raws, apis


def under_load(base_url: str, raw: RawSearch, texts: list[str], args: argparse.Namespace,
               bare_url: str | None = None, database: int | None = None) -> dict[str, list[dict]]:
    """wrk with ``--clients`` clients against the served API and against raw Meilisearch
    asked the same requests, ``--rounds`` rounds each, taking turns: one query asked again and
    again (``--load-query``, as the issue's target has it), and the relevance mix in turn
    (where little is asked twice in a row); and the bare proxy (``bare_url``) likewise.
    ``database``: PostgreSQL's postmaster, whose CPU is counted too."""
    runs: dict[str, list[dict]] = {"api": [], "raw": [], "api mix": [], "raw mix": [], "bare": [], "bare mix": []}
    work = args.work / "wrk"
    work.mkdir(parents=True, exist_ok=True)
    headers = raw_headers(raw.key)
    del headers["Accept-Encoding"]  # wrk asks for no compression anyway
    mix = texts[:500]

    meili_pid, app_pid = serving_pid(raw.url), serving_pid(base_url)
    bare_pid = serving_pid(bare_url) if bare_url else None

    def costed(server: int | None, load) -> dict:
        """wrk's figures, with the core-milliseconds Meilisearch, the server in front of it
        (none for raw) and PostgreSQL (``database``) spent on each request while it ran."""
        pids = (meili_pid, server, database)
        before = [cpu_seconds(pid) if pid else 0.0 for pid in pids]
        result = load()
        after = [cpu_seconds(pid) if pid else 0.0 for pid in pids]
        done = max(1.0, result["rps"] * args.seconds)
        meili_ms, front_ms, db_ms = ((a - b) * 1000 / done for a, b in zip(after, before, strict=True))
        return {**result, "meili_ms": meili_ms, "front_ms": front_ms, "db_ms": db_ms}

    def api(queries: list[str]) -> dict:
        return costed(app_pid, lambda: wrk(base_url, [api_path(text) for text in queries], args.seconds, work,
                                           connections=args.clients))

    def meili(queries: list[str]) -> dict:
        return costed(None, lambda: wrk(raw.url.rstrip("/"), ["/indexes/bench/search"], args.seconds, work,
                                        connections=args.clients, bodies=[raw.body(text) for text in queries],
                                        headers=headers))

    def bare(queries: list[str]) -> dict:
        return costed(bare_pid, lambda: wrk(bare_url, [bare_path(text) for text in queries], args.seconds, work,
                                            connections=args.clients))

    api([args.load_query]), meili([args.load_query]), api(mix)  # warm up
    if bare_url:
        bare(mix)
    for _ in range(args.rounds):
        runs["api"].append(api([args.load_query]))
        runs["raw"].append(meili([args.load_query]))
        if bare_url:
            runs["bare"].append(bare([args.load_query]))
        runs["api mix"].append(api(mix))
        runs["raw mix"].append(meili(mix))
        if bare_url:
            runs["bare mix"].append(bare(mix))
    return runs


async def api_throughput(app, paths: list[str], seconds: float) -> tuple[float, int]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        target = Target("search", client, paths)
        await throughput(target, seconds)
    return target.done / target.seconds, target.errors


def show(title: str, raw: list[float], api: list[float], plus50: float, plus99: float,
         label: str = "GET /api/v1/search") -> None:
    print(f"  {title}")
    print(f"    raw Meilisearch     p50 {pct(raw, 50):6.2f} ms  p99 {pct(raw, 99):6.2f} ms")
    print(f"    {label:<19} p50 {pct(api, 50):6.2f} ms  p99 {pct(api, 99):6.2f} ms  "
          f"(+{pct(api, 50) - pct(raw, 50):.2f} / +{pct(api, 99) - pct(raw, 99):.2f} ms; "
          f"targets +{plus50} / +{plus99} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_registry_arguments(parser)
    parser.add_argument("--seconds", type=float, default=6, help="of each wrk round")
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds of each side, taking turns")
    parser.add_argument("--clients", type=int, default=16, help="wrk connections")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="served with these --workers")
    parser.add_argument("--load-query", default="galaxy", help="the query wrk asks again and again")
    args = parser.parse_args()
    with searchable_registry(args, "search-bench") as registry:
        engine, texts, url, key = registry.engine, registry.texts, registry.url, registry.key
        database = database_pid(engine)
        settings = dataclasses.replace(get_settings(), rate_limit_per_minute=0)
        app = create_app(settings, engine, registry.index, run_worker=False, migrate=False)
        plain, faceted = RawSearch(url, key), RawSearch(url, key, facets=ALL_FACETS)
        queue_lapsed(engine, registry.index)  # as the served app's drain does: the statuses stored are the day's
        replayed = ReplaySearch(engine, registry.index, url, raw_headers(key), texts)
        replayed_all = ReplaySearch(engine, registry.index, url, raw_headers(key), texts, facets=ALL_FACETS)
        asyncio.run(paired_latencies(app, plain, texts[:100]))  # warm up
        raw, api = asyncio.run(paired_latencies(app, plain, texts))
        rate, errors = asyncio.run(api_throughput(app, [api_path(t) for t in texts], 8))
        env = {"HOPQUY_DATABASE_URL": engine.url.render_as_string(hide_password=False), "HOPQUY_MEILI_URL": url,
               "HOPQUY_MEILI_KEY": key, "HOPQUY_MEILI_INDEX": "bench", "HOPQUY_RATE_LIMIT": "0"}
        loads = {}
        with served(args.work / "served", env, settle=True) as base_url, \
                served(args.work / "bare", env, app="benchmarks.bare_proxy:create_app") as bare_url:
            served_latencies(base_url, plain, texts[:100])  # warm up
            served_latencies(bare_url, plain, texts[:100], path=bare_path)
            served_raw, served_api = served_latencies(base_url, plain, texts)
            bare_raw, bare_api = served_latencies(bare_url, plain, texts, path=bare_path)
            all_raw, all_api = served_latencies(base_url, faceted, texts)
            replay_raw, replay_api = served_latencies(base_url, replayed, texts)
            replay_all_raw, replay_all_api = served_latencies(base_url, replayed_all, texts)
            if has_wrk() and 1 in args.workers:
                loads[1] = under_load(base_url, plain, texts, args, bare_url, database)
        for workers in [w for w in args.workers if w != 1 and has_wrk()]:
            with served(args.work / "served", env, options=("--workers", str(workers)), settle=True) as base_url:
                loads[workers] = under_load(base_url, plain, texts, args, database=database)
    print(f"\nsearch latency, {registry.certificates:,} certificates, {len(texts):,} queries of the relevance mix")
    show("in-process (ASGI), the default request (grouped by device, no facets)", raw, api, 1.5, 3)
    print(f"    {rate:,.0f} req/s with 32 clients in-process, {errors} errors")
    show("served by uvicorn over HTTP, the default request", served_raw, served_api, 1.5, 3)
    show("the bare proxy served the same way (benchmarks.bare_proxy: the ceiling)", bare_raw, bare_api, 1.5, 3,
         label="bare proxy")
    show("served, facets=all (raw: the same facets)", all_raw, all_api, "-", 3)
    print("  what Hopquy adds in front of the Meilisearch work its search asks for (benchmarks.replay: raw "
          f"Meilisearch asked every request the API sends, {replayed.requests_per_search():.2f} a search, "
          f"{replayed_all.requests_per_search():.2f} with facets=all)")
    forwarding = {q: pct(bare_api, q) - pct(bare_raw, q) for q in (50, 99)}
    for what, raw_side, api_side in (("the default request", replay_raw, replay_api),
                                     ("facets=all", replay_all_raw, replay_all_api)):
        show(f"served, {what}, raw replayed", raw_side, api_side, 1.5, 3)
        own = {q: pct(api_side, q) - pct(raw_side, q) - forwarding[q] for q in (50, 99)}
        print(f"    restated (docs/benchmarks.md): over the bare proxy's forwarding p50 {own[50]:+.2f} ms "
              f"(target <= +1.5), p99 {own[99]:+.2f} ms (target <= +3)")
    for workers, runs in loads.items():
        print(f"  under load: wrk, {args.clients} clients, {args.rounds} rounds of {args.seconds:.0f} s each "
              f"taking turns, --workers {workers} (medians)")
        show_load(runs, args.load_query)


if __name__ == "__main__":
    main()

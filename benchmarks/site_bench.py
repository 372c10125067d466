"""Verification speed: the scan page and the verify API against a trivial Litestar handler.

    python -m benchmarks.site_bench --database-url sqlite:///var/bench/bench.db

Requests go to the ASGI app in-process (no sockets), one at a time for latency and 32 at a
time for throughput; a trivial ``async`` Litestar handler is measured the same way in the
same run, so the figures that matter are the ratios. The scan page is measured twice: on a
set of certificates scanned again and again (its rendered pages kept, the row still read every
time), and on certificates each scanned once (every page rendered). Then the app and the
trivial handler are served by uvicorn as ``hopquy serve`` serves them and asked over HTTP by
wrk (when installed), the scan page also with uvicorn's pure-Python HTTP parser (h11), to show
what httptools gives, and one client far over the default rate limit (every answer a 429:
a refusal must cost less than a served page). Also: a QR PNG rendered cold and warm.
Use the registry the import benchmark left behind (1M certificates) for the real figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from litestar import Litestar, get
from sqlalchemy import func, select
from sqlmodel import Session

from benchmarks.measure import has_wrk, served, wrk
from public_site.app import create_app
from public_site.qr import prepare as prepare_qr
from public_site.qr import qr_png
from registry.db import make_engine
from registry.models import Certificate
from registry.settings import get_settings

CONCURRENCY = 32
COLD_NUMBERS = 30_000  # more than 8 s of cold scans at the rates seen here


@get(["/ping", "/healthz"])
async def ping() -> dict[str, str]:
    return {"status": "ok"}


def trivial_app() -> Litestar:
    """The trivial handler, for uvicorn (``served``)."""
    return Litestar([ping])


async def latencies(client: httpx.AsyncClient, paths: list[str]) -> list[float]:
    out = []
    for path in paths:
        started = time.perf_counter()
        response = await client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
    return out


@dataclasses.dataclass
class Target:
    """A list of paths asked in turn; the cursor goes on from round to round, never back."""

    name: str
    client: httpx.AsyncClient
    paths: list[str]
    cursor: int = 0
    done: int = 0
    errors: int = 0
    seconds: float = 0.0
    rounds: list[float] = dataclasses.field(default_factory=list)


async def throughput(target: Target, seconds: float) -> None:
    """``CONCURRENCY`` clients for ``seconds``; the round's rate is kept."""
    deadline = time.perf_counter() + seconds
    done = 0

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            path = target.paths[target.cursor % len(target.paths)]
            target.cursor += 1
            response = await target.client.get(path)
            target.errors += response.status_code != 200
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    target.done, target.seconds = target.done + done, target.seconds + elapsed
    target.rounds.append(done / elapsed)


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


async def measure(targets: dict[str, tuple], count: int, seconds: float, rounds: int) -> dict[str, dict]:
    """Latency one request at a time, then throughput in ``rounds`` short rounds that take
    turns between the targets: the machine's drift touches all of them alike, and each ratio
    is the median of its rounds' ratios to the trivial handler."""
    async with contextlib.AsyncExitStack() as stack:
        runs, results = [], {}
        for name, (app, paths, warm) in targets.items():
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench"))
            await latencies(client, paths[:count] if warm else paths[-50:])  # warm: visited before
            lat = await latencies(client, paths[:count])
            results[name] = {"p50": p(lat, 50), "p99": p(lat, 99)}
            runs.append(Target(name, client, paths[:count] if warm else paths[count:]))
        for _ in range(rounds):
            for target in runs:
                await throughput(target, seconds / rounds)
    base = runs[0]
    for target in runs:
        ratios = [mine / trivial for mine, trivial in zip(target.rounds, base.rounds, strict=True)]
        results[target.name].update(rps=target.done / target.seconds, errors=target.errors,
                                    ratio=statistics.median(ratios), spread=(min(ratios), max(ratios)))
    return results


def served_figures(database_url: str, numbers: list[str], seconds: float, rounds: int) -> dict[str, dict]:
    """wrk against the served app and the trivial handler served alike, in rounds taking turns;
    each ratio is the median of its rounds' ratios to the trivial handler."""
    env = {"HOPQUY_DATABASE_URL": database_url, "HOPQUY_RATE_LIMIT": "0"}
    scan = [f"/v/{n}" for n in numbers]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        trivial = stack.enter_context(served(work / "trivial", env, "benchmarks.site_bench:trivial_app"))
        app = stack.enter_context(served(work / "app", env))
        plain = stack.enter_context(served(work / "plain", env, options=("--http", "h11")))
        # the default limit, and wrk one client far over it: nearly every answer is a 429
        limited = stack.enter_context(served(work / "limited", {**env, "HOPQUY_RATE_LIMIT": "600"}))
        targets = {
            "trivial Litestar handler": (trivial, ["/ping"]),
            "/v/{no} scan page, repeated": (app, scan),
            "/v/{no} refused: 429": (limited, scan),
            "/api/v1/verify/{code}": (app, [f"/api/v1/verify/{n}" for n in numbers]),
            "/v/{no}, parsed by h11": (plain, scan),
        }
        for url, paths in targets.values():
            wrk(url, paths, 1, work)  # warm up: the repeated pages kept, their rows in the page cache
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        for _ in range(rounds):
            for name, (url, paths) in targets.items():
                runs[name].append(wrk(url, paths, seconds / rounds, work))
    base = runs["trivial Litestar handler"]
    return {name: {"p50": statistics.median(r["p50"] for r in mine),
                   "p99": statistics.median(r["p99"] for r in mine),
                   "rps": statistics.mean(r["rps"] for r in mine), "errors": sum(r["errors"] for r in mine),
                   "ratio": statistics.median(a["rps"] / b["rps"] for a, b in zip(mine, base, strict=True))}
            for name, mine in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10, help="of throughput per target, in all")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # Litestar's default logging would print a line per request of the benchmark's own client
    logging.getLogger("httpx").setLevel(logging.WARNING)
    engine = make_engine(args.database_url)
    with Session(engine) as session:
        total = session.execute(select(func.count()).select_from(Certificate)).scalar_one()
        # the repeated set, then numbers asked once each (enough for the throughput run)
        want = min(args.requests + COLD_NUMBERS, total)
        ids = random.Random(5).sample(range(1, total + 1), want)
        numbers = session.execute(select(Certificate.certificate_no).where(Certificate.id.in_(ids))).scalars().all()
    random.Random(6).shuffle(numbers)
    count = min(args.requests, len(numbers) // 2)
    # measure the work, not the limiter, and no access line (the served targets below keep theirs)
    settings = dataclasses.replace(get_settings(), rate_limit_per_minute=0, access_log=False)
    app = create_app(settings, engine, index=None, run_worker=False, migrate=False)
    trivial = Litestar([ping])
    scan = [f"/v/{n}" for n in numbers]
    results = asyncio.run(measure({
        "trivial Litestar handler": (trivial, ["/ping"] * count, True),
        # a shop's devices, scanned again and again: the page is kept, the row read every time
        "/v/{no} scan page, repeated": (app, scan, True),
        "/v/{no} scan page, each once": (app, scan[::-1], False),  # every page rendered
        "/api/v1/verify/{code}": (app, [f"/api/v1/verify/{n}" for n in numbers], True),
    }, count, args.seconds, args.rounds))
    print(f"\nverification benchmark, {total:,} certificates, {args.database_url.split(':')[0]}, "
          f"{CONCURRENCY} concurrent clients in-process, {args.rounds} rounds taking turns")
    for name, r in results.items():
        low, high = r["spread"]
        print(f"  {name:<30} p50 {r['p50']:.2f} ms  p99 {r['p99']:.2f} ms  {r['rps']:,.0f} req/s "
              f"({r['ratio']:.0%} of trivial, rounds {low:.0%}-{high:.0%})  errors {r['errors']}")
    if has_wrk():
        print(f"  served by uvicorn over HTTP, wrk with {CONCURRENCY} connections, p50 and p99 under that load:")
        for name, r in served_figures(args.database_url, numbers[:count], args.seconds, args.rounds).items():
            print(f"    {name:<28} p50 {r['p50']:.2f} ms  p99 {r['p99']:.2f} ms  {r['rps']:,.0f} req/s "
                  f"({r['ratio']:.0%} of trivial)  errors {r['errors']}")
    else:
        print("  served figures skipped: wrk is not installed (Debian package wrk)")
    prepare_qr()  # as the server does when it starts
    cold = []
    for n in numbers[:200]:
        started = time.perf_counter()
        qr_png(f"{settings.public_url}/v/{n}", 384)
        cold.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    qr_png(f"{settings.public_url}/v/{numbers[0]}", 384)
    warm = (time.perf_counter() - started) * 1000
    print(f"  QR PNG 384 px: cold p50 {p(cold, 50):.2f} ms, p99 {p(cold, 99):.2f} ms, max {max(cold):.2f} ms; "
          f"cached {warm:.3f} ms")
    print("  targets: p99 < 5 ms; throughput >= 40% of trivial; QR cold < 10 ms")


if __name__ == "__main__":
    main()

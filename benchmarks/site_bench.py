"""Verification speed: the scan page and the verify API against a trivial Litestar handler.

    python -m benchmarks.site_bench --database-url sqlite:///var/bench/bench.db

Requests go to the ASGI app in-process (no sockets), one at a time for latency and 32 at a
time for throughput; a trivial ``async`` Litestar handler is measured the same way in the
same run, so the figures that matter are the ratios. The scan page is measured twice: on a
set of certificates scanned again and again (its rendered pages kept, the row still read every
time), and on certificates each scanned once (every page rendered). Also: a QR PNG rendered
cold and warm.
Use the registry the import benchmark left behind (1M certificates) for the real figures.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import statistics
import time

import httpx
from litestar import Litestar, get
from sqlalchemy import func, select
from sqlmodel import Session

from public_site.app import create_app
from public_site.qr import qr_png
from registry.db import make_engine
from registry.models import Certificate
from registry.settings import get_settings

CONCURRENCY = 32
COLD_NUMBERS = 30_000  # more than 8 s of cold scans at the rates seen here


@get("/ping", sync_to_thread=False)
async def ping() -> dict[str, str]:
    return {"status": "ok"}


async def latencies(client: httpx.AsyncClient, paths: list[str]) -> list[float]:
    out = []
    for path in paths:
        started = time.perf_counter()
        response = await client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
    return out


async def throughput(client: httpx.AsyncClient, paths: list[str], seconds: float) -> tuple[float, int]:
    done, errors = 0, 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal done, errors
        i = offset
        while time.perf_counter() < deadline:
            response = await client.get(paths[i % len(paths)])
            errors += response.status_code != 200
            done += 1
            i += CONCURRENCY

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
    return done / (time.perf_counter() - started), errors


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


async def measure(app, paths: list[str], seconds: float, count: int, warm: bool = True) -> dict[str, float]:
    """Latency over the first ``count`` paths, then throughput going on through the rest.

    ``warm`` visits those paths once first (a shop's devices, scanned again and again); cold
    paths are each asked once only, so every scan page is rendered for the first time."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await latencies(client, paths[:count] if warm else paths[-50:])
        lat = await latencies(client, paths[:count])
        rate, errors = await throughput(client, paths[count:] if not warm else paths[:count], seconds)
    return {"p50": p(lat, 50), "p99": p(lat, 99), "rps": rate, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    with Session(engine) as session:
        total = session.execute(select(func.count()).select_from(Certificate)).scalar_one()
        # the repeated set, then numbers asked once each (enough for the throughput run)
        want = min(args.requests + COLD_NUMBERS, total)
        ids = random.Random(5).sample(range(1, total + 1), want)
        numbers = session.execute(select(Certificate.certificate_no).where(Certificate.id.in_(ids))).scalars().all()
    random.Random(6).shuffle(numbers)
    count = min(args.requests, len(numbers) // 2)
    settings = dataclasses.replace(get_settings(), rate_limit_per_minute=0)  # measure the work, not the limiter
    app = create_app(settings, engine, index=None, run_worker=False, migrate=False)
    trivial = Litestar([ping])
    scan = [f"/v/{n}" for n in numbers]
    results = {
        "trivial Litestar handler": asyncio.run(measure(trivial, ["/ping"] * count, args.seconds, count)),
        "/v/{no} scan page, repeated": asyncio.run(measure(app, scan, args.seconds, count)),
        "/v/{no} scan page, each once": asyncio.run(measure(app, scan[::-1], args.seconds, count, warm=False)),
        "/api/v1/verify/{code}": asyncio.run(measure(app, [f"/api/v1/verify/{n}" for n in numbers],
                                                     args.seconds, count)),
    }
    base = results["trivial Litestar handler"]["rps"]
    print(f"\nverification benchmark, {total:,} certificates, {args.database_url.split(':')[0]}, "
          f"{CONCURRENCY} concurrent clients in-process")
    for name, r in results.items():
        print(f"  {name:<30} p50 {r['p50']:.2f} ms  p99 {r['p99']:.2f} ms  {r['rps']:,.0f} req/s "
              f"({r['rps'] / base:.0%} of trivial)  errors {r['errors']}")
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

"""What request ids, the access line and the latency histogram (``public_site.observe``) cost
the scan page: the app driven directly over ASGI (no HTTP, no client), with and without the
middleware, in rounds taking turns.

    python -m benchmarks.observe_cost --database-url sqlite:///var/bench/bench.db
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import time

from sqlalchemy import select
from sqlmodel import Session

from public_site.app import create_app
from registry.db import make_engine
from registry.models import Certificate
from registry.settings import get_settings


def scope_for(path: str) -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"bench"), (b"user-agent", b"bench")], "client": ("127.0.0.1", 5555),
            "server": ("127.0.0.1", 80)}


async def per_request(app, paths: list[str], statuses: dict) -> float:
    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses[message["status"]] = statuses.get(message["status"], 0) + 1

    started = time.perf_counter()
    for path in paths:
        await app(scope_for(path), receive, send)
    return (time.perf_counter() - started) / len(paths) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--numbers", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    with Session(engine) as session:
        numbers = session.execute(select(Certificate.certificate_no).limit(args.numbers)).scalars().all()
    paths = [f"/v/{number}" for number in numbers] * 4
    settings = dataclasses.replace(get_settings(), rate_limit_per_minute=0)
    observed = create_app(settings, engine, index=None, run_worker=False, migrate=False)
    bare = create_app(settings, engine, index=None, run_worker=False, migrate=False)
    bare.asgi_handler = bare._create_asgi_handler()  # the same app without public_site.observe around it
    statuses: dict[int, int] = {}
    times: dict[str, list[float]] = {"bare": [], "observed": []}

    async def run() -> None:
        for app in (bare, observed):  # warm: every page rendered and cached once
            await per_request(app, paths[: len(numbers)], statuses)
        for _ in range(args.rounds):
            times["bare"].append(await per_request(bare, paths, statuses))
            times["observed"].append(await per_request(observed, paths, statuses))

    asyncio.run(run())
    bare_us, observed_us = statistics.median(times["bare"]), statistics.median(times["observed"])
    print(f"scan page over ASGI, {len(numbers)} numbers x 4, {args.rounds} rounds taking turns (statuses {statuses})")
    print(f"  without the middleware  {bare_us:6.1f} us a request (rounds {min(times['bare']):.1f}-"
          f"{max(times['bare']):.1f})")
    print(f"  with it                 {observed_us:6.1f} us a request (rounds {min(times['observed']):.1f}-"
          f"{max(times['observed']):.1f})")
    print(f"  RATIO cost {observed_us - bare_us:.1f} us, {observed_us / bare_us - 1:.1%} (target <= 5%)")


if __name__ == "__main__":
    main()

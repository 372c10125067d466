"""The under-load part of ``benchmarks.search_bench``'s report: wrk's rounds side by side, the
CPU each side cost a request, and the targets as docs/benchmarks.md restates them.

The throughput ceiling: on this machine's cores, shared by wrk, Meilisearch, the database and
the server in front, a server that cost nothing would still be held to the cores over the
work the others do for each request. wrk's share is what raw Meilisearch leaves of the cores
at its rate; Meilisearch's and the database's are measured (``/proc``) in the same round. The
target is half that ceiling: the issue's "half of raw" with the work the API's features ask
of Meilisearch and of the database counted as the ceiling's, not the server's.
"""

from __future__ import annotations

import os
import statistics


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def ceiling(api: list[dict], raw: list[dict], cores: int | None = None) -> float:
    """What a server costing nothing in front could reach of raw's throughput, given the
    Meilisearch and database work per request measured under the API."""
    cores = cores or os.cpu_count() or 1
    raw_meili = median_of(raw, "meili_ms")
    load = max(0.0, cores * 1000 / median_of(raw, "rps") - raw_meili)  # wrk's core-ms a request
    return (raw_meili + load) / (median_of(api, "meili_ms") + median_of(api, "db_ms") + load)


def show_load(runs: dict[str, list[dict]], load_query: str) -> None:
    """Print one ``--workers``' rounds: the query asked again and again, then the mix."""
    for api_side, raw_side, bare_side, what in (
            ("api", "raw", "bare", f"q={load_query!r} again and again"),
            ("api mix", "raw mix", "bare mix", "the relevance mix in turn")):
        rps = {side: median_of(runs[side], "rps") for side in (api_side, raw_side, bare_side) if runs[side]}
        p99 = {side: median_of(runs[side], "p99") for side in rps}
        print(f"    {what}")
        for side, label in ((api_side, "GET /api/v1/search"), (raw_side, "raw Meilisearch"), (bare_side, "bare proxy")):
            if not runs[side]:
                continue
            rounds = ", ".join(f"{r['rps']:,.0f}/s p99 {r['p99']:.1f} ms" for r in runs[side])
            meili, front, database = (median_of(runs[side], key) for key in ("meili_ms", "front_ms", "db_ms"))
            print(f"      {label:<19} {rounds}; errors {sum(r['errors'] for r in runs[side])}; core-ms a request: "
                  f"Meilisearch {meili:.2f}, in front {front:.2f}"
                  + (f", database {database:.2f}" if side == api_side and database else ""))
        share = rps[api_side] / rps[raw_side]
        print(f"      throughput API/raw {share:.2f} (target >= 0.5); p99 API - raw "
              f"{p99[api_side] - p99[raw_side]:+.1f} ms (target <= +10)")
        limit = ceiling(runs[api_side], runs[raw_side])
        print(f"      restated (docs/benchmarks.md): API/raw {share:.2f}, the ceiling with the API's Meilisearch and "
              f"database work {limit:.2f}: target >= {limit / 2:.2f} ({'met' if share >= limit / 2 else 'not met'})")
        if bare_side in rps:
            print(f"      the bare proxy: /raw {rps[bare_side] / rps[raw_side]:.2f}, p99 bare - raw "
                  f"{p99[bare_side] - p99[raw_side]:+.1f} ms; API/bare {rps[api_side] / rps[bare_side]:.2f}")
            queued = p99[bare_side] * rps[bare_side] / rps[api_side]
            print(f"      restated: p99 API {p99[api_side]:.1f} ms against the bare proxy's at the API's throughput "
                  f"{queued:.1f} ms: {p99[api_side] - queued:+.1f} ms (target <= +10)")

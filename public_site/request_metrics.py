"""What each worker process counts as it serves: requests by method, route template and
status in latency buckets, and scans counted.

Every request passes here, on the event loop, so the counting is plain lists and integers (a
bucket found by ``bisect``): prometheus-client's ``Histogram.observe`` takes two locks and
cost the scan page 2.3 µs of its 75 (``benchmarks.observe_cost``). With several workers
(``hopquy serve --workers N`` sets ``HOPQUY_METRICS_DIR``) each writes its figures to a file
there every few seconds and at shutdown, and a scrape answered by any worker adds up every
file; a worker that died keeps its file, so the sums never go back.
"""

from __future__ import annotations

import json
import os
from bisect import bisect_left
from collections.abc import Iterator
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

BOUNDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
Key = tuple[str, str, int]  # method, route template, status


class RequestCounts:
    """One process's counts; only the event loop writes them."""

    def __init__(self) -> None:
        self.rows: dict[Key, list[float]] = {}  # per key: a count per bucket (the last: over 10 s), then the sum
        self.scans = 0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        row = self.rows.get((method, route, status))
        if row is None:
            row = self.rows[(method, route, status)] = [0] * (len(BOUNDS) + 2)
        row[bisect_left(BOUNDS, seconds)] += 1
        row[-1] += seconds

    def snapshot(self) -> dict:
        return {"rows": [[*key, list(row)] for key, row in list(self.rows.items())], "scans": self.scans}


COUNTS = RequestCounts()


def folder() -> Path | None:
    where = os.environ.get("HOPQUY_METRICS_DIR")
    return Path(where) if where else None


def write_own_file() -> None:
    """This worker's figures, for the others' scrapes (whole file or none: written aside)."""
    where = folder()
    if where is None:
        return
    path = where / f"worker-{os.getpid()}.json"
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(COUNTS.snapshot()), encoding="utf-8")
    partial.replace(path)


def all_snapshots() -> list[dict]:
    """This worker's live figures and every other worker's last file."""
    snapshots = [COUNTS.snapshot()]
    where = folder()
    if where is not None:
        own = f"worker-{os.getpid()}.json"
        for path in where.glob("worker-*.json"):
            if path.name != own:
                try:
                    snapshots.append(json.loads(path.read_text(encoding="utf-8")))
                except (OSError, ValueError):
                    continue  # replaced under us: the next scrape reads it
    return snapshots


def collect() -> Iterator[Metric]:
    rows: dict[Key, list[float]] = {}
    scans = 0
    for snapshot in all_snapshots():
        scans += snapshot["scans"]
        for method, route, status, row in snapshot["rows"]:
            total = rows.setdefault((method, route, status), [0] * len(row))
            for i, value in enumerate(row):
                total[i] += value
    latency = HistogramMetricFamily("hopquy_http_request_duration_seconds",
                                    "Time to answer a request, by route template and status",
                                    labels=["method", "route", "status"])
    for (method, route, status), row in sorted(rows.items()):
        cumulative, buckets = 0, []
        for bound, count in zip((*BOUNDS, float("inf")), row[:-1], strict=True):
            cumulative += count
            buckets.append(("+Inf" if bound == float("inf") else repr(bound), cumulative))
        latency.add_metric([method, route, str(status)], buckets, sum_value=row[-1])
    yield latency
    yield CounterMetricFamily("hopquy_scans", "QR scans of a verify page counted (one per client, certificate "
                              "and day)", value=scans)

"""``GET /metrics``: the Prometheus text format, for the operator's scraper only.

Two kinds of figure. What worker processes count as they serve (requests and their latency,
scans counted) comes from ``public_site.request_metrics``, summed over every worker; the
answering worker's own process figures (CPU, memory) and database pool come from
prometheus-client. What the registry holds (outbox depth and age, each source's last import,
reports, reviews, inspections) and whether Meilisearch answers is read fresh at each scrape.

Only loopback and the networks in ``HOPQUY_METRICS_ALLOW`` may read it; anyone else gets the
404 of a page that does not exist.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Engine
from sqlmodel import Session

from public_site import request_metrics
from registry.figures import registry_figures
from search.client import SearchIndex

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class RegistryCollector:
    """The figures read at scrape time from the database, the pool and Meilisearch."""

    def __init__(self, engine: Engine, index: SearchIndex | None) -> None:
        self.engine, self.index = engine, index

    def collect(self) -> Iterator[Metric]:
        yield from request_metrics.collect()
        up = GaugeMetricFamily("hopquy_database_up", "The registry database answered this scrape")
        try:
            with Session(self.engine) as session:
                figures = registry_figures(session)
        except Exception:  # noqa: BLE001  a scrape says the database is down; it does not fail
            up.add_metric([], 0)
            yield up
        else:
            up.add_metric([], 1)
            yield up
            yield from _figures(figures)
        yield _gauge("hopquy_search_up", "Meilisearch answered this scrape (search falls back to SQL when not)",
                     int(self.index is not None and self.index.healthy()))
        yield _gauge("hopquy_database_pool_in_use", "Connections of this worker's pool checked out now",
                     getattr(self.engine.pool, "checkedout", lambda: 0)())


def _figures(figures) -> Iterator[Metric]:
    yield _gauge("hopquy_certificates", "Certificates in the registry", figures.certificates)
    yield _gauge("hopquy_outbox_depth", "Registry changes waiting to be indexed", figures.outbox_depth)
    yield _gauge("hopquy_outbox_oldest_age_seconds", "How long the oldest waiting change has waited",
                 figures.outbox_oldest_seconds)
    finished = GaugeMetricFamily("hopquy_import_last_success_timestamp_seconds",
                                 "When the source's last applied import finished (Unix time)", labels=["source"])
    rows = GaugeMetricFamily("hopquy_import_last_rows", "What the source's last applied import changed",
                             labels=["source", "change"])
    for run in figures.last_imports:
        finished.add_metric([run.source], run.finished_at.timestamp())
        for change in ("created", "updated", "unchanged", "withdrawn"):
            rows.add_metric([run.source, change], getattr(run, change))
    yield finished
    yield rows
    for name, about, counts in (("hopquy_reports", "Citizen reports by state", figures.reports),
                                ("hopquy_status_reviews", "Feed status changes held for review, by state",
                                 figures.reviews)):
        family = GaugeMetricFamily(name, about, labels=["state"])
        for state, count in sorted(counts.items()):
            family.add_metric([state], count)
        yield family
    yield _gauge("hopquy_inspections", "Inspections recorded", figures.inspections)


def _gauge(name: str, about: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, about, value=value)


def allowed(host: str | None, networks: tuple[str, ...]) -> bool:
    if host is None:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or any(address in ipaddress.ip_network(net, strict=False) for net in networks)


@get("/metrics", include_in_schema=False, sync_to_thread=True)
def metrics(request: Request) -> Response[bytes]:
    """The Prometheus scrape (text format 0.0.4)."""
    state = request.app.state
    client = request.scope.get("client")
    if not allowed(client[0] if client else None, state.settings.metrics_allow):
        raise NotFoundException()
    body = generate_latest(REGISTRY) + generate_latest(state.metrics_registry)
    return Response(body, media_type=CONTENT_TYPE)


def registry_metrics(engine: Engine, index: SearchIndex | None) -> CollectorRegistry:
    """The scrape-time figures of one app, in a registry of their own."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RegistryCollector(engine, index))
    return registry

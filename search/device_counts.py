"""How many certificates each hit's device has, shown on a grouped page.

What the count promises is what the hit's link lists: the device's certificates
(``device=KEY``) under the request's filters, whatever words were searched.

- Without filters (the default request, every search typed in the box), that is every
  certificate of the device. On SQLite the registry counts them by the key each one stores
  (``registry.devices``): an indexed lookup in the server's own process, where asking
  Meilisearch was a second round trip after the page for a quarter of the searches of the
  relevance mix. On PostgreSQL that lookup is a round trip to another machine, made from the
  event loop, which waits on it, where Meilisearch's count is awaited while the loop serves
  others; measured here, neither was quicker (docs/benchmarks.md), so Meilisearch counts there.
- Otherwise Meilisearch counts the device's certificates that pass the request's filters (a
  status, a brand, a year), as a facet, in the round trip that carries the page's other
  counts (``search.request.ask_together``); so it does for a device the registry does not
  know (yet): a certificate changed a moment ago, before the index has it.

Either way a count is kept a moment (``COUNTED``): search as you type shows the same
devices again and again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from registry.devices import certificates_of
from search.index_settings import SETTINGS
from search.recent import Recent
from search.request import Asked, among_devices, counting

COUNTED: Recent[int] = Recent()  # a device's certificates under a request's filters (search.recent)
IN_PROCESS = "sqlite"  # the database whose reads run in the server's own process
FACET_VALUES = SETTINGS["faceting"]["maxValuesPerFacet"]  # counted per facet, at most


def count_devices(engine: Engine, index_name: str, request: dict[str, Any], hits: list[dict[str, Any]]) -> Asked:
    """Set each hit's ``device_certificates``: those counted a moment ago at once; the others
    from the registry when the request has no filter and the registry is in-process, else
    (and for devices the registry does not know) asked of Meilisearch, the devices of one
    page counted as a facet. The query's words are left out of Meilisearch's count: without
    them it counts through the filter alone, a fraction of a search's cost."""
    devices = list(dict.fromkeys(hit["device"] for hit in hits if hit.get("device")))
    scope = (index_name, tuple(request["filter"]))
    counts = {device: count for device in devices if (count := COUNTED.peek((scope, device))) is not None}
    unknown = [device for device in devices if device not in counts]
    if unknown and not request["filter"] and engine.dialect.name == IN_PROCESS:
        with engine.connect() as connection:
            counted = certificates_of(connection.execution_options(read_only=True), unknown)
        counts |= counted
        for device, count in counted.items():
            COUNTED.put((scope, device), count)
    unknown = [device for device in devices if device not in counts]
    chunks = [unknown[i:i + FACET_VALUES] for i in range(0, len(unknown), FACET_VALUES)]  # a facet's values
    requests = [{"q": "", **counting(request, among_devices(chunk), facets=("device_key",))} for chunk in chunks]

    def settle(results: list[dict[str, Any]]) -> None:
        for result in results:
            for device, count in result.get("facetDistribution", {}).get("device_key", {}).items():
                counts[device] = count
                COUNTED.put((scope, device), count)
        for hit in hits:
            hit["device_certificates"] = counts.get(hit.get("device"))

    settle([])  # those known now, in case the rest cannot be counted
    return Asked(requests, settle)

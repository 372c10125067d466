"""How many of a search's matches have each effective status on the day (``facets=status``).

When every document's stored status is right for the day (``search.lapsed``), they are the
stored statuses, counted by the search itself. Otherwise the stored administrative statuses
are counted, and those of the matches past their expiry, found by a second search of the same
words in the same round trip, are moved to "expired". Both ways count devices when the search
groups by device.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from search.documents import day_number
from search.lapsed import is_current

ORDER = ("valid", "suspended", "expired", "revoked", "withdrawn")


class StatusCount:
    """The facet the search counts (``facet``), the searches sent with it (``more``), and the
    counts worked out from the answers (``counts``)."""

    def __init__(self, index_name: str, request: dict[str, Any], on: date) -> None:
        self.current = is_current(index_name, on)
        self.facet = "status" if self.current else "admin_status"
        self.more = [] if self.current else [lapsed_request(request, on)]

    def counts(self, result: dict[str, Any], more: list[dict[str, Any]]) -> dict[str, int]:
        """The effective statuses, from the search's answer (its facet taken out of it) and
        the answers of ``more``."""
        counted = result.get("facetDistribution", {}).pop(self.facet, {})
        if self.current:
            return {status: counted[status] for status in ORDER if counted.get(status)}
        return status_counts(counted, more[0].get("facetDistribution", {}).get("admin_status", {}))


def counting(request: dict[str, Any], *more_filters: str, facets: tuple[str, ...] = (),
             grouped: bool = False) -> dict[str, Any]:
    """A search that only counts ``request``'s matches narrowed by ``more_filters`` (no hits),
    with ``facets``; ``grouped``: counting devices, as ``request`` does when it groups."""
    keep = ("matchingStrategy", "distinct") if grouped else ("matchingStrategy",)
    return {**{key: request[key] for key in keep if key in request}, "page": 1, "hitsPerPage": 0,
            "filter": [*request["filter"], *more_filters], **({"facets": list(facets)} if facets else {})}


def status_filter(status: str, on: date) -> str:
    """The Meilisearch filter meaning "effective status is ``status`` on ``on``"."""
    day = day_number(on)
    return {
        "valid": f"admin_status = valid AND expires_day >= {day}",
        "expired": f"admin_status IN [valid, suspended] AND expires_day < {day}",
        "suspended": f"admin_status = suspended AND expires_day >= {day}",
        "revoked": "admin_status = revoked",
        "withdrawn": "admin_status = withdrawn",
    }[status]


def lapsed_request(request: dict[str, Any], on: date) -> dict[str, Any]:
    """The search counting, by stored administrative status, the matches past their expiry."""
    return counting(request, status_filter("expired", on), facets=("admin_status",), grouped=True)


def status_counts(stored: dict[str, int], expired: dict[str, int]) -> dict[str, int]:
    """Effective statuses from the administrative ones of all the matches and of those past expiry."""
    counts = {"valid": stored.get("valid", 0) - expired.get("valid", 0),
              "suspended": stored.get("suspended", 0) - expired.get("suspended", 0),
              "expired": sum(expired.values()), "revoked": stored.get("revoked", 0),
              "withdrawn": stored.get("withdrawn", 0)}
    return {status: count for status, count in counts.items() if count}

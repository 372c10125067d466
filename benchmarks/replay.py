"""Every request the API's search sends Meilisearch, sent again straight to it: the work the
API asks of Meilisearch, without Hopquy in between.

``benchmarks.search_bench``'s raw row asks Meilisearch the API's *first* request only. An API
search asks more of it: the devices' counts, a code's parts, the pins' count beyond the page,
the statuses of the day; this issue's features. Replaying them splits the API's time over raw
into what Meilisearch spends on those features and what Hopquy's own code and framework spend
in front of it. The requests are captured once per query from ``search_certificates`` run
in-process (the served app sends the same bodies: both post through ``SearchIndex._post``), in
the rounds the API sends them: the requests sent before an answer is read go out together on
separate kept-alive connections, as the API sends them, then their answers are read.

Each query is captured cold: without the devices' counts and the pins the API keeps for two
seconds (``search.recent``). Replayed, every search asks what a cold one asks; the API, asked
the same query again within two seconds, asks less. The replay so overstates the Meilisearch
work slightly (by the counts request, where a query sends one): "Hopquy's own code" measured
against it is, if anything, understated.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from unittest import mock

import orjson
from sqlalchemy import Engine

from search import device_counts, pinning
from search.client import SearchIndex
from search.kept_alive import KeptAlive
from search.query import search_certificates
from search.request import SearchParams

Round = list[tuple[str, bytes]]  # (path, body) of the requests sent before an answer is read


def forget_kept_answers() -> None:
    """Drop the devices' counts and the pins a search keeps for two seconds: the next search is cold."""
    device_counts.COUNTED.clear()
    pinning.RECENT.clear()


def captured_rounds(engine: Engine, index: SearchIndex, text: str, facets: tuple[str, ...] = ()) -> list[Round]:
    """The requests ``search_certificates`` sends Meilisearch for ``text``, round by round,
    with none of its kept answers at hand."""
    forget_kept_answers()
    rounds: list[Round] = [[]]
    post = SearchIndex._post

    def recorded(self, path: str, body: dict) -> Callable[[], dict]:
        rounds[-1].append((path, orjson.dumps(body)))
        answer = post(self, path, body)

        def read() -> dict:
            if rounds[-1]:
                rounds.append([])  # what is sent from now on waited for this answer
            return answer()
        return read
    with mock.patch.object(SearchIndex, "_post", recorded):
        search_certificates(engine, index, SearchParams(q=text, facets=facets))
    return [r for r in rounds if r]


class ReplaySearch:
    """Raw Meilisearch asked, for each query, every request the API sends it (``captured_rounds``),
    over kept-alive connections: a stand-in for ``RawSearch`` in ``search_bench``'s pairings."""

    def __init__(self, engine: Engine, index: SearchIndex, url: str, headers: dict[str, str], texts: list[str],
                 facets: tuple[str, ...] = ()) -> None:
        self.facets = facets
        self.client = KeptAlive(url, headers, timeout=30)
        self.rounds = {text: captured_rounds(engine, index, text, facets) for text in dict.fromkeys(texts)}

    def requests_per_search(self) -> float:
        return sum(len(r) for rounds in self.rounds.values() for r in rounds) / len(self.rounds)

    def __call__(self, text: str) -> float:
        started = time.perf_counter()
        for sent_together in self.rounds[text]:
            sent = [self.client.send("POST", path, body) for path, body in sent_together]
            for request in sent:
                status, answer = request.answer()
                orjson.loads(answer)
                if status != 200:
                    raise SystemExit(f"replayed search for {text!r}: {status} {answer[:300]}")
        return (time.perf_counter() - started) * 1000

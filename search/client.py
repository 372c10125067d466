"""Where our Meilisearch is, and a small wrapper around its index."""

from __future__ import annotations

import http.client
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any, BinaryIO

import httpx
import meilisearch
import orjson
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)
from meilisearch.models.task import TaskInfo

from registry.settings import Settings, generated_secret
from search.away import Away
from search.index_settings import SETTINGS
from search.kept_alive import KeptAlive
from search.on_the_loop import LoopConnections, in_greenlet
from search.process import running_instance

# httpx logs every request at INFO: a line on the server's log for each search and each
# page of documents; it also cost the search API about a tenth of its throughput
UPLOAD_TIMEOUT = 300  # seconds for a page of documents to reach a busy Meilisearch
UNAVAILABLE = (MeilisearchCommunicationError, MeilisearchTimeoutError, ConnectionError, OSError)


class SearchUnavailable(Exception):
    """Meilisearch cannot be reached or did not finish a task."""


class SearchRefused(Exception):
    """Meilisearch answered that the request itself is wrong (a bug on our side, not an outage)."""


@dataclass(frozen=True)
class SearchTarget:
    url: str
    key: str | None
    index_name: str


def resolve_target(settings: Settings) -> SearchTarget | None:
    """The external Meilisearch if configured, else our managed one if it is running."""
    if settings.meili_url:
        return SearchTarget(settings.meili_url, settings.meili_key, settings.meili_index)
    url = running_instance(settings.meili_data_dir)
    if url is None:
        return None
    return SearchTarget(url, generated_secret(settings.meili_key_file), settings.meili_index)


class SearchIndex:
    """The certificates index: settings, document writes, task waits, and searches."""

    def __init__(self, target: SearchTarget, timeout: float = 5) -> None:
        self.target, self.timeout = target, timeout
        self.client = meilisearch.Client(target.url, target.key, timeout=timeout)
        self.name = target.index_name
        self.index = self.client.index(self.name)
        self.away = Away()  # searches keep away a moment after one timed out (search.away)

    def healthy(self) -> bool:
        """Whether Meilisearch answers its health check; one that does ends a pause of the
        searches (``search.away``): the readiness probe sees it back before a search would."""
        try:
            answering = self.client.is_healthy()
        except Exception:  # noqa: BLE001  any failure means "not usable now"
            return False
        if answering:
            self.away.answered()
        return answering

    def wait(self, task: Any, timeout_ms: int = 600_000) -> None:
        uid = task.task_uid
        done = self.client.wait_for_task(uid, timeout_in_ms=timeout_ms, interval_in_ms=20)
        if done.status != "succeeded":
            raise SearchUnavailable(f"Meilisearch task {uid} {done.status}: {done.error}")

    def exists(self) -> bool:
        """Whether the index is there (Meilisearch errors other than its absence propagate)."""
        try:
            self.client.get_index(self.name)
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                return False
            raise
        return True

    def ensure(self, name: str | None = None) -> None:
        """Create the index with its settings (idempotent)."""
        name = name or self.name
        try:
            self.wait(self.client.create_index(name, {"primaryKey": "id"}))
        except SearchUnavailable as exc:
            if "index_already_exists" not in str(exc):
                raise
        self.wait(self.client.index(name).update_settings(SETTINGS))

    def send(self, documents: list[dict[str, Any]], name: str | None = None, lines: list[bytes] = ()) -> Any:
        """Queue documents (and ready NDJSON ``lines``) for indexing without waiting;
        ``wait`` on the task it returns."""
        payload = b"".join([*lines, *(orjson.dumps(d) + b"\n" for d in documents)])  # lines end in \n
        return self.client.index(name or self.name).add_documents_ndjson(payload, primary_key="id")

    def send_file(self, page: BinaryIO, name: str | None = None) -> TaskInfo:
        """Queue the NDJSON documents of ``page`` (a file holding only them), streamed from
        disk: a big page is never held in memory. ``wait`` on the task it returns."""
        size = page.seek(0, os.SEEK_END)
        page.seek(0)
        headers = {"Content-Type": "application/x-ndjson", "Content-Length": str(size)}
        try:
            response = self.http.post(f"/indexes/{name or self.name}/documents", params={"primaryKey": "id"},
                                      content=iter(partial(page.read, 1 << 20), b""), headers=headers,
                                      timeout=max(self.timeout, UPLOAD_TIMEOUT))
        except httpx.TransportError as exc:
            raise SearchUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
        if response.status_code != 202:
            error = _error_of(response)
            raise SearchUnavailable(f"Meilisearch refused a page of documents: {error.get('message', response.text)}")
        return TaskInfo(**orjson.loads(response.content))

    def search(self, query: str, params: dict[str, Any]) -> dict[str, Any]:
        """One search over a kept-alive connection: the Meilisearch client opens a new one for
        every request, which costs more than a search itself (see ``benchmarks/search_bench``)."""
        return self.search_later(query, params)()

    def search_many(self, query: str, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Several searches for ``query`` (one per set of parameters) in one round trip."""
        return self.search_many_later(query, requests)()

    def search_later(self, query: str, params: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        """``search``, sent now and read when the returned function is called: the caller's
        own work (the registry's lookups) overlaps Meilisearch's."""
        return self._post(f"/indexes/{self.name}/search", {"q": query, **params})

    def search_many_later(self, query: str, requests: list[dict[str, Any]]) -> Callable[[], list[dict[str, Any]]]:
        """``search_many``, sent now and read when the returned function is called."""
        body = {"queries": [{"indexUid": self.name, "q": query, **params} for params in requests]}
        answer = self._post("/multi-search", body)
        return lambda: answer()["results"]

    def _post(self, path: str, body: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        if not self.away.allows():
            raise SearchUnavailable(f"Meilisearch did not answer in time; tried again in {self.away.away_for():.0f} s")
        try:
            # from a request served on the event loop (search.on_the_loop), else from a thread
            pool = self.loop_searches if in_greenlet() else self.searches
            sent = pool.send("POST", path, orjson.dumps(body))
        except (OSError, http.client.HTTPException, TimeoutError) as exc:
            raise self._unavailable(exc) from exc

        def answer() -> dict[str, Any]:
            try:
                status, content = sent.answer()
            except (OSError, http.client.HTTPException, TimeoutError) as exc:
                raise self._unavailable(exc) from exc
            self.away.answered()
            if status == 200:
                return orjson.loads(content)
            error = _error_in(content)
            if error.get("code") == "index_not_found" or status >= 500:
                raise SearchUnavailable(error.get("message", f"HTTP {status}"))
            raise SearchRefused(f"Meilisearch refused the search: {error.get('message', content[:300])}")

        return answer

    def _unavailable(self, exc: BaseException) -> SearchUnavailable:
        if isinstance(exc, TimeoutError):  # a hang, not a refusal: keep away a moment
            self.away.timed_out()
        return SearchUnavailable(f"{exc.__class__.__name__}: {exc}")

    @cached_property
    def searches(self) -> KeptAlive:
        """Searches go over the standard library's client (``search.kept_alive``)."""
        return KeptAlive(self.target.url, self._headers(), self.timeout)

    @cached_property
    def loop_searches(self) -> LoopConnections:
        """Searches sent from a request served on the event loop (``search.on_the_loop``)."""
        return LoopConnections(self.target.url, self._headers(), self.timeout)

    @cached_property
    def http(self) -> httpx.Client:
        """A pool of kept-alive connections, safe to share between threads."""
        # uncompressed: gzip costs Meilisearch more than it saves on a local network, and its
        # chunked replies wait on delayed ACKs (40 ms a search on a kept-alive connection)
        return httpx.Client(base_url=self.target.url, headers=self._headers(), timeout=self.timeout,
                            transport=quick_transport())

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept-Encoding": "identity"}
        if self.target.key:
            headers["Authorization"] = f"Bearer {self.target.key}"
        return headers


def quick_transport() -> httpx.HTTPTransport:
    """Kept-alive connections with TCP_NODELAY: a request's head and body go out as two
    writes, and Nagle's algorithm would hold the body back for the server's delayed ACK."""
    return httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=32),
                               socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])


def _error_of(response: httpx.Response) -> dict[str, Any]:
    return _error_in(response.content)


def _error_in(content: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}

"""Where our Meilisearch is, and a small wrapper around its index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import meilisearch
import orjson
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)

from registry.settings import Settings, generated_secret
from search.index_settings import SETTINGS
from search.process import running_instance

UNAVAILABLE = (MeilisearchCommunicationError, MeilisearchTimeoutError, ConnectionError, OSError)


class SearchUnavailable(Exception):
    """Meilisearch cannot be reached or did not finish a task."""


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
        self.target = target
        self.client = meilisearch.Client(target.url, target.key, timeout=timeout)
        self.name = target.index_name
        self.index = self.client.index(self.name)

    def healthy(self) -> bool:
        try:
            return self.client.is_healthy()
        except Exception:  # noqa: BLE001  any failure means "not usable now"
            return False

    def wait(self, task: Any, timeout_ms: int = 600_000) -> None:
        uid = task.task_uid
        done = self.client.wait_for_task(uid, timeout_in_ms=timeout_ms, interval_in_ms=20)
        if done.status != "succeeded":
            raise SearchUnavailable(f"Meilisearch task {uid} {done.status}: {done.error}")

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

    def search(self, query: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.index.search(query, params)
        except UNAVAILABLE as exc:
            raise SearchUnavailable(str(exc)) from exc
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                raise SearchUnavailable("the index does not exist yet") from exc
            raise

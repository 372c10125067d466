"""Answers of the registry and of Meilisearch's counts kept for a second or two.

Search as you type, and a flood of people checking the same phone after the news, ask the
same thing many times a second. What a search reads beside Meilisearch's ranking (the
certificates a query names by code, from the registry; how many certificates each device
has) is kept for ``SECONDS``: less than a change takes to reach the index anyway (the outbox
is drained every second or so, and Meilisearch then indexes it), so nobody sees the registry
later than they would without it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
SECONDS = 2.0
SIZE = 4096


class Recent(Generic[V]):
    """The last ``size`` answers, each for ``seconds``, shared by the request threads."""

    def __init__(self, seconds: float = SECONDS, size: int = SIZE) -> None:
        self.seconds, self.size = seconds, size
        self._kept: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, work_out: Callable[[], V]) -> V:
        found = self.peek(key)
        if found is not None:
            return found
        value = work_out()
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> V | None:
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or now - kept[0] >= self.seconds:
                return None
            self._kept.move_to_end(key)
            return kept[1]

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._kept[key] = (time.monotonic(), value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

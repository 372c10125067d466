"""One answer kept per kind of figure: the last one worked out, for as long as its key (the
database, the day, the registry's state...) stays the same.

The ranked list and the public statistics read a million rows to work out figures that change
only when the registry does. Each keeps its last answer here; a new key replaces it. Request
threads and the server's background threads ask at once, so the answer is read and replaced
under a lock (the work itself is done outside it: two threads may both work out a new key,
and the second's answer stands).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class KeptOne(Generic[T]):
    def __init__(self) -> None:
        self._key: Hashable | None = None
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self, key: Hashable, work_out: Callable[[], T]) -> T:
        with self._lock:
            if self._key == key:
                return self._value  # type: ignore[return-value]
        value = work_out()
        with self._lock:
            self._key, self._value = key, value
        return value

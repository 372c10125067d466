"""A Meilisearch that stopped answering is let be for a moment (a circuit breaker).

A Meilisearch that is down refuses a connection at once, and search falls back to the
registry's own SQL at once. One that hangs (paused, swapping, a network that drops packets)
answers nothing until the client's timeout: every search then waited that long before the
fallback answered it, twice over when the fallback moved it to a worker thread (4 s a search
with the served app's 2 s timeout). After a search times out, the searches of the next
``AWAY_SECONDS`` go without Meilisearch at once; then one search tries it again while the
others still go without it, and its answer ends the pause, as does a health check that
Meilisearch answers (``SearchIndex.healthy``, which ``/readyz`` asks).
"""

from __future__ import annotations

import time
from collections.abc import Callable

AWAY_SECONDS = 10.0


class Away:
    """Whether a search may ask Meilisearch now. Plain attribute writes: a race between two
    threads at worst lets one more search try, or keeps one more away."""

    def __init__(self, seconds: float = AWAY_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self.until = 0.0  # 0: answering; else no search tries before this time

    def allows(self) -> bool:
        """True when a search may ask; the first one after a pause is the one that tries."""
        if not self.until:
            return True
        now = self.clock()
        if now < self.until:
            return False
        self.until = now + self.seconds  # this search tries; the others keep away meanwhile
        return True

    def timed_out(self) -> None:
        self.until = self.clock() + self.seconds

    def answered(self) -> None:
        if self.until:
            self.until = 0.0

    def away_for(self) -> float:
        """Seconds until the next try (0 when Meilisearch is answering)."""
        return max(0.0, self.until - self.clock()) if self.until else 0.0

"""Scan counting and clone detection.

A QR code copied from a genuine device onto counterfeits shows up as scans of one
certificate far above its own history, or from many provinces at once. Scans are counted
per certificate and day in memory and flushed in one upsert every few seconds, so the scan
page never waits for a write; no address is kept, and the province only when the person
scanning chooses to share it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from registry.clock import today
from registry.models import Certificate
from registry.oversight_models import ScanCount

HISTORY_DAYS = 28  # a certificate's own history: the four weeks before the day
JUMP_FACTOR = 5  # today at least this many times the daily average of that history
JUMP_MINIMUM = 30  # and at least this many scans, so 1 -> 6 is not news
SPREAD_DAYS = 2
SPREAD_PROVINCES = 5  # distinct provinces sharing scans of one certificate within SPREAD_DAYS


SEEN_PER_DAY = 200_000  # clients remembered a day by one process (8 bytes of keyed hash each)


class ScanCounter:
    """Thread-safe counts waiting to be written; ``flush`` writes them in one statement.

    With a ``client``, a scan counts once per client, certificate and day, and so does a
    shared province (whichever province it names): a script that scans a certificate again
    and again, or shares five provinces, counts as one person. The client is kept only as
    8 bytes of a hash keyed with ``secret``, and forgotten the next day."""

    def __init__(self, secret: bytes = b"") -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[int, date, str]] = Counter()
        self._secret = hashlib.blake2b(secret, digest_size=32).digest()  # a key of the length blake2b takes
        self._seen: set[bytes] = set()
        self._seen_on: date | None = None

    def record(self, certificate_id: int, province: str | None = None, on: date | None = None,
               client: str | None = None) -> bool:
        """Count one scan; False when this client's scan of it was counted already today."""
        key = (certificate_id, on or today(), (province or "").strip()[:100])
        seen = None
        if client is not None:
            seen = hashlib.blake2b(f"{key[1]}|{certificate_id}|{bool(key[2])}|{client}".encode(),
                                   key=self._secret, digest_size=8).digest()
        with self._lock:
            if seen is not None:
                if self._seen_on != key[1]:
                    self._seen, self._seen_on = set(), key[1]
                if seen in self._seen:
                    return False
                if len(self._seen) < SEEN_PER_DAY:
                    self._seen.add(seen)
            self._counts[key] += 1
        return True

    def flush(self, engine: Engine) -> int:
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if not counts:
            return 0
        rows = [{"certificate_id": c, "day": d, "province": p, "count": n} for (c, d, p), n in counts.items()]
        try:
            with engine.begin() as conn:
                # one row's upsert, compiled once and run for every row by the driver: a statement
                # of thousands of rows was slow to build and stalled the server's other threads
                conn.execute(_upsert(engine.dialect.name), rows)
        except Exception:
            with self._lock:  # keep them for the next flush rather than lose them
                self._counts.update(counts)
            raise
        return len(rows)


@lru_cache(maxsize=2)
def _upsert(dialect: str):
    """Add a row's count to its (certificate, day, province), or insert it."""
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(ScanCount)
    return stmt.on_conflict_do_update(index_elements=["certificate_id", "day", "province"],
                                      set_={"count": ScanCount.count + stmt.excluded.count})


@dataclass
class Flag:
    certificate_no: str
    reasons: list[str] = field(default_factory=list)
    scans_today: int = 0
    daily_average: float = 0.0
    provinces: dict[str, int] = field(default_factory=dict)


def flagged(session: Session, on: date | None = None) -> list[Flag]:
    """Certificates whose scans on ``on`` jump far above their history, or spread widely."""
    on = on or today()
    flags: dict[int, Flag] = {}
    today_counts = dict(session.execute(
        select(ScanCount.certificate_id, ScanCount.count)
        .where(ScanCount.day == on, ScanCount.province == "", ScanCount.count >= JUMP_MINIMUM)
    ).all())
    if today_counts:
        history = dict(session.execute(
            select(ScanCount.certificate_id, func.sum(ScanCount.count))
            .where(ScanCount.certificate_id.in_(today_counts), ScanCount.province == "",
                   ScanCount.day >= on - timedelta(days=HISTORY_DAYS), ScanCount.day < on)
            .group_by(ScanCount.certificate_id)
        ).all())
        for cid, count in today_counts.items():
            average = (history.get(cid) or 0) / HISTORY_DAYS
            if count >= JUMP_FACTOR * max(average, 1.0):
                flags[cid] = Flag("", [f"{count} scans today against {average:.1f} a day over the previous "
                                       f"{HISTORY_DAYS} days"], count, round(average, 1))
    spread = session.execute(
        select(ScanCount.certificate_id, ScanCount.province, func.sum(ScanCount.count))
        .where(ScanCount.day > on - timedelta(days=SPREAD_DAYS), ScanCount.day <= on, ScanCount.province != "")
        .group_by(ScanCount.certificate_id, ScanCount.province)
    ).all()
    by_certificate: dict[int, dict[str, int]] = {}
    for cid, province, count in spread:
        by_certificate.setdefault(cid, {})[province] = int(count)
    for cid, provinces in by_certificate.items():
        if len(provinces) >= SPREAD_PROVINCES:
            flag = flags.setdefault(cid, Flag(""))
            flag.reasons.append(f"scanned in {len(provinces)} provinces within {SPREAD_DAYS} days")
            flag.provinces = dict(sorted(provinces.items(), key=lambda kv: -kv[1]))
    if flags:
        numbers = dict(session.execute(
            select(Certificate.id, Certificate.certificate_no).where(Certificate.id.in_(flags))).all())
        for cid, flag in flags.items():
            flag.certificate_no = numbers.get(cid, str(cid))
    return sorted(flags.values(), key=lambda f: (-len(f.reasons), -f.scans_today))

"""Partner keys as the rate limit sees them: a key of its own (its own limit, not its address's)
and its usage counted by day and kind of call.

The limit runs before any other work, so it cannot ask the database who a bearer is: the
live partner keys' digests are read every half minute into a dict, and a request whose
bearer digest is there is the partner's. A made-up key is just an address, and revoking a
key takes effect here within the half minute (the guards check every request anyway).
"""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import Engine, select, text
from sqlmodel import Session

from public_site.worker import Periodic
from registry.access import digest
from registry.clock import today
from registry.oversight_models import ApiToken

KINDS = (("/api/v1/verify", "verify"), ("/api/v1/listings", "listings"), ("/api/v1/webhooks", "webhooks"))


def kind_of(path: str) -> str:
    return next((kind for prefix, kind in KINDS if path.startswith(prefix)), "other")


class PartnerKeys:
    """Digest of each live partner key -> its token id, and the requests counted since the last write."""

    def __init__(self) -> None:
        self.by_digest: dict[str, int] = {}
        self.counts: Counter[tuple[int, str]] = Counter()
        self.lock = threading.Lock()

    def partner_of(self, scope) -> int | None:
        """The partner whose key this request carries (only looked for while partners exist)."""
        if not self.by_digest:
            return None
        for name, value in scope["headers"]:
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                token_id = self.by_digest.get(digest(value[7:].strip().decode("latin-1")))
                if token_id is not None:
                    with self.lock:
                        self.counts[(token_id, kind_of(scope["path"]))] += 1
                return token_id
        return None

    def reload(self, engine: Engine) -> None:
        with Session(engine) as session:
            rows = session.execute(select(ApiToken.secret_hash, ApiToken.id).where(
                ApiToken.role == "partner", ApiToken.revoked_at.is_(None))).all()
        self.by_digest = dict(rows)

    def write_usage(self, engine: Engine) -> None:
        """Adds the counts since the last write to the day's rows."""
        with self.lock:
            counts, self.counts = self.counts, Counter()
        if not counts:
            return
        day = today()
        with Session(engine) as session:  # several workers and servers add to the same rows
            session.execute(text(
                "INSERT INTO partnerusage (token_id, day, kind, count) VALUES (:token_id, :day, :kind, :count) "
                "ON CONFLICT (token_id, day, kind) DO UPDATE SET count = partnerusage.count + excluded.count"),
                [{"token_id": t, "day": day, "kind": k, "count": n} for (t, k), n in counts.items()])
            session.commit()

    def round(self, engine: Engine) -> None:
        self.write_usage(engine)
        self.reload(engine)


def partner_keeper(engine: Engine, keys: PartnerKeys) -> Periodic:
    return Periodic("partner-keys", lambda: keys.round(engine), 30.0, at_start=True, at_stop=True)

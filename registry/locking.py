"""Row locks on certificates, so that decisions, reviews, transfers and imports never write
over one another.

Each writer re-reads the rows it will change under a lock held until its transaction ends,
and decides from what it read then: an admin deciding while an import runs waits for the
import (at most ``WAIT_SECONDS``, then is told to try again); an import reaching a
certificate an admin is deciding on waits for the decision and sees it. PostgreSQL locks
rows (``SELECT … FOR UPDATE``); SQLite has one writer at a time, taken here up front.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from registry.db import is_postgres
from registry.errors import Conflict
from registry.models import Certificate

WAIT_SECONDS = 5
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out


class Busy(Conflict):
    """Someone else (an import, another admin) is changing this certificate right now."""

    def __init__(self) -> None:
        super().__init__("the certificate is being changed right now (an import or another decision); "
                         "try again in a minute")


def lock_certificate(session: Session, certificate_id: int, wait_seconds: float | None = None) -> Certificate:
    """The certificate as it stands now, locked until the caller's transaction ends."""
    wait_seconds = WAIT_SECONDS if wait_seconds is None else wait_seconds
    try:
        if is_postgres(session.get_bind()):
            session.connection().exec_driver_sql(f"SET LOCAL lock_timeout = '{int(wait_seconds * 1000)}ms'")
        else:
            take_write_lock(session)
        return session.execute(
            select(Certificate).where(Certificate.id == certificate_id).with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE or "database is locked" in str(exc.orig):
            raise Busy() from exc
        raise


def lock_certificates(session: Session, certificate_ids: list[int]) -> dict[int, str]:
    """Lock these certificates for an import; their sources as they stand now, by id."""
    if not certificate_ids:
        return {}
    rows = session.execute(
        select(Certificate.id, Certificate.source).where(Certificate.id.in_(certificate_ids))
        .order_by(Certificate.id).with_for_update()  # one order for every writer: no deadlock
    )
    return {cid: value for cid, value in rows}


def serialize_on(session: Session, key: str) -> None:
    """Until the caller's transaction ends, one caller at a time passes for ``key``: a count
    then an insert (a sender's quota) cannot both see the same count. PostgreSQL takes an
    advisory lock on the key; SQLite takes its one write lock now."""
    if is_postgres(session.get_bind()):
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})
    else:
        take_write_lock(session)


def take_write_lock(session: Session) -> None:
    """SQLite: take the one write lock now, not at the first real change (a write that
    writes nothing), so that what is read next cannot be changed before this transaction ends."""
    session.execute(text("UPDATE certificate SET id = id WHERE 0"))

"""Clone flags kept as they are raised, so that a report can count them long after.

``registry.scans.flagged`` works a flag out from the scans of a day and the weeks before it;
the worker asks it every few minutes for yesterday and today and keeps each new flag once.
Asking yesterday again catches a flag raised in the last minutes before midnight.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from registry.clock import today
from registry.enforcement_models import RaisedFlag
from registry.models import Certificate
from registry.scans import flagged


def keep_raised_flags(engine: Engine, on: date | None = None) -> int:
    """Keep the flags of ``on`` (default today) and the day before; returns how many were new."""
    on = on or today()
    return sum(_keep_day(engine, day) for day in (on - timedelta(days=1), on))


def _keep_day(engine: Engine, day: date) -> int:
    with Session(engine) as session:
        flags = {flag.certificate_no: flag.reasons for flag in flagged(session, day)}
        if not flags:
            return 0
        ids = dict(session.execute(select(Certificate.certificate_no, Certificate.id)
                                   .where(Certificate.certificate_no.in_(flags))).all())
        kept = set(session.execute(select(RaisedFlag.certificate_id).where(RaisedFlag.day == day)).scalars())
        new = [RaisedFlag(certificate_id=cid, day=day, reasons=flags[number])
               for number, cid in ids.items() if cid not in kept]
        session.add_all(new)
        try:
            session.commit()
        except IntegrityError:  # another worker kept them a moment ago
            return 0
        return len(new)

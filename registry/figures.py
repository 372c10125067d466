"""The registry's figures an operator watches (``/metrics``): how far the search outbox lags,
when each source last imported and what it changed, and the oversight work waiting.

Each is one small indexed or grouped query, cheap enough for a scrape every 15 seconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from registry.models import Certificate, ImportRun
from registry.outbox import lag
from registry.oversight_models import CitizenReport, Inspection, StatusReview


@dataclass(frozen=True)
class LastImport:
    source: str
    finished_at: datetime
    created: int
    updated: int
    unchanged: int
    withdrawn: int


@dataclass
class Figures:
    certificates: int = 0
    outbox_depth: int = 0
    outbox_oldest_seconds: float = 0.0
    last_imports: list[LastImport] = field(default_factory=list)
    reports: dict[str, int] = field(default_factory=dict)  # by state
    reviews: dict[str, int] = field(default_factory=dict)  # by state
    inspections: int = 0


def registry_figures(session: Session) -> Figures:
    pending, waited = lag(session)
    latest = (select(ImportRun.source, func.max(ImportRun.id).label("id"))
              .where(ImportRun.finished_at.is_not(None)).group_by(ImportRun.source).subquery())
    runs = session.execute(select(ImportRun).join(latest, ImportRun.id == latest.c.id)
                           .order_by(ImportRun.source)).scalars()
    return Figures(
        certificates=session.execute(select(func.count()).select_from(Certificate)).scalar_one(),
        outbox_depth=pending,
        outbox_oldest_seconds=waited,
        last_imports=[LastImport(run.source, run.finished_at, run.created, run.updated, run.unchanged, run.withdrawn)
                      for run in runs],
        reports=_by_state(session, CitizenReport.state),
        reviews=_by_state(session, StatusReview.state),
        inspections=session.execute(select(func.count()).select_from(Inspection)).scalar_one(),
    )


def _by_state(session: Session, column) -> dict[str, int]:
    return dict(session.execute(select(column, func.count()).group_by(column)).all())

"""Who may see a stored photo, and which stored photos nothing refers to any more.

Photos are named by their content, so one file can belong to several inspections or
reports. A photo is shown to whoever may see one of them: an inspection's photos to its
inspector, their team and admins (as the inspection itself); a citizen report's to every
inspector and admin (as the report list). A file no record names (a form refused after
its photo was stored, a crash between the two) is removed once it is old enough that no
request can still be about to name it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, String, cast, or_, select
from sqlmodel import Session

from registry.access import Staff
from registry.inspections import visible_to
from registry.oversight_models import CitizenReport, Inspection
from registry.photos import STORED_NAME

GRACE_SECONDS = 3600  # a stored photo waits this long for the record that names it


def may_see_photo(session: Session, staff: Staff, name: str) -> bool:
    if not STORED_NAME.match(name):
        return False
    if session.execute(select(CitizenReport.id).where(CitizenReport.photo == name).limit(1)).first():
        return staff.may("inspector")
    query = select(Inspection.id).where(cast(Inspection.photos, String).contains(name), visible_to(staff))
    return session.execute(query.limit(1)).first() is not None


def referenced(session: Session, among: list[str] | None = None) -> set[str]:
    """The photo names a report or an inspection holds: all of them, or those ``among``
    (a refused form's few, read without going through every inspection)."""
    reports = select(CitizenReport.photo).where(CitizenReport.photo.is_not(None))
    inspections = select(Inspection.photos)
    if among is not None:
        reports = reports.where(CitizenReport.photo.in_(among))
        inspections = inspections.where(or_(*(cast(Inspection.photos, String).contains(n) for n in among)))
    names = {name for (name,) in session.execute(reports)}
    for (photos,) in session.execute(inspections.execution_options(yield_per=1000)):
        names.update(photos or ())
    return names


def remove_orphans(session: Session, folder: Path, grace_seconds: float = GRACE_SECONDS,
                   only: Iterable[str] | None = None) -> list[str]:
    """Delete stored photos that nothing names and that are older than ``grace_seconds``;
    ``only`` limits it to some names (a refused form's photo). Returns the names removed."""
    if not folder.is_dir():
        return []
    paths = [folder / n for n in only] if only is not None else list(folder.iterdir())
    candidates = [p for p in paths if STORED_NAME.match(p.name) or p.name.endswith(".part")]
    if not candidates:
        return []
    keep = referenced(session, [p.name for p in candidates] if only is not None else None)
    now, removed = time.time(), []
    for path in candidates:
        try:
            old_enough = now - path.stat().st_mtime >= grace_seconds
        except FileNotFoundError:
            continue
        if path.name not in keep and old_enough:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def discard_photos(engine: Engine, folder: Path, names: Iterable[str]) -> list[str]:
    """A refused form's photos go at once, unless another record already names them."""
    with Session(engine) as session:
        return remove_orphans(session, folder, grace_seconds=0, only=names)

"""Inspections of shops: recorded by inspectors, seen by their team, exported by admins."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, or_, select, true
from sqlmodel import Session

from registry.access import Staff, audit
from registry.clock import today
from registry.errors import Refused
from registry.opendata import safe_cell
from registry.oversight_models import FINDINGS, Inspection
from registry.plans import check_inspection_fits

MAX_CODES = 50
MAX_PHOTOS = 4


class InspectionRefused(Refused):
    """An inspection record that is missing what it needs."""


@dataclass
class InspectionInput:
    shop_name: str
    address: str
    province: str
    inspected_on: date
    codes: list[str]
    finding: str
    notes: str | None = None
    photos: list[str] = field(default_factory=list)
    plan_id: int | None = None  # the plan it carries out, if any (``registry.plans``)

    def check(self) -> None:
        missing = [n for n in ("shop_name", "address", "province") if not getattr(self, n).strip()]
        if missing:
            raise InspectionRefused(f"required: {', '.join(missing)}")
        if self.finding not in FINDINGS:
            raise InspectionRefused(f"finding must be one of {', '.join(FINDINGS)}")
        if self.inspected_on > today():
            raise InspectionRefused("the inspection date is in the future")
        if not self.codes:
            raise InspectionRefused("name at least one certificate number or model code checked")
        if len(self.codes) > MAX_CODES:
            raise InspectionRefused(f"at most {MAX_CODES} codes per inspection")
        if len(self.photos) > MAX_PHOTOS:
            raise InspectionRefused(f"at most {MAX_PHOTOS} photos per inspection")


def record_inspection(session: Session, data: InspectionInput, staff: Staff) -> Inspection:
    data.check()
    if data.plan_id is not None:
        check_inspection_fits(session, data.plan_id, staff, data.inspected_on)
    row = Inspection(
        token_id=staff.token_id, inspector=staff.name, team=staff.team,
        shop_name=data.shop_name.strip(), address=data.address.strip(), province=data.province.strip(),
        inspected_on=data.inspected_on, codes=[c.strip() for c in data.codes if c.strip()],
        finding=data.finding, notes=(data.notes or "").strip() or None, photos=list(data.photos),
        plan_id=data.plan_id,
    )
    session.add(row)
    session.flush()
    audit(session, staff.name, staff.role, "inspection.create", f"inspection:{row.id}", None,
          {"shop_name": row.shop_name, "province": row.province, "finding": row.finding, "codes": row.codes,
           "plan_id": row.plan_id})
    return row


def visible_to(staff: Staff) -> ColumnElement[bool]:
    """The inspections ``staff`` may see: admins all; an inspector their own and their team's
    (and so their photos: ``registry.photo_access``)."""
    if staff.role == "admin":
        return true()
    mine = Inspection.token_id == staff.token_id
    return or_(mine, Inspection.team == staff.team) if staff.team else mine


def visible_inspections(session: Session, staff: Staff, limit: int = 500) -> list[Inspection]:
    stmt = (select(Inspection).where(visible_to(staff))
            .order_by(Inspection.inspected_on.desc(), Inspection.id.desc()).limit(limit))
    return list(session.execute(stmt).scalars())


EXPORT_COLUMNS = ("id", "inspected_on", "inspector", "team", "shop_name", "address", "province",
                  "finding", "codes", "notes", "photos", "plan_id", "created_at")


def inspections_csv(rows: list[Inspection]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        values = row.model_dump()
        writer.writerow([safe_cell(values[c]) for c in EXPORT_COLUMNS])
    return out.getvalue()

"""Effective status: derived at read time from the administrative status and the expiry date.

A record imported in 2024 must read "expired" in 2028 without anyone touching it, so the
effective status is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, case

from registry.clock import day_month_year
from registry.clock import today as current_day
from registry.models import Certificate
from registry.vocabulary import AdminStatus, Status


@dataclass(frozen=True)
class EffectiveStatus:
    code: str
    reason_vi: str
    reason_en: str

    @property
    def is_valid(self) -> bool:
        return self.code == Status.VALID


def effective_status(
    admin_status: str, expires_on: date | None, on: date | None = None
) -> EffectiveStatus:
    """Revoked and withdrawn are final; past its expiry a record is expired; else its decision."""
    on = on or current_day()
    if admin_status == AdminStatus.REVOKED:
        return EffectiveStatus(Status.REVOKED, "Đã bị thu hồi", "Revoked by the authority")
    if admin_status == AdminStatus.WITHDRAWN:
        return EffectiveStatus(
            Status.WITHDRAWN, "Đã rút khỏi danh sách", "Withdrawn from the published list"
        )
    if expires_on is not None and expires_on < on:
        when = day_month_year(expires_on)
        return EffectiveStatus(Status.EXPIRED, f"Hết hiệu lực từ {when}", f"Expired on {when}")
    if admin_status == AdminStatus.SUSPENDED:
        return EffectiveStatus(Status.SUSPENDED, "Đang bị tạm đình chỉ", "Suspended")
    if expires_on is None:
        return EffectiveStatus(Status.VALID, "Còn hiệu lực", "Valid")
    until = day_month_year(expires_on)
    return EffectiveStatus(Status.VALID, f"Còn hiệu lực đến {until}", f"Valid until {until}")



def status_column(on: date) -> ColumnElement[str]:
    """The effective status in SQL, as ``effective_status`` gives it: revoked and withdrawn
    are final, then past its expiry a record is expired, else its administrative status."""
    final = Certificate.admin_status.in_((AdminStatus.REVOKED, AdminStatus.WITHDRAWN))
    return case((final, Certificate.admin_status),
                (and_(Certificate.expires_on.is_not(None), Certificate.expires_on < on), Status.EXPIRED),
                else_=Certificate.admin_status)

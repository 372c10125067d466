"""What a partner is told about a change: the event's type and its JSON body.

One history event (``CertificateEvent``) becomes one webhook event, typed by what it
changed, most telling first: a withdrawal, then the status (a feed's, a decision's, a
review's), then the model list, then anything else. An expiry that passed is an event too,
though nothing was written: the daily job queues it (``registry.webhooks.emit_expiries``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson

from registry.status import effective_status

CREATED = "certificate.created"
STATUS_CHANGED = "certificate.status_changed"
WITHDRAWN = "certificate.withdrawn"
MODELS_CHANGED = "certificate.models_changed"
TRANSFERRED = "certificate.transferred"
UPDATED = "certificate.updated"
EXPIRED = "certificate.expired"
EVENT_TYPES = (CREATED, STATUS_CHANGED, WITHDRAWN, MODELS_CHANGED, TRANSFERRED, UPDATED, EXPIRED)
TEST = "webhook.test"  # sent when an endpoint is created, so that a partner sees its receiver work


def event_type(action: str, changes: dict[str, Any]) -> str | None:
    """The type of a history event, or None when it changed nothing a partner sees (a review
    that kept the status as it was)."""
    if action == "created":
        return CREATED
    if action == "withdrawn":
        return WITHDRAWN
    if action == "transferred":
        return TRANSFERRED
    if "admin_status" in changes:
        return STATUS_CHANGED
    if "models" in changes:
        return MODELS_CHANGED
    return UPDATED if changes else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def statuses(changes: dict[str, Any], admin_status: str, expires_on: date | None,
             on: date) -> tuple[str, str | None]:
    """(status after, status before) of a change on day ``on``: the values it changed are
    read from it, the others from the certificate as it stands."""
    admin_after, admin_before = admin_status, admin_status
    expires_after, expires_before = expires_on, expires_on
    if "admin_status" in changes:
        admin_before, admin_after = changes["admin_status"]
    if "expires_on" in changes:
        expires_before, expires_after = (_day(v) for v in changes["expires_on"])
    after = effective_status(admin_after, expires_after, on).code
    if admin_before is None:  # created
        return after, None
    return after, effective_status(admin_before, expires_before, on).code


def body(kind: str, certificate_no: str, status: str, previous: str | None, cursor: int | None,
         occurred_at: datetime, public_url: str, changed: list[str] | None = None,
         note: str | None = None) -> str:
    """The JSON sent, as text: it is signed and stored byte for byte."""
    return orjson.dumps({
        "type": kind, "certificate_no": certificate_no, "status": status, "previous_status": previous,
        "cursor": cursor, "occurred_at": occurred_at.isoformat(), "changed": changed or [], "note": note,
        "url": f"{public_url}/v/{certificate_no}",
    }).decode()

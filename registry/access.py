"""API tokens and staff sessions, and the audit log every privileged action writes to.

A token is shown once when created and kept only as its sha256: a stolen database dump
gives no credentials. Browser sessions are random secrets kept the same way; revoking a
token ends its sessions at once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import Session

from registry.clock import utcnow
from registry.oversight_models import ROLES, ApiToken, AuditEntry, StaffSession

TOKEN_PREFIX = "hq_"
SESSION_LIFETIME = timedelta(hours=12)
LAST_USE_PRECISION = timedelta(minutes=1)  # no write on every request


@dataclass(frozen=True)
class Staff:
    """Who is acting: the token's id, name, role and team."""

    token_id: int
    name: str
    role: str
    team: str | None
    sources: tuple[str, ...] = ()  # an importer's: what it may upload feeds for

    def may(self, *roles: str) -> bool:
        """Admins may do everything an inspector may."""
        return self.role in roles or (self.role == "admin" and "inspector" in roles)

    def may_feed(self, source: str) -> bool:
        """An admin uploads for any source; an importer for its own sources only."""
        return self.role == "admin" or (self.role == "importer" and source in self.sources)

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"


AUTHORITY = "authority"  # how the public history names the Telecommunications Authority's staff


def public_actor(actor: str | None) -> str | None:
    """Who made a change, as the public may read it: a feed's source (``import:QUACERT``), or
    the Authority and the staff role (``authority:admin``), never the person; the audit log
    keeps the person for the Authority's own eyes."""
    if actor is None or actor.startswith("import:"):
        return actor
    role = actor.partition(":")[0]
    return f"{AUTHORITY}:{role}" if role in ROLES else AUTHORITY


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, role: str, name: str, team: str | None = None,
                 by: str = "cli", sources: Sequence[str] = ()) -> tuple[ApiToken, str]:
    """A new token; the returned secret is never stored and cannot be shown again. An
    importer's token is bound to the sources it feeds, and only those."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if not name.strip():
        raise ValueError("a token needs a name that says whose it is")
    sources = list(dict.fromkeys(s.strip() for s in sources if s.strip()))
    if role == "importer" and not sources:
        raise ValueError("an importer's token needs the source(s) it feeds: --source NAME")
    if role != "importer" and sources:
        raise ValueError("only importer tokens are bound to sources")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip(), role=role, team=(team or "").strip() or None, sources=sources,
                     secret_hash=digest(secret))
    session.add(token)
    session.flush()
    audit(session, by, "cli", "token.create", f"token:{token.id}",
          None, {"name": token.name, "role": role, "team": token.team, "sources": sources})
    return token, secret


def revoke_token(session: Session, token_id: int, by: str = "cli") -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise LookupError(f"no token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.execute(delete(StaffSession).where(StaffSession.token_id == token_id))
        audit(session, by, "cli", "token.revoke", f"token:{token_id}", {"revoked": False}, {"revoked": True})
    return token


def staff_for_secret(session: Session, secret: str) -> Staff | None:
    """The live token with this secret, noting when it was last used."""
    token = session.execute(
        select(ApiToken).where(ApiToken.secret_hash == digest(secret), ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if token is None:
        return None
    _touch(session, token)
    return Staff(token.id, token.name, token.role, token.team, tuple(token.sources))


def open_session(session: Session, staff: Staff) -> str:
    """A browser session for a logged-in token; returns the cookie value."""
    secret = secrets.token_urlsafe(32)
    session.add(StaffSession(secret_hash=digest(secret), token_id=staff.token_id,
                             expires_at=utcnow() + SESSION_LIFETIME))
    audit(session, staff.name, staff.role, "session.login", f"token:{staff.token_id}", None, None)
    return secret


def staff_for_session(session: Session, cookie: str) -> Staff | None:
    row = session.execute(
        select(ApiToken, StaffSession.expires_at)
        .join(StaffSession, StaffSession.token_id == ApiToken.id)
        .where(StaffSession.secret_hash == digest(cookie), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or row.expires_at < utcnow():
        return None
    token = row.ApiToken
    _touch(session, token)
    return Staff(token.id, token.name, token.role, token.team, tuple(token.sources))


def close_session(session: Session, cookie: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.secret_hash == digest(cookie)))


def _touch(session: Session, token: ApiToken) -> None:
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USE_PRECISION:
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.execute(select(ApiToken).order_by(ApiToken.id)).scalars())


def audit(session: Session, actor: str, role: str, action: str, target: str,
          before: dict[str, Any] | None, after: dict[str, Any] | None,
          at: datetime | None = None) -> None:
    """Append one entry to the audit log, in the caller's transaction."""
    session.add(AuditEntry(at=at or utcnow(), actor=actor, role=role, action=action,
                           target=target, before=before, after=after))


def audit_entries(session: Session, limit: int = 200, before_id: int | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(session.execute(stmt).scalars())

"""Who is asking: a bearer token for the API, a session cookie for the staff pages.

``requires(role, ...)`` is a Litestar guard: no or unknown credentials answer 401, a live
token of another role 403. Every write endpoint carries one; public endpoints carry none
and are rate-limited by ``public_site.safety``.
"""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader, Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect
from sqlmodel import Session

from registry.access import SESSION_LIFETIME, Staff, staff_for_secret, staff_for_session

NO_STORE = CacheControlHeader(no_store=True, private=True)
SESSION_COOKIE = "hopquy_staff"
CSRF_COOKIE = "hopquy_csrf"


def current_staff(connection: ASGIConnection) -> Staff | None:
    """The token behind this request, looked up once per request."""
    state = connection.scope.setdefault("state", {})
    if "staff" in state:
        return state["staff"]
    staff = None
    header = connection.headers.get("authorization", "")
    cookie = connection.cookies.get(SESSION_COOKIE)
    if header or cookie:
        with Session(connection.app.state.engine) as session:
            if header[:7].lower() == "bearer ":
                staff = staff_for_secret(session, header[7:].strip())
            elif cookie and connection.url.path.startswith("/staff"):
                staff = staff_for_session(session, cookie)
            session.commit()  # last-use time
    state["staff"] = staff
    return staff


def requires(*roles: str):
    """A guard admitting live tokens of ``roles`` (admins also pass where inspectors do)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        staff = current_staff(connection)
        if staff is None:
            raise NotAuthorizedException(detail="a valid token is required",
                                         headers={"WWW-Authenticate": 'Bearer realm="hopquy"'})
        if not staff.may(*roles):
            raise PermissionDeniedException(detail=f"this needs the role {' or '.join(roles)}")

    return guard


def staff_of(request: Request) -> Staff:
    """The staff member a guard has already admitted."""
    staff = current_staff(request)
    assert staff is not None, "route without a guard"
    return staff


def session_cookie(request: Request, value: str, secure: bool) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value=value, path="/staff", httponly=True, samesite="lax",
                  secure=secure or request.url.scheme == "https",
                  max_age=int(SESSION_LIFETIME.total_seconds()))


def to_login(request: Request, _: Exception) -> Redirect:
    """Staff pages send a visitor without a session to the login form, then back."""
    return Redirect(path="/staff/login", query_params={"next": request.url.path})

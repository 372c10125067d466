"""What an abuser sends: NUL bytes, numbers past any column's range, lone surrogates, very long
paths, odd digits. Each gets a 4xx that says why, never a 500, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from public_site.app import create_app
from registry.access import create_token
from registry.models import CertificateEvent
from registry.oversight_models import AuditEntry
from registry.settings import get_settings

HUGE = "9223372036854775809"  # one past the largest id a database column holds
ANONYMOUS = [
    ("GET", "/api/v1/verify/%00", 400),
    ("GET", "/api/v1/verify/A04%0012", 400),
    ("GET", "/api/v1/search?q=%00", 400),
    ("GET", "/api/v1/certificates/%00abc", 400),
    ("GET", "/v/%00", 400),
    ("GET", "/c/A0412150324AE01A2%00", 400),
    ("GET", "/o/%00", 400),
    ("GET", f"/api/v1/changes?since={HUGE}", 400),
    ("GET", "/api/v1/changes?since=192166242473714974720", 400),
    ("GET", "/v/" + "A" * 20_000, 414),
    ("GET", "/?q=" + "x" * 20_000, 414),
]
STAFF = [
    ("GET", "/api/v1/audit?before_id=192166242473714974720", {}, 400),
    ("PATCH", "/api/v1/reports/6021120660142947925958146387869696", {"json": {"state": "closed"}}, 400),
    ("POST", "/api/v1/decisions", {"json": {"certificate_no": "A\u0000", "action": "suspend", "reason": "x",
                                            "decision_ref": "1/QĐ", "decision_on": "2026-01-01"}}, 400),
    ("POST", "/api/v1/decisions", {"content": b'{"certificate_no": "\\ud800", "action": "suspend", "reason": "x", '
                                              b'"decision_ref": "1", "decision_on": "2026-01-01"}',
                                   "headers": {"Content-Type": "application/json"}}, 400),
    ("POST", "/api/v1/transfers", {"json": {"certificate_no": "A\u0000", "to_source": "b", "reason": "x"}}, 400),
    ("POST", "/api/v1/verify", {"json": {"codes": ["ok", "nul\u0000"]}}, 400),
    ("POST", "/api/v1/imports?source=sample&file_name=a%00.csv", {"content": b"x"}, 400),
]


@pytest.fixture
def client(sample_registry, sample_index):
    with TestClient(create_app(get_settings(), sample_registry, sample_index, run_worker=False,
                               migrate=False)) as test_client:
        yield test_client


@pytest.fixture
def admin(sample_registry) -> dict[str, str]:
    with Session(sample_registry) as session:
        secret = create_token(session, "admin", "hostile suite")[1]
        session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _history(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (session.execute(select(func.count()).select_from(CertificateEvent)).scalar_one(),
                session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


@pytest.mark.parametrize(("method", "path", "status"), ANONYMOUS, ids=[p[:40] for _, p, _ in ANONYMOUS])
def test_what_no_page_could_be_asked_for_is_refused_plainly(client, method, path, status):
    response = client.request(method, path)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), STAFF, ids=[f"{m} {p[:30]}" for m, p, _, _ in STAFF])
def test_what_a_token_holder_could_send_changes_nothing(client, admin, sample_registry, method, path, kwargs, status):
    before = _history(sample_registry)
    kwargs = {**kwargs, "headers": {**kwargs.get("headers", {}), **admin}}
    response = client.request(method, path, **kwargs)
    assert response.status_code == status, response.text[:300]
    assert _history(sample_registry) == before


def test_a_report_form_stamp_of_odd_digits_is_a_form_problem(client):
    page = client.get("/report")
    token = client.cookies.get("hopquy_csrf")
    for stamp in ("²³.abc", "9" * 5000 + ".x", "12.é"):
        sent = client.post("/report", files={"code": (None, "SM-A546E"), "problem": (None, "tem giả"),
                                             "issued": (None, stamp), "_csrf_token": (None, token)})
        assert sent.status_code == 400 and "expired" in sent.text, (stamp, sent.status_code)
    assert page.status_code == 200

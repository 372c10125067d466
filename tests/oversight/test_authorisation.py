"""Role x endpoint: no token, a garbage token, a revoked token, each wrong role, each right role."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from registry.reports import ReportInput, file_report
from tests.helpers import HEADER, row
from tests.oversight.conftest import NUMBERS, bearer

# body-b's own certificates: the registry's are body-a's, which body-b may not change
BODY_B_ROWS = [row(number=f"B{n[1:]}", models=f"TAB-{i}", product="Máy tính bảng") for i, n in enumerate(NUMBERS)]
FEED_CSV = (",".join(HEADER) + "\n" + "\n".join(",".join(f'"{c}"' for c in r) for r in BODY_B_ROWS)).encode()

# (method, path, allowed roles, request kwargs per attempt number)
ENDPOINTS = [
    (
        "POST",
        "/api/v1/decisions",
        {"admin"},
        lambda n: {
            "json": {
                "certificate_no": NUMBERS[0],
                "action": "suspend" if n == 0 else "reinstate",
                "reason": "Điều 5 Thông tư 30",
                "decision_ref": f"12{n}/QĐ-CVT",
                "decision_on": "2026-11-01",
            }
        },
    ),
    ("GET", "/api/v1/inspections", {"admin", "inspector"}, lambda n: {}),
    (
        "POST",
        "/api/v1/inspections",
        {"admin", "inspector"},
        lambda n: {
            "json": {
                "shop_name": "Cửa hàng A",
                "address": "1 Tràng Tiền",
                "province": "Hà Nội",
                "inspected_on": "2026-11-20",
                "codes": [NUMBERS[0]],
                "finding": "conforming",
            }
        },
    ),
    ("GET", "/api/v1/inspections/export.csv", {"admin"}, lambda n: {}),
    ("GET", "/api/v1/reports", {"admin", "inspector"}, lambda n: {}),
    (
        "PATCH",
        "/api/v1/reports/1",
        {"admin", "inspector"},
        lambda n: {"json": {"state": "closed" if n == 0 else "investigating", "note": "checked"}},
    ),
    ("GET", "/api/v1/flags", {"admin", "inspector"}, lambda n: {}),
    ("GET", "/api/v1/audit", {"admin"}, lambda n: {}),
    (
        "POST",
        "/api/v1/transfers",
        {"admin"},
        lambda n: {"json": {"certificate_no": NUMBERS[2], "to_source": f"body-t{n}", "reason": "handover"}},
    ),
    (
        "POST",
        "/api/v1/imports?source=body-b&file_name=feed.csv",
        {"admin", "importer"},
        lambda n: {"content": FEED_CSV, "headers": {"Content-Type": "text/csv"}},
    ),
]


@pytest.mark.parametrize(
    "method,path,allowed,body", ENDPOINTS, ids=[f"{m} {p.split('?')[0]}" for m, p, _, _ in ENDPOINTS]
)
def test_role_matrix(client, tokens, feed_registry, method, path, allowed, body):
    with Session(feed_registry) as session:
        file_report(session, ReportInput(NUMBERS[0], "Tem QR giống hệt trên nhiều máy"), "sender")
        session.commit()
    attempts = 0

    def call(secret):
        nonlocal attempts
        kwargs = body(attempts)
        headers = {**kwargs.pop("headers", {}), **bearer(secret)}
        return client.request(method, path, headers=headers, **kwargs)

    for secret in (None, "hq_not-a-real-token", tokens["revoked"]):
        response = call(secret)
        assert response.status_code == 401, (secret, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    for role in ("admin", "inspector", "importer"):
        response = call(tokens[role])
        if role in allowed:
            assert response.status_code in (200, 201), (role, response.text)
            attempts += 1
        else:
            assert response.status_code == 403, (role, response.text)


def test_public_endpoints_need_no_token(client):
    for path in (
        "/",
        "/violations",
        "/api/v1/violations",
        f"/v/{NUMBERS[0]}",
        f"/api/v1/verify/{NUMBERS[0]}",
        "/report",
    ):
        assert client.get(path).status_code == 200, path


def test_staff_pages_send_strangers_to_the_login(client, tokens):
    response = client.get("/staff/inspections", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/staff/login?next=%2Fstaff%2Finspections")


def test_staff_pages_take_a_bearer_token_and_an_importer_cannot_log_in(client, tokens):
    assert client.get("/staff", headers=bearer(tokens["inspector"])).status_code == 200
    client.get("/staff/login")
    response = client.post(
        "/staff/login",
        data={"token": tokens["importer"], "next": "/staff", "_csrf_token": client.cookies.get("hopquy_csrf")},
    )
    assert response.status_code == 401

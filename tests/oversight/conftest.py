"""A small registry (three certificates from one source), the app on it, and a token per role."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from public_site.app import create_app
from registry.access import create_token, revoke_token
from registry.settings import get_settings
from tests.helpers import row, write_feed

NUMBERS = ("A0412150324AE01A2", "A0412160324AE01A2", "A0412170324AE01A2")


def feed_rows(status: str = "Còn hiệu lực", product: str = "Điện thoại di động GSM/WCDMA/LTE/NR") -> list[list[str]]:
    return [row(number=n, models=f"SM-A54{i}E", status=status, product=product) for i, n in enumerate(NUMBERS)]


@pytest.fixture
def feed_registry(engine, tmp_path):
    path = write_feed(tmp_path / "body-a.csv", feed_rows())
    assert import_file(engine, path, ImportOptions(source="body-a")).status == "applied"
    return engine


@pytest.fixture
def tokens(feed_registry) -> dict[str, str]:
    """Secrets by role, plus a revoked admin token and a second inspector in another team."""
    secrets = {}
    with Session(feed_registry) as session:
        for role, team in (("admin", None), ("inspector", "hanoi")):
            secrets[role] = create_token(session, role, f"test {role}", team)[1]
        secrets["importer"] = create_token(session, "importer", "test importer", sources=["body-b"])[1]
        secrets["other_inspector"] = create_token(session, "inspector", "other", "saigon")[1]
        token, secrets["revoked"] = create_token(session, "admin", "former admin")
        revoke_token(session, token.id)
        session.commit()
    return secrets


@pytest.fixture
def app(feed_registry, dead_index):
    return create_app(get_settings(), feed_registry, dead_index, run_worker=False, migrate=False)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


def bearer(secret: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"} if secret else {}


def login(client: TestClient, secret: str) -> None:
    """Log a browser session in through the form, as a person would."""
    page = client.get("/staff/login")
    token = client.cookies.get("hopquy_csrf")
    response = client.post(
        "/staff/login", data={"token": secret, "next": "/staff", "_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code in (302, 303), (page.status_code, response.text)


def csrf(client: TestClient) -> str:
    return client.cookies.get("hopquy_csrf")

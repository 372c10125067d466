"""A registry a marketplace would check listings against, the app on it, and keys per role."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from public_site.app import create_app
from registry.access import create_token
from registry.settings import get_settings
from tests.helpers import HEADER, row, write_feed

MARK = "Mã số dấu hợp quy"
# number, models, brand, status, expires, mark code, tax code
CERTIFICATES = {
    "A0412150324AE01A2": ("SM-A546E; SM-A546E/DS", "Samsung", "Còn hiệu lực", "14/03/2027", "CV-0001-24", "0312345678"),
    "A0412160324AE01A2": ("SM-S918B", "Samsung", "Tạm đình chỉ", "14/03/2027", "", "0312345678"),
    "A0412170324AE01A2": ("SM-T225", "Samsung", "Thu hồi", "14/03/2027", "", "0312345678"),
    "A0412180324AE01A2": ("TL-WR841N", "TP-Link", "Còn hiệu lực", "01/01/2025", "", "0101234567"),
    "A0412190324AE01A2": ("Redmi Note 13", "Xiaomi", "Rút", "14/03/2027", "", "0109876543"),
    "A0412200324AE01A2": ("RMX3085", "realme", "Còn hiệu lực", "14/03/2027", "CV-0002-24", "0105555555"),
    "A0412210324AE01A2": ("BOB-500", "Bobo", "Còn hiệu lực", "14/03/2027", "", "0106666666"),
}


def partner_rows() -> list[list[str]]:
    rows = []
    for number, (models, brand, status, expires, mark, tax) in CERTIFICATES.items():
        rows.append(row(number=number, models=models, brand=brand, status=status, expires=expires, tax=tax,
                        holder=f"Công ty {brand}") + [mark])
    return rows


@pytest.fixture
def partner_registry(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("HOPQUY_TODAY", "2026-06-01")
    monkeypatch.setenv("HOPQUY_WEBHOOKS_ALLOW_HTTP", "1")
    get_settings.cache_clear()
    path = write_feed(tmp_path / "body-a.csv", partner_rows(), header=HEADER + [MARK])
    assert import_file(engine, path, ImportOptions(source="body-a")).status == "applied"
    return engine


@pytest.fixture
def keys(partner_registry) -> dict[str, str]:
    """Secrets: two partners, an admin, an inspector."""
    secrets = {}
    with Session(partner_registry) as session:
        for name, role in (("shopee", "partner"), ("lazada", "partner"), ("admin", "admin"),
                           ("inspector", "inspector")):
            secrets[name] = create_token(session, role, f"test {name}", "hanoi" if role == "inspector" else None)[1]
        session.commit()
    return secrets


@pytest.fixture
def client(partner_registry, dead_index):
    app = create_app(get_settings(), partner_registry, dead_index, run_worker=False, migrate=False)
    with TestClient(app) as test_client:
        yield test_client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}

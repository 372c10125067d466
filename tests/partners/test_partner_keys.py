"""A partner key has its own rate limit (not its address's) and its own usage counts; a made-up
key is only an address; partners reach their own calls and nothing of the staff's."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session

from public_site.app import create_app
from registry.oversight_models import ApiToken
from registry.partner_models import PartnerUsage
from registry.settings import get_settings
from tests.partners.conftest import bearer

VALID = "A0412150324AE01A2"


def test_a_partner_counts_on_its_own_limit_and_its_usage_is_kept(partner_registry, keys, dead_index, monkeypatch):
    monkeypatch.setenv("HOPQUY_RATE_LIMIT", "5")
    monkeypatch.setenv("HOPQUY_PARTNER_RATE_LIMIT", "12")
    get_settings.cache_clear()
    app = create_app(get_settings(), partner_registry, dead_index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        anonymous = [client.get(f"/api/v1/verify/{VALID}").status_code for _ in range(6)]
        assert anonymous == [200] * 5 + [429]
        made_up = client.get(f"/api/v1/verify/{VALID}", headers=bearer("hq_not-a-real-key"))
        assert made_up.status_code == 429  # just the same address
        partner = [client.get(f"/api/v1/verify/{VALID}", headers=bearer(keys["shopee"])).status_code
                   for _ in range(10)]
        body = {"listings": [{"listing_id": "1", "shop_id": "s", "code": VALID}]}
        partner += [client.post("/api/v1/listings/check", json=body, headers=bearer(keys["shopee"])).status_code
                    for _ in range(3)]
        assert partner == [200] * 12 + [429]
        refused = client.get(f"/api/v1/verify/{VALID}", headers=bearer(keys["shopee"]))
        assert "this partner key" in refused.json()["detail"] and refused.headers["ratelimit-limit"] == "12"
        assert client.get(f"/api/v1/verify/{VALID}", headers=bearer(keys["lazada"])).status_code == 200
    with Session(partner_registry) as session:  # written at shutdown, and every half minute
        usage = {(row.kind, row.count) for row in session.execute(select(PartnerUsage)).scalars()
                 if row.token_id == _token_id(session, "test shopee")}
    assert usage == {("verify", 11), ("listings", 3)}  # refused requests count too: they were made


def _token_id(session: Session, name: str) -> int:
    return session.execute(select(ApiToken.id).where(ApiToken.name == name)).scalar_one()


def test_partners_reach_their_calls_only(client, keys):
    partner = bearer(keys["shopee"])
    assert client.get("/api/v1/partners/usage", headers=partner).status_code == 200
    for path in ("/api/v1/targets", "/api/v1/plans", "/api/v1/reviews", "/api/v1/listings/shared"):
        assert client.get(path, headers=partner).status_code == 403, path
    decision = {"certificate_no": VALID, "action": "suspend", "reason": "x", "decision_ref": "1",
                "decision_on": "2026-05-30"}
    assert client.post("/api/v1/decisions", json=decision, headers=partner).status_code == 403
    assert client.get("/staff", headers=partner, follow_redirects=False).status_code in (302, 303, 401, 403)

"""Inspection plans: made by admins, seen by their teams, carried out by inspections, with
progress counted against their targets; and the ranked list turned into targets in one step."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from registry.access import audit_entries
from registry.clock import today
from registry.models import Certificate
from registry.oversight_models import ScanCount
from tests.oversight.conftest import NUMBERS, bearer

DAY = today()


def plan_body(**changes) -> dict:
    body = {"name": "Kiểm tra Hà Nội quý IV", "starts_on": (DAY - timedelta(days=30)).isoformat(),
            "ends_on": (DAY + timedelta(days=30)).isoformat(), "teams": ["hanoi", "saigon"],
            "provinces": ["Hà Nội"], "categories": ["phone"],
            "shops": [{"name": "Cửa hàng Minh Anh", "address": "12 Phố Huế", "province": "Hà Nội", "team": "hanoi"},
                      {"name": "Điện máy Sao Mai", "address": "3 Lê Lợi", "province": "Hà Nội", "team": "hanoi"},
                      {"name": "Shop Bến Thành", "address": "1 Lê Lai", "province": "TP Hồ Chí Minh",
                       "team": "saigon"}],
            "certificates": [NUMBERS[0].lower(), NUMBERS[1]]}
    return {**body, **changes}


def inspection(plan_id: int | None, shop: str, province: str, codes: list[str], finding: str = "conforming",
               on=DAY) -> dict:
    return {"shop_name": shop, "address": "x", "province": province, "inspected_on": on.isoformat(),
            "codes": codes, "finding": finding, "plan_id": plan_id}


def test_a_plan_is_made_followed_and_counted(client, tokens, feed_registry):
    admin, inspector, other = bearer(tokens["admin"]), bearer(tokens["inspector"]), bearer(tokens["other_inspector"])
    made = client.post("/api/v1/plans", json=plan_body(), headers=admin)
    assert made.status_code == 201, made.text
    plan = made.json()
    assert plan["target_certificates"] == [NUMBERS[0], NUMBERS[1]]  # written as the registry writes them
    assert client.post("/api/v1/plans", json=plan_body(), headers=inspector).status_code == 403
    # an inspection of a listed shop (spelt differently), one of an unlisted shop, one by the other team
    for body, who in ((inspection(plan["id"], "cửa hàng  minh anh", "Hà Nội", [NUMBERS[0]], "mark_misused"), inspector),
                      (inspection(plan["id"], "Shop lạ", "Hà Nội", ["SM-X"]), inspector),
                      (inspection(plan["id"], "Shop Bến Thành", "TP Hồ Chí Minh", [NUMBERS[2]]), other),
                      (inspection(None, "Ngoài kế hoạch", "Huế", [NUMBERS[1]]), inspector)):
        assert client.post("/api/v1/inspections", json=body, headers=who).status_code == 201
    progress = client.get(f"/api/v1/plans/{plan['id']}", headers=inspector).json()
    assert progress["total"] == {"key": "all", "target_shops": 3, "shops_done": 2, "inspections": 3,
                                 "with_findings": 1}
    teams = {t["key"]: t for t in progress["by_team"]}
    assert (teams["hanoi"]["target_shops"], teams["hanoi"]["shops_done"], teams["hanoi"]["inspections"]) == (2, 1, 2)
    assert (teams["saigon"]["shops_done"], teams["saigon"]["inspections"]) == (1, 1)
    provinces = {t["key"]: t for t in progress["by_province"]}
    assert provinces["Hà Nội"]["with_findings"] == 1 and "Huế" not in provinces  # the unplanned one is not here
    assert (progress["target_certificates"], progress["certificates_checked"]) == (2, 1)
    assert progress["certificates_left"] == [NUMBERS[1]]  # checked only outside the plan
    assert [s["name"] for s in progress["shops_left"]] == ["Điện máy Sao Mai"]
    assert progress["findings"] == {"conforming": 2, "mark_misused": 1}


def test_inspectors_see_only_their_teams_plans(client, tokens, feed_registry):
    admin = bearer(tokens["admin"])
    mine = client.post("/api/v1/plans", json=plan_body(teams=["hanoi"], shops=[]), headers=admin).json()
    theirs = client.post("/api/v1/plans", json=plan_body(name="Sài Gòn", teams=["saigon"], shops=[]),
                         headers=admin).json()
    listed = client.get("/api/v1/plans", headers=bearer(tokens["inspector"])).json()
    assert [p["id"] for p in listed] == [mine["id"]]
    assert client.get(f"/api/v1/plans/{theirs['id']}", headers=bearer(tokens["inspector"])).status_code == 404
    refused = client.post("/api/v1/inspections", json=inspection(theirs["id"], "A", "Hà Nội", ["X"]),
                          headers=bearer(tokens["inspector"]))
    assert refused.status_code == 404  # another team's plan is not the inspector's to carry out
    assert len(client.get("/api/v1/plans", headers=admin).json()) == 2


def test_a_plan_refuses_what_does_not_fit(client, tokens, feed_registry):
    admin = bearer(tokens["admin"])
    cases = {
        "ends before": plan_body(ends_on=(DAY - timedelta(days=60)).isoformat()),
        "not in the registry": plan_body(certificates=["A9999990324AE01A2"]),
        "not in the plan": plan_body(shops=[{"name": "A", "province": "Huế", "team": "danang"}]),
    }
    for words, body in cases.items():
        answer = client.post("/api/v1/plans", json=body, headers=admin)
        assert answer.status_code in (400, 404) and words in answer.text, (words, answer.text)
    assert client.post("/api/v1/plans", json=plan_body(teams=[]), headers=admin).status_code == 400
    plan = client.post("/api/v1/plans", json=plan_body(), headers=admin).json()
    late = inspection(plan["id"], "A", "Hà Nội", ["X"], on=DAY - timedelta(days=45))
    answer = client.post("/api/v1/inspections", json=late, headers=bearer(tokens["inspector"]))
    assert answer.status_code == 400 and "outside the plan's period" in answer.text
    assert client.get("/api/v1/plans", headers=admin).json()[0]["id"] == plan["id"]  # nothing half made


def test_the_ranked_list_becomes_the_plans_targets_in_one_step(client, tokens, feed_registry):
    with Session(feed_registry) as session:
        ids = dict(session.execute(select(Certificate.certificate_no, Certificate.id)).all())
        session.add(ScanCount(certificate_id=ids[NUMBERS[2]], day=DAY, count=90))  # a copied QR code
        session.add(ScanCount(certificate_id=ids[NUMBERS[2]], day=DAY, province="Huế", count=90))
        session.commit()
    admin = bearer(tokens["admin"])
    plan = client.post("/api/v1/plans", json=plan_body(provinces=[], certificates=[], shops=[]), headers=admin).json()
    assert client.get("/api/v1/targets?province=Hà Nội", headers=admin).json() == []
    assert [t["certificate_no"] for t in client.get("/api/v1/targets?province=Huế&category=phone",
                                                    headers=admin).json()] == [NUMBERS[2]]
    assert client.get("/api/v1/targets?category=wifi", headers=admin).json() == []
    answer = client.post(f"/api/v1/plans/{plan['id']}/targets/from-ranking",
                         json={"province": "Huế", "category": "phone", "limit": 10}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["target_certificates"] == [NUMBERS[2]]
    assert answer.json()["provinces"] == ["Huế"] and answer.json()["categories"] == ["phone"]
    again = client.post(f"/api/v1/plans/{plan['id']}/targets", json={"certificates": [NUMBERS[2]]}, headers=admin)
    assert again.json()["target_certificates"] == [NUMBERS[2]]  # a target is listed once
    with Session(feed_registry) as session:
        actions = [e.action for e in audit_entries(session) if e.target == f"plan:{plan['id']}"]
    assert actions == ["plan.targets", "plan.targets.ranked", "plan.create"]

"""Conclusions: fixed lists, a certificate sanction applied as a status decision, the public
notice with its facts and the methods seen, and refusals that leave nothing behind."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from registry.clock import today
from registry.enforcement_models import Conclusion
from registry.models import Certificate
from registry.oversight_models import StatusDecision, Violation
from tests.oversight.conftest import NUMBERS, bearer
from tests.oversight.test_plans import inspection, plan_body

DAY = today().isoformat()


def conclusion_body(inspection_id: int, **changes) -> dict:
    body = {"organisation_name": "Cửa hàng Minh Anh", "decision_ref": "15/QĐ-XPHC", "concluded_on": DAY,
            "findings": ["mark_misused", "suspected_counterfeit"], "legal_decree": "Nghị định 14/2017/NĐ-CP",
            "legal_article": "Điều 7, khoản 2", "sanctions": ["fine", "suspend_certificate"],
            "fine_vnd": 12_500_000, "methods": ["copied_qr", "other"], "method_note": "tem in lại",
            "province": "Hà Nội", "tax_code": "0101 234 567", "certificates": [NUMBERS[0].lower()],
            "inspection_id": inspection_id}
    return {**body, **changes}


def an_inspection(client, tokens, plan_id=None) -> dict:
    answer = client.post("/api/v1/inspections", json=inspection(plan_id, "Cửa hàng Minh Anh", "Hà Nội", [NUMBERS[0]],
                                                                 "mark_misused"), headers=bearer(tokens["inspector"]))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_conclusion_suspends_its_certificate_and_is_published(client, tokens, feed_registry):
    admin = bearer(tokens["admin"])
    plan = client.post("/api/v1/plans", json=plan_body(), headers=admin).json()
    visit = an_inspection(client, tokens, plan["id"])
    answer = client.post("/api/v1/conclusions", json=conclusion_body(visit["id"]), headers=admin)
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["plan_id"] == plan["id"]  # the inspection's plan
    assert made["tax_code"] == "0101234567" and made["certificates"] == [NUMBERS[0]]
    assert len(made["decision_ids"]) == 1 and made["violation_id"] is not None
    certificate = client.get(f"/api/v1/certificates/{NUMBERS[0]}").json()
    assert certificate["status"] == "suspended"
    assert certificate["decision"]["decision_ref"] == "15/QĐ-XPHC"
    assert "Nghị định 14/2017/NĐ-CP, Điều 7, khoản 2" in certificate["decision"]["reason"]
    notices = client.get("/api/v1/violations").json()
    facts = notices["violations"][0]["conclusion"]
    assert facts["methods"] == ["copied_qr", "other"] and facts["fine_vnd"] == 12_500_000
    assert facts["legal_article"] == "Điều 7, khoản 2" and "concluded_by" not in facts
    assert "Phạt tiền 12.500.000 đồng" in notices["violations"][0]["sanction"]
    assert [(m["method"], m["conclusions"]) for m in notices["methods_seen"]] == [("copied_qr", 1), ("other", 1)]
    page = client.get("/violations")
    assert "Sao chép mã QR" in page.text and "Căn cứ pháp lý" in page.text and "12.500.000 đồng" in page.text
    progress = client.get(f"/api/v1/plans/{plan['id']}", headers=admin).json()
    assert (progress["conclusions"], progress["fines_vnd"]) == (1, 12_500_000)


def test_a_conclusion_kept_back_is_published_later(client, tokens, feed_registry):
    admin = bearer(tokens["admin"])
    visit = an_inspection(client, tokens)
    body = conclusion_body(visit["id"], sanctions=["warning"], fine_vnd=None, certificates=[], publish=False)
    made = client.post("/api/v1/conclusions", json=body, headers=admin).json()
    assert made["violation_id"] is None and client.get("/api/v1/violations").json()["total"] == 0
    assert client.get("/api/v1/violations").json()["methods_seen"] == []
    published = client.post(f"/api/v1/conclusions/{made['id']}/publish", headers=admin)
    assert published.status_code == 200 and published.json()["violation_id"]
    assert client.post(f"/api/v1/conclusions/{made['id']}/publish", headers=admin).status_code == 409
    assert client.get("/api/v1/violations").json()["total"] == 1
    listed = client.get("/api/v1/conclusions", headers=admin).json()
    assert [c["id"] for c in listed] == [made["id"]]


def test_refusals_leave_the_registry_as_it_was(client, tokens, feed_registry):
    admin = bearer(tokens["admin"])
    visit = an_inspection(client, tokens)
    base = conclusion_body(visit["id"])
    cases = {
        "needs its amount": {"fine_vnd": None},
        "the sanctions have no fine": {"sanctions": ["warning"]},
        "needs the certificates": {"certificates": []},
        "not both": {"sanctions": ["suspend_certificate", "revoke_certificate"], "fine_vnd": None},
        "needs a description": {"method_note": None},
        "belongs to an inspection or a plan": {"inspection_id": None},
        "not in the registry": {"certificates": [NUMBERS[1], "A9999990324AE01A2"]},
        "no inspection": {"inspection_id": 999},
    }
    for words, change in cases.items():
        answer = client.post("/api/v1/conclusions", json={**base, **change}, headers=admin)
        assert answer.status_code in (400, 404) and words in answer.text, (words, answer.text)
    for field, value in (("findings", ["sold_at_night"]), ("fine_vnd", 10**13), ("methods", ["magic"])):
        assert client.post("/api/v1/conclusions", json={**base, field: value}, headers=admin).status_code == 400
    assert client.post("/api/v1/conclusions", json=base, headers=bearer(tokens["inspector"])).status_code == 403
    # the certificate is suspended already: the second conclusion's whole transaction is undone
    assert client.post("/api/v1/conclusions", json=base, headers=admin).status_code == 201
    again = client.post("/api/v1/conclusions", json={**base, "certificates": [NUMBERS[1], NUMBERS[0]]},
                        headers=admin)
    assert again.status_code == 409 and NUMBERS[0] in again.text
    with Session(feed_registry) as session:
        assert session.execute(select(func.count()).select_from(Conclusion)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(Violation)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(StatusDecision)).scalar_one() == 1
        status = session.execute(select(Certificate.admin_status).where(Certificate.certificate_no == NUMBERS[1]))
        assert status.scalar_one() == "valid"

"""Decisions of the authority against feed imports: neither silently overwrites the other."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from registry.outbox import pending
from tests.helpers import write_feed
from tests.oversight.conftest import NUMBERS, bearer, feed_rows

DECISION = {
    "action": "suspend",
    "reason": "Dùng sai dấu hợp quy trên bao bì",
    "decision_ref": "123/QĐ-CVT",
    "decision_on": "2026-11-02",
}


def _suspend(client, tokens, number=NUMBERS[0]):
    response = client.post(
        "/api/v1/decisions", json={**DECISION, "certificate_no": number}, headers=bearer(tokens["admin"])
    )
    assert response.status_code == 201, response.text
    return response.json()


def _record(client, number=NUMBERS[0]):
    return client.get(f"/api/v1/certificates/{number}").json()


def _import(engine, tmp_path, name, rows):
    result = import_file(engine, write_feed(tmp_path / name, rows), ImportOptions(source="body-a"))
    assert result.status == "applied", result.as_dict()
    return result


def test_a_decision_is_public_with_its_reason_everywhere(client, tokens, feed_registry):
    body = _suspend(client, tokens)
    assert body["decision"]["status"] == "suspended"
    record = _record(client)
    assert record["status"] == "suspended"
    assert record["decision"] == {
        "action": "suspend",
        "status": "suspended",
        "reason": DECISION["reason"],
        "decision_ref": "123/QĐ-CVT",
        "decision_on": "2026-11-02",
    }
    event = record["history"][0]
    assert event["action"] == "decision" and event["changes"] == {"admin_status": ["valid", "suspended"]}
    assert "123/QĐ-CVT" in event["note"] and event["by"] == "authority:admin"  # the role, never the person
    for page in (f"/v/{NUMBERS[0]}", f"/c/{NUMBERS[0]}"):
        html = client.get(page).text
        assert "TẠM ĐÌNH CHỈ" in html and DECISION["reason"] in html and "123/QĐ-CVT" in html
    verify = client.get(f"/api/v1/verify/{NUMBERS[0]}").json()
    assert verify["status"] == "suspended"
    with Session(feed_registry) as session:
        assert pending(session) >= 1  # the search document follows through the outbox


def test_an_import_that_keeps_the_feed_status_leaves_the_decision_standing(client, tokens, feed_registry, tmp_path):
    _suspend(client, tokens)
    result = _import(feed_registry, tmp_path, "renamed.csv", feed_rows(product="Điện thoại thông minh"))
    assert result.counts.updated == 3
    record = _record(client)
    assert record["status"] == "suspended" and record["product_name"] == "Điện thoại thông minh"
    update = record["history"][0]
    assert update["action"] == "updated" and "admin_status" not in update["changes"]
    assert update["note"] == "decision 123/QĐ-CVT stands"
    # the same feed again changes nothing, and the decision still stands
    again = import_file(feed_registry, tmp_path / "renamed.csv", ImportOptions(source="body-a", force=True))
    assert again.counts.unchanged == 3 and _record(client)["status"] == "suspended"


def test_a_feed_status_change_after_a_reinstatement_supersedes_it(client, tokens, feed_registry, tmp_path):
    _suspend(client, tokens)
    response = client.post(
        "/api/v1/decisions",
        json={**DECISION, "certificate_no": NUMBERS[0], "action": "reinstate", "decision_ref": "130/QĐ-CVT"},
        headers=bearer(tokens["admin"]),
    )
    assert response.status_code == 201 and _record(client)["status"] == "valid"
    rows = feed_rows()
    rows[0][10] = "Thu hồi"
    _import(feed_registry, tmp_path, "revoked.csv", rows)  # a reinstatement holds nothing back
    record = _record(client)
    assert record["status"] == "revoked" and record["decision"] is None
    assert record["history"][0]["note"] == "the feed changed the status; supersedes decision 130/QĐ-CVT"
    assert record["history"][0]["changes"]["admin_status"] == ["valid", "revoked"]


def test_refused_decisions_change_nothing(client, tokens, feed_registry):
    admin = bearer(tokens["admin"])
    cases = [
        ({**DECISION, "action": "reinstate"}, 409),  # already valid
        ({**DECISION, "decision_on": "2999-01-01"}, 409),  # in the future
        ({**DECISION, "reason": ""}, 400),
        ({**DECISION, "action": "delete"}, 400),
    ]
    for body, status in cases:
        response = client.post("/api/v1/decisions", json={"certificate_no": NUMBERS[0], **body}, headers=admin)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == status and response.json()["title"]
    refusal = client.post("/api/v1/decisions", json={"certificate_no": NUMBERS[0], **DECISION, "action": "reinstate"},
                          headers=admin).json()
    assert refusal["title"] == "Conflict" and refusal["detail"] == "the certificate is already valid"
    assert (
        client.post("/api/v1/decisions", json={**DECISION, "certificate_no": "NOPE"}, headers=admin).status_code == 404
    )
    assert _record(client)["status"] == "valid" and len(_record(client)["history"]) == 1


def test_history_and_audit_log_are_append_only_in_the_database(client, tokens, feed_registry):
    _suspend(client, tokens)
    for statement in (
        "UPDATE auditentry SET actor = 'someone else'",
        "DELETE FROM auditentry",
        "UPDATE certificateevent SET note = 'rewritten'",
        "DELETE FROM certificateevent",
    ):
        with feed_registry.connect() as conn:
            try:
                conn.execute(text(statement))
                conn.commit()
            except Exception as exc:
                assert "append-only" in str(exc)
            else:
                raise AssertionError(f"{statement} was allowed")
    audit = client.get("/api/v1/audit", headers=bearer(tokens["admin"])).json()
    entry = next(e for e in audit if e["action"] == "decision.suspend")
    assert entry["actor"] == "test admin" and entry["before"] == {"admin_status": "valid"}
    assert entry["after"]["decision_ref"] == "123/QĐ-CVT"


def test_the_scan_page_follows_every_change_at_once(client, tokens, feed_registry, tmp_path, monkeypatch):
    """/v keeps rendered pages; each change (decision, import, expiry, language) shows at once."""
    page = f"/v/{NUMBERS[0]}"
    assert "CÒN HIỆU LỰC" in client.get(page).text and "CÒN HIỆU LỰC" in client.get(page).text
    _suspend(client, tokens)
    assert "TẠM ĐÌNH CHỈ" in client.get(page).text
    _import(feed_registry, tmp_path, "renamed.csv", feed_rows(product="Máy tính bảng đổi tên"))
    html = client.get(page).text
    assert "Máy tính bảng đổi tên" in html and "TẠM ĐÌNH CHỈ" in html
    assert _record(client)["expires_on"] == "2027-03-14"
    monkeypatch.setenv("HOPQUY_TODAY", "2027-03-15")
    assert "HẾT HIỆU LỰC" in client.get(page).text
    assert "EXPIRED" in client.get(page, params={"lang": "en"}).text
    monkeypatch.delenv("HOPQUY_TODAY")
    assert "SUSPENDED" in client.get(page).text  # the language choice is remembered
    assert "TẠM ĐÌNH CHỈ" in client.get(page, params={"lang": "vi"}).text

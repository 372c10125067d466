"""The regulator's decisions stand: a feed's status change waits in the review queue."""

from __future__ import annotations

from importer.run import ImportOptions, import_file
from tests.helpers import write_feed
from tests.oversight.conftest import NUMBERS, bearer, csrf, feed_rows, login
from tests.oversight.test_decisions import DECISION, _record, _suspend

STATUS = 10  # the feed column of the status
HELD_NOTE = "the feed asks for status revoked; held for review while decision 123/QĐ-CVT stands"


def _revoking_feed(tmp_path, name="revoked.csv", product=None):
    rows = feed_rows(product=product) if product else feed_rows()
    rows[0][STATUS] = "Thu hồi"
    return write_feed(tmp_path / name, rows)


def _reviews(client, tokens, state=None):
    query = f"?state={state}" if state else ""
    response = client.get(f"/api/v1/reviews{query}", headers=bearer(tokens["admin"]))
    assert response.status_code == 200, response.text
    return response.json()


def _answer(client, tokens, review_id, answer, note=""):
    return client.post(f"/api/v1/reviews/{review_id}", json={"answer": answer, "note": note},
                       headers=bearer(tokens["admin"]))


def test_a_feed_cannot_lift_a_suspension_its_change_waits_for_review(client, tokens, feed_registry, tmp_path):
    _suspend(client, tokens)
    result = import_file(feed_registry, _revoking_feed(tmp_path, product="Điện thoại thông minh"),
                         ImportOptions(source="body-a"))
    assert result.status == "applied" and result.counts.held == 1 and result.as_dict()["held"] == 1
    record = _record(client)
    # the other fields applied; the status the authority decided stands
    assert record["status"] == "suspended" and record["decision"]["decision_ref"] == "123/QĐ-CVT"
    assert record["product_name"] == "Điện thoại thông minh"
    event = record["history"][0]
    assert event["action"] == "updated" and event["note"] == HELD_NOTE and "admin_status" not in event["changes"]
    [review] = _reviews(client, tokens)
    assert (review["certificate_no"], review["source"], review["held_status"], review["proposed_status"],
            review["state"], review["decision_ref"]) == (NUMBERS[0], "body-a", "suspended", "revoked", "pending",
                                                         "123/QĐ-CVT")
    # the same feed again asks nothing new
    again = import_file(feed_registry, tmp_path / "revoked.csv", ImportOptions(source="body-a", force=True))
    assert again.counts.unchanged == 3 and len(_reviews(client, tokens)) == 1


def test_accepting_applies_the_feed_status_and_ends_the_decision(client, tokens, feed_registry, tmp_path):
    _suspend(client, tokens)
    import_file(feed_registry, _revoking_feed(tmp_path), ImportOptions(source="body-a"))
    [review] = _reviews(client, tokens)
    response = _answer(client, tokens, review["id"], "accept", "the body revoked it after its own audit")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "accepted" and response.json()["decided_by"] == "test admin"
    record = _record(client)
    assert record["status"] == "revoked" and record["decision"] is None
    event = record["history"][0]
    assert event["action"] == "reviewed" and event["changes"] == {"admin_status": ["suspended", "revoked"]}
    assert event["by"] == "authority:admin" and "accepted" in event["note"] and "body-a" in event["note"]
    assert "audit" not in event["note"]  # the admin's note stays in the audit log
    audit = client.get("/api/v1/audit", headers=bearer(tokens["admin"])).json()
    entry = next(e for e in audit if e["action"] == "review.accept")
    assert entry["after"]["note"] == "the body revoked it after its own audit"
    assert _reviews(client, tokens) == [] and len(_reviews(client, tokens, "accepted")) == 1
    # answered once: a second answer is refused and changes nothing
    assert _answer(client, tokens, review["id"], "reject").status_code == 409
    assert _record(client)["status"] == "revoked"


def test_rejecting_keeps_the_decision_over_the_feeds_new_status(client, tokens, feed_registry, tmp_path):
    _suspend(client, tokens)
    import_file(feed_registry, _revoking_feed(tmp_path), ImportOptions(source="body-a"))
    [review] = _reviews(client, tokens)
    assert _answer(client, tokens, review["id"], "reject").status_code == 200
    record = _record(client)
    assert record["status"] == "suspended" and record["decision"]["decision_ref"] == "123/QĐ-CVT"
    assert record["history"][0]["action"] == "reviewed" and "rejected" in record["history"][0]["note"]
    # the feed still says revoked and changes a name: the decision stands, nothing new to review
    import_file(feed_registry, _revoking_feed(tmp_path, "renamed.csv", product="Máy tính bảng"),
                ImportOptions(source="body-a"))
    record = _record(client)
    assert record["status"] == "suspended" and record["product_name"] == "Máy tính bảng"
    assert record["history"][0]["note"] == "decision 123/QĐ-CVT stands" and _reviews(client, tokens) == []
    # a status it has not asked for yet is a new question
    rows = feed_rows(product="Máy tính bảng")
    import_file(feed_registry, write_feed(tmp_path / "valid.csv", rows), ImportOptions(source="body-a"))
    assert [r["proposed_status"] for r in _reviews(client, tokens)] == ["valid"]


def test_a_feed_that_returns_to_its_old_status_or_a_new_decision_makes_a_review_moot(
    client, tokens, feed_registry, tmp_path
):
    _suspend(client, tokens)
    import_file(feed_registry, _revoking_feed(tmp_path), ImportOptions(source="body-a"))
    rows = feed_rows(product="Điện thoại phổ thông")  # valid again, as when the decision was made
    import_file(feed_registry, write_feed(tmp_path / "back.csv", rows), ImportOptions(source="body-a"))
    assert _reviews(client, tokens) == [] and [r["state"] for r in _reviews(client, tokens, "superseded")] == [
        "superseded"]
    assert _record(client)["history"][0]["note"] == "decision 123/QĐ-CVT stands"
    # a pending review, then a new decision: the decision answers it and stands over the feed's word
    import_file(feed_registry, _revoking_feed(tmp_path, "again.csv", product="Điện thoại"),
                ImportOptions(source="body-a"))
    [review] = _reviews(client, tokens)
    response = client.post("/api/v1/decisions", headers=bearer(tokens["admin"]), json={
        **DECISION, "certificate_no": NUMBERS[0], "action": "revoke", "decision_ref": "140/QĐ-CVT"})
    assert response.status_code == 201, response.text
    assert _reviews(client, tokens) == [] and _answer(client, tokens, review["id"], "accept").status_code == 409
    import_file(feed_registry, _revoking_feed(tmp_path, "later.csv", product="Điện thoại 2"),
                ImportOptions(source="body-a"))
    assert _reviews(client, tokens) == [] and _record(client)["status"] == "revoked"


def test_a_full_snapshot_that_drops_a_suspended_certificate_waits_for_review(client, tokens, feed_registry, tmp_path):
    _suspend(client, tokens)
    path = write_feed(tmp_path / "full.csv", feed_rows()[1:])
    options = ImportOptions(source="body-a", full=True, allow_mass_withdraw=True, force=True)
    result = import_file(feed_registry, path, options)
    assert result.counts.withdrawn == 0 and result.counts.held == 1
    record = _record(client)
    assert record["status"] == "suspended" and "withdrawal is held for review" in record["history"][0]["note"]
    assert import_file(feed_registry, path, options).counts.held == 0  # asked once
    [review] = _reviews(client, tokens)
    assert review["proposed_status"] == "withdrawn"
    assert _answer(client, tokens, review["id"], "accept").status_code == 200
    record = _record(client)
    assert record["status"] == "withdrawn" and record["decision"] is None
    assert import_file(feed_registry, path, options).counts.withdrawn == 0  # stays withdrawn, quietly


def test_review_answers_that_cannot_apply_are_refused(client, tokens, feed_registry, tmp_path):
    _suspend(client, tokens)
    import_file(feed_registry, _revoking_feed(tmp_path), ImportOptions(source="body-a"))
    [review] = _reviews(client, tokens)
    assert _answer(client, tokens, review["id"], "maybe").status_code == 400
    assert _answer(client, tokens, review["id"], "accept", "x" * 4001).status_code == 400
    assert _answer(client, tokens, 999_999, "accept").status_code == 404
    for role in ("inspector", "importer"):
        listed = client.get("/api/v1/reviews", headers=bearer(tokens[role]))
        answered = client.post(f"/api/v1/reviews/{review['id']}", json={"answer": "accept"},
                               headers=bearer(tokens[role]))
        assert (listed.status_code, answered.status_code) == (403, 403)
    assert _record(client)["status"] == "suspended" and len(_reviews(client, tokens)) == 1


def test_an_admin_answers_on_the_staff_page(client, tokens, feed_registry, tmp_path):
    _suspend(client, tokens)
    import_file(feed_registry, _revoking_feed(tmp_path), ImportOptions(source="body-a"))
    [review] = _reviews(client, tokens)
    login(client, tokens["admin"])
    dashboard = client.get("/staff")
    assert "1 thay đổi trạng thái" in dashboard.text and "/staff/reviews" in dashboard.text
    page = client.get("/staff/reviews")
    assert page.status_code == 200 and NUMBERS[0] in page.text and "revoked" in page.text
    assert page.headers["cache-control"].startswith("no-store")
    response = client.post(f"/staff/reviews/{review['id']}", follow_redirects=False,
                           data={"answer": "reject", "note": "", "_csrf_token": csrf(client)})
    assert response.status_code in (302, 303), response.text
    again = client.post(f"/staff/reviews/{review['id']}", data={"answer": "accept", "_csrf_token": csrf(client)})
    assert again.status_code == 409 and "rejected" in again.text
    assert _record(client)["status"] == "suspended"


def test_an_inspector_does_not_see_the_review_queue(client, tokens, feed_registry):
    login(client, tokens["inspector"])
    response = client.get("/staff/reviews", follow_redirects=False)
    assert response.status_code in (302, 303, 403)

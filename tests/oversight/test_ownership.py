"""Each certification body writes only its own records; an admin transfers one to another body.

The registry holds body-a's three certificates (``feed_registry``).
"""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlmodel import Session

from cli.main import main
from importer import pipeline
from importer.run import ImportOptions, import_file
from registry.access import create_token
from registry.models import Certificate, CertificateEvent
from registry.oversight_models import AuditEntry
from registry.settings import get_settings
from tests.helpers import HEADER, row, write_feed
from tests.oversight.conftest import NUMBERS, bearer, csrf, feed_rows, login


def _state(engine) -> list[tuple]:
    with Session(engine) as session:
        certificates = session.execute(select(Certificate.certificate_no, Certificate.source, Certificate.admin_status,
                                              Certificate.content_hash).order_by(Certificate.id)).all()
        events = session.execute(select(func.count()).select_from(CertificateEvent)).scalar_one()
    return [tuple(c) for c in certificates] + [("events", events)]


def test_a_feed_naming_another_bodys_certificate_is_refused_whole_with_the_owner_named(feed_registry, tmp_path):
    before = _state(feed_registry)
    path = write_feed(tmp_path / "b.csv", [row(number="B0412150324AE01A2", models="NEW-1"),
                                           row(number=NUMBERS[1], status="Thu hồi")])  # body-a's, revoked by b
    result = import_file(feed_registry, path, ImportOptions(source="body-b"))
    assert result.status == "rejected"
    [problem] = result.errors
    assert problem.row == 3 and problem.value == NUMBERS[1] and "certificate_no" in problem.column
    assert "belongs to source body-a" in problem.message_en and "thuộc nguồn body-a" in problem.message_vi
    assert _state(feed_registry) == before


def test_with_skip_invalid_only_the_bodys_own_rows_apply(feed_registry, tmp_path):
    path = write_feed(tmp_path / "b.csv", [row(number="B0412150324AE01A2", models="NEW-1"),
                                           row(number=NUMBERS[1], status="Thu hồi")])
    result = import_file(feed_registry, path, ImportOptions(source="body-b", strict=False))
    assert result.status == "applied" and result.counts.created == 1 and result.invalid_rows == 1
    with Session(feed_registry) as session:
        owner, status = session.execute(select(Certificate.source, Certificate.admin_status)
                                        .where(Certificate.certificate_no == NUMBERS[1])).one()
    assert (owner, status) == ("body-a", "valid")


def test_an_identical_row_of_another_body_is_refused_too(feed_registry, tmp_path, monkeypatch):
    """The reader process skips rows whose fingerprint the registry already holds: never for
    another body's certificate, or its identical copy would pass as unchanged."""
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    same = write_feed(tmp_path / "copy.csv", feed_rows())
    result = import_file(feed_registry, same, ImportOptions(source="body-b", force=True))
    assert result.status == "rejected" and len(result.errors) == 3


def test_a_full_snapshot_withdraws_only_its_own_source(feed_registry, tmp_path):
    path = write_feed(tmp_path / "b.csv", [row(number="B0412150324AE01A2", models="NEW-1")])
    result = import_file(feed_registry, path, ImportOptions(source="body-b", full=True))
    assert result.status == "applied" and result.counts.withdrawn == 0
    with Session(feed_registry) as session:
        statuses = session.execute(select(Certificate.admin_status).where(Certificate.source == "body-a")).scalars()
        assert set(statuses) == {"valid"}


def test_an_admin_transfers_a_certificate_and_only_the_new_body_may_change_it(client, tokens, feed_registry, tmp_path):
    answer = client.post("/api/v1/transfers", headers=bearer(tokens["admin"]),
                         json={"certificate_no": NUMBERS[0].lower(), "to_source": "body-b", "reason": "QĐ 12/CVT"})
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"certificate_no": NUMBERS[0], "source": "body-b", "previous_source": "body-a"}
    record = client.get(f"/api/v1/certificates/{NUMBERS[0]}").json()
    assert record["source"] == "body-b"
    latest = record["history"][0]
    assert latest["action"] == "transferred" and latest["changes"] == {"source": ["body-a", "body-b"]}
    assert latest["note"] == "QĐ 12/CVT"
    with Session(feed_registry) as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "certificate.transfer")).scalar_one()
    assert entry.before == {"source": "body-a"} and entry.target == f"certificate:{NUMBERS[0]}"
    # the same row from the new body changes nothing; from the old one it is refused
    rows = [row(number=NUMBERS[0], models="SM-A540E")]
    assert import_file(feed_registry, write_feed(tmp_path / "a.csv", rows),
                       ImportOptions(source="body-a")).status == "rejected"
    moved = import_file(feed_registry, write_feed(tmp_path / "b.csv", rows), ImportOptions(source="body-b"))
    assert moved.status == "applied" and (moved.counts.updated, moved.counts.unchanged) == (0, 1)
    again = client.post("/api/v1/transfers", headers=bearer(tokens["admin"]),
                        json={"certificate_no": NUMBERS[0], "to_source": "body-b", "reason": "again"})
    assert again.status_code == 409
    missing = client.post("/api/v1/transfers", headers=bearer(tokens["admin"]),
                          json={"certificate_no": "NOPE", "to_source": "body-b", "reason": "x"})
    assert missing.status_code == 404


def test_the_command_line_transfers_too(feed_registry, database_url, monkeypatch):
    monkeypatch.setenv("HOPQUY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    done = CliRunner().invoke(main, ["certificate", "transfer", NUMBERS[1], "--to", "body-c", "--reason", "handover"])
    assert done.exit_code == 0, done.output
    assert f"{NUMBERS[1]}: body-a -> body-c" in done.output
    refused = CliRunner().invoke(main, ["certificate", "transfer", NUMBERS[1], "--to", "body-c", "--reason", "x"])
    assert refused.exit_code == 1 and "already belongs to body-c" in refused.output


def test_an_importer_token_uploads_only_for_its_sources(client, feed_registry):
    with Session(feed_registry) as session:
        secret = create_token(session, "importer", "body-a's system", sources=["body-a"])[1]
        session.commit()
    feed = (",".join(HEADER) + "\n" + ",".join(f'"{c}"' for c in row(number="A0999150324AE01A2"))).encode()
    headers = {**bearer(secret), "Content-Type": "text/csv"}
    own = client.post("/api/v1/imports?source=body-a&file_name=a.csv", content=feed, headers=headers)
    assert own.status_code == 200, own.text
    other = client.post("/api/v1/imports?source=body-b&file_name=b.csv", content=feed, headers=headers)
    assert other.status_code == 403 and "feeds body-a, not body-b" in other.json()["detail"]
    with Session(feed_registry) as session:
        refused = session.execute(select(AuditEntry).where(AuditEntry.action == "feed.upload.refused")).scalar_one()
    assert refused.actor == "body-a's system" and refused.target == "source:body-b"


def test_an_importer_token_is_made_with_its_sources_and_listed_with_them(feed_registry, database_url, monkeypatch):
    monkeypatch.setenv("HOPQUY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    unbound = runner.invoke(main, ["token", "create", "--role", "importer", "--name", "x"])
    assert unbound.exit_code == 2 and "--source" in unbound.output
    made = runner.invoke(main, ["token", "create", "--role", "importer", "--name", "quacert feed",
                                "--source", "QUACERT", "--source", "QUACERT-2"])
    assert made.exit_code == 0, made.output
    listed = runner.invoke(main, ["token", "list"])
    assert "quacert feed\t-\tQUACERT,QUACERT-2" in listed.output


def test_the_staff_page_transfers_and_says_why_it_cannot(client, tokens, feed_registry):
    login(client, tokens["admin"])
    assert 'name="to_source"' in client.get(f"/staff/transfers/new?no={NUMBERS[2]}").text
    form = {"certificate_no": NUMBERS[2], "to_source": "body-d", "reason": "QĐ 7/CVT", "_csrf_token": csrf(client)}
    done = client.post("/staff/transfers", data=form, follow_redirects=False)
    assert done.status_code in (302, 303) and done.headers["location"] == f"/c/{NUMBERS[2]}"
    assert "Chuyển sang nguồn dữ liệu khác" in client.get(f"/c/{NUMBERS[2]}").text
    again = client.post("/staff/transfers", data={**form, "_csrf_token": csrf(client)})
    assert again.status_code == 409 and "already belongs to body-d" in again.text


def test_the_public_history_names_the_authority_and_the_role_never_the_person(client, tokens, feed_registry):
    client.post("/api/v1/transfers", headers=bearer(tokens["admin"]),
                json={"certificate_no": NUMBERS[0], "to_source": "body-b", "reason": "handover"})
    latest = client.get(f"/api/v1/certificates/{NUMBERS[0]}").json()["history"][0]
    assert latest["by"] == "authority:admin"
    changes = client.get("/api/v1/changes").text + client.get("/feeds/changes.atom").text
    assert "test admin" not in changes and "import:body-a" in changes
    with Session(feed_registry) as session:  # the audit log, for the Authority's own eyes, keeps the person
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "certificate.transfer")).scalar_one()
    assert entry.actor == "test admin"


def test_staff_answers_are_never_stored_by_a_browser_or_a_proxy(client, tokens):
    for path in ("/api/v1/audit", "/api/v1/inspections", "/staff", "/staff/reports"):
        response = client.get(path, headers=bearer(tokens["admin"]))
        assert response.status_code == 200, path
        assert "no-store" in response.headers.get("cache-control", ""), path
    assert "no-store" in client.get("/staff/login").headers.get("cache-control", "")

"""Decisions, review answers and imports at the same moment: none writes over another.

PostgreSQL runs them concurrently, with row locks; SQLite has one writer at a time, so
these run on PostgreSQL only.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlmodel import Session, select

import registry.apply
import registry.locking
from importer.run import ImportOptions, import_file
from registry.access import Staff
from registry.decisions import DecisionInput, DecisionRefused, decide
from registry.locking import Busy
from registry.models import Certificate
from registry.oversight_models import StatusDecision
from registry.reviews import ReviewClosed, answer_review, list_reviews
from tests.helpers import write_feed
from tests.oversight.conftest import NUMBERS, feed_rows

STATUS = 10
ADMIN, OTHER_ADMIN = Staff(1, "first admin", "admin", None), Staff(2, "second admin", "admin", None)
SUSPEND = DecisionInput("suspend", "Dùng sai dấu hợp quy", "123/QĐ-CVT", date(2026, 11, 2))


@pytest.fixture
def pg_registry(feed_registry):
    if feed_registry.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite lets one writer in at a time")
    return feed_registry


def _feed(tmp_path, status, name):
    rows = feed_rows()
    rows[0][STATUS] = status
    return write_feed(tmp_path / name, rows)


def _certificate(session) -> Certificate:
    return session.exec(select(Certificate).where(Certificate.certificate_no == NUMBERS[0])).one()


def _in_thread(target) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            outcome.append(target())
        except Exception as exc:  # handed to the test, which asserts on it
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _waits_for_commit(session, competing, wait: float = 1.0):
    """Start ``competing`` while ``session`` holds its locks: it must still be waiting after
    ``wait`` seconds; then ``session`` commits. What ``competing`` returned or raised."""
    thread, outcome = _in_thread(competing)
    thread.join(wait)
    assert thread.is_alive()  # it waits on the certificate's lock
    session.commit()
    thread.join(60)
    return outcome[0]


def _decide_in_own_session(engine, staff, decision=SUSPEND):
    with Session(engine) as session:
        row = decide(session, _certificate(session), decision, staff)
        session.commit()
        return row


def test_an_import_waits_for_a_decision_being_made_then_holds_its_status_change(pg_registry, tmp_path):
    path = _feed(tmp_path, "Thu hồi", "revoked.csv")
    with Session(pg_registry) as session:
        decide(session, _certificate(session), SUSPEND, ADMIN)
        imported = _waits_for_commit(session, lambda: import_file(pg_registry, path, ImportOptions(source="body-a")),
                                     wait=1.5)
    assert imported.status == "applied" and imported.counts.held == 1
    with Session(pg_registry) as session:
        certificate = _certificate(session)
        assert certificate.admin_status == "suspended" and certificate.decision_id is not None
        assert [r["proposed_status"] for r in list_reviews(session)] == ["revoked"]


@pytest.fixture
def import_held_open(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """(locked, release): an import stops after writing its rows, before it commits."""
    locked, release = threading.Event(), threading.Event()
    original = registry.apply.open_reviews

    def hold_the_import_open(*args, **kwargs):
        original(*args, **kwargs)
        locked.set()
        release.wait(30)

    monkeypatch.setattr(registry.apply, "open_reviews", hold_the_import_open)
    yield locked, release
    release.set()


def test_a_decision_waits_for_an_import_and_decides_from_what_it_wrote(pg_registry, tmp_path, import_held_open):
    locked, release = import_held_open
    path = _feed(tmp_path, "Tạm đình chỉ", "suspended.csv")
    importing, imported = _in_thread(lambda: import_file(pg_registry, path, ImportOptions(source="body-a")))
    assert locked.wait(30)
    deciding, decided = _in_thread(lambda: _decide_in_own_session(pg_registry, ADMIN))
    deciding.join(1.0)
    assert deciding.is_alive()  # the admin waits for the import
    release.set()
    importing.join(60)
    deciding.join(60)
    assert imported[0].status == "applied"
    # the feed suspended it first: the admin is told, rather than deciding from a stale "valid"
    assert isinstance(decided[0], DecisionRefused) and str(decided[0]) == "the certificate is already suspended"


def test_a_decision_that_cannot_get_the_lock_in_time_is_told_to_try_again(
    pg_registry, tmp_path, monkeypatch, import_held_open
):
    locked, release = import_held_open
    monkeypatch.setattr(registry.locking, "WAIT_SECONDS", 0.3)
    path = _feed(tmp_path, "Thu hồi", "revoked.csv")
    importing, _ = _in_thread(lambda: import_file(pg_registry, path, ImportOptions(source="body-a")))
    assert locked.wait(30)
    try:
        with pytest.raises(Busy):
            _decide_in_own_session(pg_registry, ADMIN)
    finally:
        release.set()
        importing.join(60)
    with Session(pg_registry) as session:
        assert _certificate(session).admin_status == "revoked"
        assert session.exec(select(StatusDecision)).all() == []


def test_two_admins_deciding_at_once_do_not_both_apply_from_the_same_before(pg_registry):
    with Session(pg_registry) as session:
        decide(session, _certificate(session), SUSPEND, ADMIN)
        second = _waits_for_commit(session, lambda: _decide_in_own_session(pg_registry, OTHER_ADMIN))
    assert isinstance(second, DecisionRefused)
    with Session(pg_registry) as session:
        assert len(session.exec(select(StatusDecision)).all()) == 1


def test_two_admins_answering_one_review_at_once_answer_it_once(pg_registry, tmp_path):
    _decide_in_own_session(pg_registry, ADMIN)
    import_file(pg_registry, _feed(tmp_path, "Thu hồi", "revoked.csv"), ImportOptions(source="body-a"))
    with Session(pg_registry) as session:
        [review] = list_reviews(session)
        answer_review(session, review["id"], "accept", "", ADMIN)

        def reject():
            with Session(pg_registry) as other:
                return answer_review(other, review["id"], "reject", "", OTHER_ADMIN)

        second = _waits_for_commit(session, reject)
    assert isinstance(second, ReviewClosed)
    with Session(pg_registry) as session:
        assert _certificate(session).admin_status == "revoked"

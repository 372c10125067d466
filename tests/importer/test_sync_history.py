"""Sync semantics on the real databases: idempotence, history, full snapshots, atomicity."""

from sqlalchemy import func, select
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from registry.models import Certificate, CertificateEvent, ImportRun, SearchOutbox
from registry.queries import find_certificate
from tests.helpers import row, sample_rows, write_feed


def count(engine, model):
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_sample_imports_then_second_run_changes_nothing(engine, sample_path):
    first = import_file(engine, sample_path, ImportOptions(source="sample"))
    assert first.status == "applied", first.problems[:3]
    assert first.counts.created == 360 and not first.errors
    assert import_file(engine, sample_path, ImportOptions(source="sample")).status == "skipped"
    again = import_file(engine, sample_path, ImportOptions(source="sample", force=True))
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 360)
    assert count(engine, CertificateEvent) == 360
    assert count(engine, ImportRun) == 2


def test_a_changed_field_is_an_event_with_before_and_after(engine, tmp_path):
    write_feed(tmp_path / "a.csv", [row(), row("B0001010125AF04A2", models="Archer AX23", brand="TP-Link")])
    import_file(engine, tmp_path / "a.csv", ImportOptions(source="qc1"))
    write_feed(tmp_path / "b.csv", [row(status="Tạm đình chỉ", expires="14/03/2028"),
                                    row("B0001010125AF04A2", models="Archer AX23", brand="TP-Link")])
    result = import_file(engine, tmp_path / "b.csv", ImportOptions(source="qc1"))
    assert (result.counts.updated, result.counts.unchanged) == (1, 1)
    with Session(engine) as s:
        view = find_certificate(s, "a0412 150324ae01a2")
    latest = view.history[0]
    assert latest.action == "updated"
    assert latest.changes == {"expires_on": ["2027-03-14", "2028-03-14"],
                              "admin_status": ["valid", "suspended"]}
    assert view.status.code in ("suspended", "expired")
    assert [e.action for e in view.history] == ["updated", "created"]


def test_full_snapshot_withdraws_missing_and_refuses_mass_withdrawal(engine, tmp_path, sample_path):
    from benchmarks.feedgen import HEADER

    rows = sample_rows(sample_path)
    import_file(engine, sample_path, ImportOptions(source="sample"))
    kept, dropped = rows[:324], rows[324:]
    active_dropped = [r for r in dropped if r[15] != "Rút"]  # already withdrawn ones stay so
    most = write_feed(tmp_path / "most.csv", kept, header=HEADER)
    result = import_file(engine, most, ImportOptions(source="sample", full=True))
    assert result.status == "applied" and result.counts.withdrawn == len(active_dropped) > 0
    with Session(engine) as s:
        gone = find_certificate(s, active_dropped[-1][0])
    assert gone.record.admin_status == "withdrawn"
    assert gone.history[0].note == "missing from source snapshot"
    assert gone.history[0].changes == {"admin_status": [gone.history[1].changes["admin_status"][1], "withdrawn"]}
    # a truncated export (a tenth of the list) must not empty the registry
    few = write_feed(tmp_path / "few.csv", rows[:36], header=HEADER)
    before = count(engine, CertificateEvent)
    refused = import_file(engine, few, ImportOptions(source="sample", full=True))
    assert refused.status == "rejected" and "20%" in refused.problems[-1].message_en
    assert count(engine, CertificateEvent) == before
    forced = import_file(engine, few, ImportOptions(source="sample", full=True, allow_mass_withdraw=True))
    assert forced.counts.withdrawn == len([r for r in rows[36:324] if r[15] != "Rút"])
    assert count(engine, Certificate) == 360


def test_invalid_row_rejects_the_whole_file_and_writes_nothing(engine, tmp_path):
    write_feed(tmp_path / "ok.csv", [row()])
    import_file(engine, tmp_path / "ok.csv", ImportOptions(source="qc1"))
    before = [count(engine, m) for m in (Certificate, CertificateEvent, ImportRun, SearchOutbox)]
    bad = write_feed(tmp_path / "bad.csv", [row(status="Tạm đình chỉ"), row("B0001010125AF04A2", issued="31/02/2024")])
    result = import_file(engine, bad, ImportOptions(source="qc1"))
    assert result.status == "rejected"
    (problem,) = result.errors
    assert (problem.row, problem.column, problem.value) == (3, "Ngày cấp", "31/02/2024")
    assert [count(engine, m) for m in (Certificate, CertificateEvent, ImportRun, SearchOutbox)] == before
    with Session(engine) as s:
        assert find_certificate(s, "A0412150324AE01A2").record.admin_status == "valid"
    partial = import_file(engine, bad, ImportOptions(source="qc1", strict=False))
    assert partial.status == "applied" and partial.counts.updated == 1 and partial.invalid_rows == 1


def test_full_snapshot_does_not_withdraw_a_record_whose_row_is_broken(engine, tmp_path):
    write_feed(tmp_path / "a.csv", [row(), row("B0001010125AF04A2", models="Archer AX23")])
    import_file(engine, tmp_path / "a.csv", ImportOptions(source="qc1"))
    typo = write_feed(tmp_path / "b.csv", [row(), row("B0001010125AF04A2", models="Archer AX23", issued="31/02/2025")])
    result = import_file(engine, typo, ImportOptions(source="qc1", full=True, strict=False))
    assert result.status == "applied" and result.invalid_rows == 1
    assert result.counts.withdrawn == 0
    with Session(engine) as s:
        assert find_certificate(s, "B0001010125AF04A2").record.admin_status == "valid"


def test_a_new_hash_with_an_empty_diff_is_no_update(engine, tmp_path):
    """A stored hash from another release (a field added since): the record is unchanged, so
    no event, no outbox row and no "update"; only the stored hash is brought up to date."""
    write_feed(tmp_path / "a.csv", [row()])
    import_file(engine, tmp_path / "a.csv", ImportOptions(source="qc1"))
    with Session(engine) as s:
        fresh = s.execute(select(Certificate.content_hash)).scalar_one()
        s.execute(Certificate.__table__.update().values(content_hash="0" * 64, row_fingerprint=None))
        s.execute(SearchOutbox.__table__.delete())
        s.commit()
    again = import_file(engine, tmp_path / "a.csv", ImportOptions(source="qc1", force=True))
    assert (again.counts.updated, again.counts.unchanged) == (0, 1)
    assert count(engine, CertificateEvent) == 1 and count(engine, SearchOutbox) == 0
    with Session(engine) as s:
        assert s.execute(select(Certificate.content_hash)).scalar_one() == fresh

"""Rows identical to last time are recognised by their fingerprint and not validated again,
without changing any outcome: counts, duplicates, withdrawals and full snapshots."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from importer import pipeline
from importer.run import ImportOptions, import_file
from registry.queries import find_certificate
from search.documents import document_line
from search.spool import SpoolWriter
from tests.helpers import HEADER, row, write_feed


@pytest.fixture(autouse=True)
def reader_process(monkeypatch):
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)  # every file goes through the reader process


def _import(engine, path, tmp_path, **options):
    options.setdefault("source", "body")
    spool = SpoolWriter(tmp_path / "s.ndjson")
    try:
        return import_file(engine, path, ImportOptions(documents=document_line, created=spool.add, force=True,
                                                       **options))
    finally:
        spool.close(keep=False)


def watch_batches(monkeypatch) -> list:
    """The batches the reader process sends to the writer, as the writer receives them."""
    import importer.run

    seen, original = [], importer.run.validated_feed

    def watched(*args):
        for item in original(*args):
            if isinstance(item, pipeline.Batch):
                seen.append(item)
            yield item

    monkeypatch.setattr(importer.run, "validated_feed", watched)
    return seen


def _rows():
    return [row(number=f"A{i:04d}150324AE01A2", models=f"SM-A{i:03d}E") for i in range(1, 40)]


def test_a_re_import_skips_the_unchanged_rows_and_applies_the_rest(engine, tmp_path, monkeypatch):
    rows = _rows()
    first = _import(engine, write_feed(tmp_path / "a.csv", rows), tmp_path)
    assert first.counts.created == 39
    validated = watch_batches(monkeypatch)
    rows[3][2] = "Điện thoại đổi tên"
    again = _import(engine, write_feed(tmp_path / "b.csv", rows), tmp_path)
    assert (again.counts.unchanged, again.counts.updated, again.rows) == (38, 1, 39)
    assert sum(len(b.records) for b in validated) == 1  # only the changed row was validated
    with Session(engine) as s:
        assert find_certificate(s, rows[3][0]).record.product_name == "Điện thoại đổi tên"


def test_an_unchanged_row_given_twice_is_still_a_duplicate(engine, tmp_path):
    rows = _rows()
    _import(engine, write_feed(tmp_path / "a.csv", rows), tmp_path)
    result = _import(engine, write_feed(tmp_path / "b.csv", rows + [list(rows[0])]), tmp_path)
    assert result.status == "rejected"
    assert any("already on row" in p.message_en for p in result.errors)


def test_a_changed_row_before_an_unchanged_one_with_its_number_counts_first(engine, tmp_path):
    """The unchanged rows of a batch are noted together; a row validated earlier in the same
    batch with the same number must still be the first, and the unchanged one the duplicate."""
    rows = _rows()
    _import(engine, write_feed(tmp_path / "a.csv", rows), tmp_path)
    changed = list(rows[5])
    changed[2] = "Điện thoại đổi tên"
    result = _import(engine, write_feed(tmp_path / "b.csv", [changed, *rows]), tmp_path)
    assert result.status == "rejected"
    duplicate = next(p for p in result.errors if "already on row" in p.message_en)
    assert duplicate.row == 8 and "row 2" in duplicate.message_en  # header on row 1


def test_batches_read_ahead_give_the_same_outcome(engine, tmp_path, monkeypatch):
    """Each batch's stored fingerprints are fetched while the next is read: with batches of
    seven rows the outcome is the same as with one."""
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 7)
    monkeypatch.setattr(pipeline, "reader_start_method", lambda: "fork")  # a child that sees BATCH_ROWS
    rows = _rows()
    _import(engine, write_feed(tmp_path / "a.csv", rows), tmp_path)
    validated = watch_batches(monkeypatch)
    rows[20][2] = "Điện thoại đổi tên"
    again = _import(engine, write_feed(tmp_path / "b.csv", rows + [list(rows[30])]), tmp_path)
    assert again.status == "rejected" and len(validated) == 6  # 40 rows: five of seven, then five
    assert [p.row for p in again.errors] == [41]
    again = _import(engine, write_feed(tmp_path / "c.csv", rows), tmp_path)
    assert (again.counts.unchanged, again.counts.updated) == (38, 1)


def test_a_withdrawn_record_that_comes_back_unchanged_is_valid_again(engine, tmp_path):
    rows = _rows()
    _import(engine, write_feed(tmp_path / "a.csv", rows), tmp_path)
    dropped = _import(engine, write_feed(tmp_path / "b.csv", rows[1:]), tmp_path, full=True)
    assert dropped.counts.withdrawn == 1
    back = _import(engine, write_feed(tmp_path / "c.csv", rows), tmp_path, full=True)
    assert back.counts.updated == 1 and back.counts.withdrawn == 0 and back.counts.unchanged == 38
    with Session(engine) as s:
        assert find_certificate(s, rows[0][0]).status.code == "valid"


def test_skipped_rows_count_as_present_in_a_full_snapshot(engine, tmp_path):
    rows = _rows()
    _import(engine, write_feed(tmp_path / "a.csv", rows), tmp_path, full=True)
    again = _import(engine, write_feed(tmp_path / "b.csv", rows), tmp_path, full=True)
    assert again.counts.unchanged == 39 and again.counts.withdrawn == 0


def test_a_file_with_its_columns_moved_is_validated_again_and_changes_nothing(engine, tmp_path, monkeypatch):
    rows = _rows()
    _import(engine, write_feed(tmp_path / "a.csv", rows), tmp_path)
    validated = watch_batches(monkeypatch)
    moved = _import(engine, write_feed(tmp_path / "b.csv", [r[1:] + r[:1] for r in rows],
                                       header=HEADER[1:] + HEADER[:1]), tmp_path)
    assert sum(len(b.records) for b in validated) == 39  # another mapping: another fingerprint
    assert moved.counts.unchanged == 39 and moved.counts.updated == 0

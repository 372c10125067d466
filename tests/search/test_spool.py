"""The import's document spool: the index ends up exactly as the registry says, spool or not."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session

from importer import pipeline
from importer.run import ImportOptions, import_file
from ingest.service import ingest
from registry.models import Certificate
from registry.outbox import enqueue, pending
from search.check import compare
from search.documents import document_line
from search.drain import drain
from search.spool import SpoolReader, SpoolWriter
from tests.helpers import sample_rows, write_feed


def _header(sample_path):
    import csv

    with sample_path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))[2]


def _import_with_spool(engine, path, tmp_path, monkeypatch, source="sample"):
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)  # the reader process, as for a big file
    spool = SpoolWriter(tmp_path / "spool.ndjson")
    result = import_file(engine, path, ImportOptions(source=source, documents=document_line, created=spool.add))
    assert result.status == "applied"
    spool.close(keep=True)
    return result, spool


def test_a_spooled_import_indexes_exactly_the_registry(engine, index, sample_path, tmp_path, monkeypatch):
    result, spool = _import_with_spool(engine, sample_path, tmp_path, monkeypatch)
    assert spool.count == result.counts.created == 360 and spool.path.exists()
    assert drain(engine, index, page=50, spool=spool.path) == 360
    drift = compare(engine, index)
    assert drift.clean and drift.index == 360


def test_only_new_records_are_spooled_and_changes_since_are_read_back(engine, index, sample_path, tmp_path,
                                                                     monkeypatch):
    rows = sample_rows(sample_path)
    first = write_feed(tmp_path / "first.csv", rows[:100], _header(sample_path))
    _import_with_spool(engine, first, tmp_path, monkeypatch)
    drain(engine, index)
    rows[0][2] = "Điện thoại đã đổi tên"  # an existing record changes, 260 are new
    everything = write_feed(tmp_path / "all.csv", rows, _header(sample_path))
    result, spool = _import_with_spool(engine, everything, tmp_path, monkeypatch)
    assert result.counts.created == 260 and result.counts.updated == 1 and spool.count == 260
    with Session(engine) as session:  # a change made after the import, before the drain
        newest = session.execute(select(Certificate.id).order_by(Certificate.id.desc())).scalar()
        session.execute(update(Certificate).where(Certificate.id == newest).values(brand="Changed Later"))
        enqueue(session, [newest])
        session.commit()
    drain(engine, index, page=40, spool=spool.path)
    with Session(engine) as session:
        assert pending(session) == 0
    assert index.index.get_document(newest).brand == "Changed Later"  # not the spooled one
    assert compare(engine, index).clean


def test_a_rejected_import_leaves_no_spool(engine, index, sample_path, tmp_path, monkeypatch):
    rows = sample_rows(sample_path)
    rows.append(list(rows[0]))  # the same number twice
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    done = ingest(engine, index, write_feed(tmp_path / "dup.csv", rows, _header(sample_path)),
                  ImportOptions(source="sample"), tmp_path / "spool")
    assert done.result.status == "rejected" and not list((tmp_path / "spool").iterdir())


def test_the_reader_matches_lines_to_claimed_rows(tmp_path):
    path = tmp_path / "s.ndjson"
    path.write_bytes(b"".join(b'{"id":%d,"x":1}\n' % i for i in (2, 4, 6, 8)))
    reader = SpoolReader(path)
    assert reader.take([(1, 1), (2, 1), (4, 2)]) == ([b'{"id":2,"x":1}\n'], [1, 4])
    assert reader.take([(6, 1), (7, 1), (9, 1)]) == ([b'{"id":6,"x":1}\n'], [7, 9])
    reader.close()

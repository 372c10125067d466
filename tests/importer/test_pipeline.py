"""Big feeds are validated in a child process: it must see exactly what the in-process path sees."""

from __future__ import annotations

import threading

import pytest

from importer import pipeline
from importer.problems import FeedError
from registry.records import DOCUMENT as KEY
from search.documents import document_line
from tests.helpers import HEADER, row, write_feed, write_file


def many_rows(count: int) -> list[list[str]]:
    rows = [row(number=f"A{(i % 9) + 1:02d}{i:04d}150324AE01A2", models=f"SM-A{i:05d}E") for i in range(count)]
    rows[10] = row(number="A010010150324AE01A2", issued="31/02/2024")  # impossible date
    rows[20] = list(rows[5])  # the same number twice
    return rows


def flatten(items):
    items = list(items)
    info, batches = items[0], items[1:]
    records = [r for b in batches for r in b.records]
    problems = [p for b in batches for p in b.problems]
    numbers = [n for b in batches for n in b.invalid_numbers]
    return info, records, problems, numbers, sum(b.rows for b in batches)


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_child_process_yields_the_same_as_in_process(tmp_path, monkeypatch, start):
    monkeypatch.setattr(pipeline, "reader_start_method", lambda: start)
    feed = write_feed(tmp_path / "f.csv", many_rows(5000))
    here = flatten(pipeline.validate_batches(feed, None, "qa"))
    there = flatten(pipeline._from_child(feed, None, "qa"))
    assert here == there
    info, records, problems, numbers, rows = there
    assert rows == 5000 and len(records) == 4998
    assert {p.row for p in problems if p.severity == "error"} == {12, 22}  # the header is line 1
    assert numbers == ["A010010150324AE01A2", many_rows(30)[5][0]]


def test_a_file_broken_midway_is_reported_from_the_child(tmp_path):
    lines = [",".join(HEADER)] + [",".join(r) for r in many_rows(3000)]
    feed = write_file(tmp_path / "f.csv", "\n".join(lines) + '\nB0001010125AF04A2,Chứng nhận hợp quy,"Thiết bị')
    with pytest.raises(FeedError) as caught:
        list(pipeline._from_child(feed, None, "qa"))
    assert caught.value.problem.row == 3002
    assert "cut off" in caught.value.problem.message_en


def test_an_unreadable_file_is_reported_from_the_child(tmp_path):
    feed = write_file(tmp_path / "f.csv", b"\x89PNG\r\n\x1a\n" + bytes(64))
    with pytest.raises(FeedError, match="PNG"):
        list(pipeline._from_child(feed, None, "qa"))


def test_a_process_with_other_threads_spawns_its_reader_instead_of_forking():
    """A fork copies SQLite's locks as another thread holds them: the child would hang."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert pipeline.reader_start_method() == "spawn"
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_the_reader_prepares_the_documents_of_new_records_however_it_starts(engine, tmp_path, monkeypatch, start):
    monkeypatch.setattr(pipeline, "reader_start_method", lambda: start)
    feed = write_feed(tmp_path / "f.csv", many_rows(300))
    url = engine.url.render_as_string(hide_password=False)
    _, records, _, _, _ = flatten(pipeline._from_child(feed, None, "qa", (url, document_line)))
    assert len(records) == 298
    assert all(r.extra[KEY] == document_line(r) for r in records)

"""Open data export: streamed, safe in spreadsheets, and importable back unchanged."""

import csv
import io
import json

from importer.run import ImportOptions, import_file
from registry.opendata import safe_cell, write_csv, write_jsonl
from tests.helpers import row, write_feed


def test_export_round_trips_and_neutralises_formulas(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("HOPQUY_TODAY", "2028-01-01")
    feed = write_feed(tmp_path / "f.csv", [row(), row("B0001010125AF04A2", models="=HYPERLINK(\"x\")",
                                                      brand="@Brand", expires="01/01/2030")])
    import_file(engine, feed, ImportOptions(source="qc1"))
    buffer = io.StringIO()
    assert write_csv(engine, buffer) == 2
    exported = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert exported[0]["effective_status"] == "expired" and exported[0]["status"] == "valid"
    assert exported[0]["models"] == "SM-A546E; SM-A546E/DS"
    assert exported[1]["models"].startswith("'=") and exported[1]["brand"] == "'@Brand"
    lines = io.StringIO()
    write_jsonl(engine, lines)
    first = json.loads(lines.getvalue().splitlines()[0])
    assert first["regulations"] == ["QCVN 117:2023/BTTTT", "QCVN 18:2022/BTTTT"]
    # the safe CSV of plain records imports back with no change
    plain = tmp_path / "plain.csv"
    plain.write_text("\n".join(buffer.getvalue().splitlines()[:2]) + "\n", encoding="utf-8")
    again = import_file(engine, plain, ImportOptions(source="qc1"))
    assert (again.counts.updated, again.counts.unchanged) == (0, 1), [str(p) for p in again.problems]


def test_safe_cell():
    assert safe_cell("-1+2") == "'-1+2" and safe_cell("SM-A546E") == "SM-A546E" and safe_cell(None) == ""

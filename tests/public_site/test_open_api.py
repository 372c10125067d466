"""The open API: bulk verification, the changes feed, open data, statistics and holders."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from tests.helpers import sample_rows


def test_bulk_verify_answers_1000_mixed_codes_in_order(client, sample_path):
    rows = sample_rows(sample_path)
    numbers = [r[0] for r in rows]
    marks = [r[16] for r in rows if r[16]]
    models = [r[4].split(";")[0].strip() for r in rows]
    codes = []
    for i in range(1000):
        kind = i % 4
        if kind == 0:
            codes.append(numbers[i % len(numbers)].lower().replace("/", " / "))
        elif kind == 1:
            codes.append(marks[i % len(marks)])
        elif kind == 2:
            codes.append(models[i % len(models)])
        else:
            codes.append(f"FAKE-{i:04d}")
    response = client.post("/api/v1/verify", json={"codes": codes})
    assert response.status_code == 200, response.text[:300]
    results = response.json()["results"]
    assert [r["code"] for r in results] == codes
    assert response.json()["found"] == 750
    for i, result in enumerate(results):
        expected = {0: "certificate_no", 1: "mark_code", 2: "model", 3: None}[i % 4]
        assert result["matched_by"] == expected, (codes[i], result)
        assert result["found"] == (expected is not None)
    first = results[0]["matches"][0]
    assert first["certificate_no"] == numbers[0] and first["url"].endswith(f"/v/{numbers[0]}")
    assert first["status"] in ("valid", "expired", "suspended", "revoked", "withdrawn")


def test_bulk_verify_bounds(client):
    assert client.post("/api/v1/verify", json={"codes": []}).status_code == 400
    assert client.post("/api/v1/verify", json={"codes": ["x"] * 1001}).status_code == 400
    assert client.post("/api/v1/verify", json={"codes": ["x" * 121]}).status_code == 400
    assert client.post("/api/v1/verify", content=b"{not json").status_code == 400


def test_verify_one_code_of_each_kind(client, sample_path):
    row = sample_rows(sample_path)[3]
    by_number = client.get(f"/api/v1/verify/{row[0]}").json()
    assert by_number["found"] and by_number["matches"][0]["certificate_no"] == row[0]
    unknown = client.get("/api/v1/verify/NO-SUCH-DEVICE").json()
    assert unknown == {"code": "NO-SUCH-DEVICE", "found": False, "status": None, "matched_by": None, "matches": []}


def test_changes_walk_every_event_once_in_order(client):
    seen, cursor = [], 0
    while True:
        page = client.get("/api/v1/changes", params={"since": cursor, "limit": 100}).json()
        seen += [c["cursor"] for c in page["changes"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 360
    assert client.get("/api/v1/changes", params={"since": cursor}).json()["changes"] == []


def test_atom_feed_is_valid_xml_with_entries(client):
    response = client.get("/feeds/changes.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 100
    assert entries[0].find("a:link", ns).get("href").startswith("http://127.0.0.1:8000/c/")


def test_open_data_streams_the_registry_with_a_stamp(client):
    response = client.get("/open-data/certificates.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 360 and rows[0]["effective_status"]
    stamp = response.headers["last-modified"]
    assert client.get("/open-data/certificates.csv", headers={"If-Modified-Since": stamp}).status_code == 304
    lines = client.get("/open-data/certificates.jsonl").text.splitlines()
    assert len(lines) == 360 and json.loads(lines[0])["certificate_no"] == rows[0]["certificate_no"]
    assert client.get("/open-data/secrets.csv").status_code == 404


def test_stats_and_holder(client, sample_path):
    stats = client.get("/api/v1/stats").json()
    assert stats["certificates"] == 360 and sum(stats["by_status"].values()) == 360
    assert sum(b["certificates"] for b in stats["top_brands"]) <= 360
    tax = sample_rows(sample_path)[0][8]
    holder = client.get(f"/api/v1/holders/{tax}").json()
    assert holder["tax_code"] == tax
    assert holder["total"] == sum(1 for r in sample_rows(sample_path) if r[8] == tax)
    page = client.get(f"/o/{tax}")
    assert page.status_code == 200 and holder["name"] in page.text
    assert client.get("/o/0000000000").status_code == 404


def test_declaration_numbers_with_slashes_have_pages(client, sample_path):
    declaration = next(r[0] for r in sample_rows(sample_path) if "/" in r[0])
    for path in (f"/c/{declaration}", f"/v/{declaration}", f"/api/v1/certificates/{declaration}",
                 f"/qr/{declaration}.png", f"/label/{declaration}.pdf"):
        assert client.get(path).status_code == 200, path

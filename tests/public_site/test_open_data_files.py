"""Open data from files on disk: no download holds a database connection, and downloads
resume, revalidate and follow the registry's changes."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from litestar.testing import TestClient
from sqlalchemy import update
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from public_site.app import create_app
from registry.clock import utcnow
from registry.models import Certificate
from registry.opendata import Export
from registry.opendata_files import OpenDataFiles
from registry.settings import get_settings
from tests.helpers import row, write_feed


@pytest.fixture
def app(sample_registry, dead_index):
    return create_app(get_settings(), sample_registry, dead_index, run_worker=False, migrate=False)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


def _files(app) -> OpenDataFiles:
    return app.plugins.get("Services").open_data


def test_the_file_is_the_export_and_carries_its_validators(client, sample_registry):
    response = client.get("/open-data/certificates.csv")
    assert response.status_code == 200 and response.text == "".join(Export(sample_registry, "csv"))
    assert response.headers["accept-ranges"] == "bytes" and response.headers["x-registry-rows"] == "360"
    assert int(response.headers["content-length"]) == len(response.content)
    tag, stamp = response.headers["etag"], response.headers["last-modified"]
    for asked in ({"If-None-Match": tag}, {"If-None-Match": f'"other", {tag}'}, {"If-Modified-Since": stamp}):
        again = client.get("/open-data/certificates.csv", headers=asked)
        assert again.status_code == 304 and again.content == b"", asked
    assert client.get("/open-data/certificates.csv", headers={"If-None-Match": '"other"'}).status_code == 200


def test_one_range_resumes_a_download_and_other_ranges_get_the_whole_file(client):
    whole = client.get("/open-data/certificates.jsonl")
    body, tag, size = whole.content, whole.headers["etag"], len(whole.content)
    cases = {
        "bytes=0-99": (206, body[:100]),
        "bytes=1000-": (206, body[1000:]),
        "bytes=-10": (206, body[-10:]),
        f"bytes=100-{size * 2}": (206, body[100:]),
        "bytes=0-9, 20-29": (200, body),  # several ranges: the whole file, as RFC 9110 allows
        "bytes=50-10": (200, body),  # not a range
        "bytes=" + "9" * 5000 + "-": (200, body),  # a number no file has: not a range of ours
        "lines=1-2": (200, body),
    }
    for asked, (status, expected) in cases.items():
        response = client.get("/open-data/certificates.jsonl", headers={"Range": asked})
        assert (response.status_code, response.content) == (status, expected), asked[:40]
    partial = client.get("/open-data/certificates.jsonl", headers={"Range": "bytes=0-99"})
    assert partial.headers["content-range"] == f"bytes 0-99/{size}"
    beyond = client.get("/open-data/certificates.jsonl", headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    # resuming with If-Range: the same version gets the rest; another version gets the whole file
    same = client.get("/open-data/certificates.jsonl", headers={"Range": "bytes=10-", "If-Range": tag})
    other = client.get("/open-data/certificates.jsonl", headers={"Range": "bytes=10-", "If-Range": '"old"'})
    assert (same.status_code, same.content) == (206, body[10:]) and (other.status_code, other.content) == (200, body)


def test_a_client_that_stops_reading_holds_no_database_connection(engine, dead_index, tmp_path):
    """At the ASGI level: the client takes the first chunk of the body and stops reading.
    (When the download streamed from the database, a thousand rows into the body it still
    held its connection: twenty such clients took the pool.)"""
    feed = [row(number=f"A{i:06d}0324AE01A2", models=f"TEST-{i}") for i in range(1200)]
    imported = import_file(engine, write_feed(tmp_path / "big.csv", feed), ImportOptions(source="body-a"))
    assert imported.status == "applied"
    app = create_app(get_settings(), engine, dead_index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        assert client.get("/open-data/certificates.csv").status_code == 200  # the first download writes the file
        held = asyncio.run(_pool_while_a_client_stalls(app, engine, "/open-data/certificates.csv"))
        assert held == 0
        assert client.get("/api/v1/stats").status_code == 200


async def _pool_while_a_client_stalls(app, engine, path: str) -> int:
    first_chunk, release = asyncio.Event(), asyncio.Event()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}

    async def receive():
        await release.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.body" and not first_chunk.is_set():
            first_chunk.set()
            await release.wait()  # the client reads no more

    answer = asyncio.create_task(app(scope, receive, send))
    await asyncio.wait_for(first_chunk.wait(), 30)
    held = engine.pool.checkedout()
    release.set()
    await asyncio.wait_for(answer, 30)
    return held


def test_the_files_follow_changes_and_a_running_download_keeps_its_version(app, client, sample_registry):
    first = client.get("/open-data/certificates.csv")
    files = _files(app)
    assert files.ensure("csv").etag == first.headers["etag"].strip('"')  # nothing changed: nothing written
    with client.stream("GET", "/open-data/certificates.csv") as running:
        chunks = running.iter_bytes()
        head = next(chunks)
        with Session(sample_registry) as session:
            session.execute(update(Certificate).where(Certificate.id == 1)
                            .values(product_name="Bộ phát Wi-Fi", updated_at=utcnow()))
            session.commit()
        newer = files.ensure("csv")  # what the refresher does within a minute
        rest = b"".join(chunks)
    assert head + rest == first.content  # the old version, whole, though a newer one replaced it
    assert newer.etag != first.headers["etag"].strip('"')
    assert [p.name for p in files.folder.glob("certificates-*.csv")] == [newer.file_name]
    after = client.get("/open-data/certificates.csv")
    assert after.headers["etag"] == f'"{newer.etag}"' and "Bộ phát Wi-Fi" in after.text
    outdated = {"If-None-Match": first.headers["etag"]}
    assert client.get("/open-data/certificates.csv", headers=outdated).status_code == 200
    rows = list(csv.DictReader(io.StringIO(after.text)))
    assert len(rows) == 360


def test_a_new_day_makes_the_file_stale_for_its_effective_statuses(app, client, monkeypatch):
    client.get("/open-data/certificates.csv")
    files = _files(app)
    published = files.current("csv")
    monkeypatch.setenv("HOPQUY_TODAY", "2099-01-01")
    get_settings.cache_clear()
    rewritten = files.ensure("csv")
    assert rewritten.day == "2099-01-01" and rewritten.etag != published.etag
    assert "expired" in client.get("/open-data/certificates.csv").text

"""``hopquy sync``: new files in a folder, and a feed URL fetched only when it changed."""

from __future__ import annotations

import hashlib
import os
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from importer import sources
from importer.run import ImportOptions
from importer.sources import FetchRefused, folder_files, sync_folder, sync_url
from tests.helpers import row, write_feed, write_file
from tests.importer.conftest import fingerprint

OPTIONS = ImportOptions(source="qc1")


def test_folder_imports_new_files_once_oldest_first(engine, tmp_path):
    write_feed(tmp_path / "b.csv", [row("B0001010125AF04A2", models="Archer AX23")])
    write_feed(tmp_path / "a.csv", [row()])
    os.utime(tmp_path / "a.csv", (1_700_000_000, 1_700_000_000))  # older, though named later
    write_file(tmp_path / "~$a.xlsx", b"lock file of an open workbook")
    write_file(tmp_path / "notes.pdf", b"%PDF-1.4")
    assert [p.name for p in folder_files(tmp_path)] == ["a.csv", "b.csv"]
    first = sync_folder(engine, tmp_path, OPTIONS)
    assert [(r.file_name, r.status) for r in first] == [("a.csv", "applied"), ("b.csv", "applied")]
    assert [r.status for r in sync_folder(engine, tmp_path, OPTIONS)] == ["skipped", "skipped"]


def test_folder_reports_a_broken_file_and_still_imports_the_good_one(engine, tmp_path):
    write_feed(tmp_path / "good.csv", [row()])
    write_feed(tmp_path / "bad.csv", [row("C0002020224AE01A2", issued="31/02/2024")])
    results = {r.file_name: r for r in sync_folder(engine, tmp_path, OPTIONS)}
    assert results["good.csv"].status == "applied"
    assert results["bad.csv"].status == "rejected"
    assert results["bad.csv"].errors[0].message_en == "no such day in the calendar"


class FeedServer:
    """A feed host that honours If-None-Match and If-Modified-Since, and counts downloads."""

    def __init__(self, body: bytes) -> None:
        self.body, self.downloads, self.not_modified = body, 0, 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
                etag = '"' + hashlib.sha256(server.body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    server.not_modified += 1
                    self.send_response(304)
                    self.end_headers()
                    return
                server.downloads += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/csv; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", formatdate(usegmt=True))
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/exports/qc1-list.csv"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def feed_server(tmp_path):
    server = FeedServer(write_feed(tmp_path / "v1.csv", [row()]).read_bytes())
    yield server
    server.httpd.shutdown()


def test_url_is_downloaded_only_when_it_changed(engine, tmp_path, feed_server):
    first = sync_url(engine, feed_server.url, OPTIONS)
    assert first.status == "fetched" and first.result.status == "applied"
    assert first.result.file_name == "qc1-list.csv"
    again = sync_url(engine, feed_server.url, OPTIONS)
    assert again.status == "not-modified" and again.result is None
    assert (feed_server.downloads, feed_server.not_modified) == (1, 1)

    feed_server.body = write_feed(tmp_path / "v2.csv", [row(status="Thu hồi")]).read_bytes()
    changed = sync_url(engine, feed_server.url, OPTIONS)
    assert changed.result.status == "applied" and changed.result.counts.updated == 1
    assert feed_server.downloads == 2


def test_a_broken_download_changes_nothing_and_is_fetched_again(engine, tmp_path, feed_server):
    assert sync_url(engine, feed_server.url, OPTIONS).result.status == "applied"
    before = fingerprint(engine)
    feed_server.body = write_feed(tmp_path / "bad.csv", [row(issued="31/02/2024")]).read_bytes()
    broken = sync_url(engine, feed_server.url, OPTIONS)
    assert broken.result.status == "rejected"
    assert fingerprint(engine) == before
    assert sync_url(engine, feed_server.url, OPTIONS).status == "fetched"  # not remembered as good
    assert feed_server.downloads == 3


class Redirector:
    """A host that answers every request with a redirect to ``target`` (a path or a URL)."""

    def __init__(self, target: str) -> None:
        self.target = target
        redirector = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(302)
                self.send_header("Location", redirector.target)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


def test_redirects_are_followed_only_within_the_feeds_own_host(engine, feed_server):
    before = fingerprint(engine)
    to_other_host = Redirector(feed_server.url)  # another port: another host
    try:
        with pytest.raises(FetchRefused, match="another host"):
            sync_url(engine, to_other_host.base + "/feed.csv", OPTIONS)
        looping = Redirector("/again")
        with pytest.raises(FetchRefused, match="more than 5 times"):
            sync_url(engine, looping.base + "/feed.csv", OPTIONS)
        looping.httpd.shutdown()
    finally:
        to_other_host.httpd.shutdown()
    assert feed_server.downloads == 0 and fingerprint(engine) == before


def test_a_feed_over_the_size_cap_is_not_taken(engine, feed_server, monkeypatch):
    before = fingerprint(engine)
    monkeypatch.setattr(sources, "MAX_BYTES", 100)
    with pytest.raises(FetchRefused, match="at most 100 are taken"):
        sync_url(engine, feed_server.url, OPTIONS)
    assert fingerprint(engine) == before


def test_the_command_line_says_why_a_download_was_not_taken(engine, feed_server, database_url, monkeypatch):
    from click.testing import CliRunner

    from cli.main import main
    from registry.settings import get_settings

    monkeypatch.setenv("HOPQUY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    elsewhere = Redirector(feed_server.url)
    try:
        done = CliRunner().invoke(main, ["sync", elsewhere.base + "/x.csv", "--source", "qc1"])
    finally:
        elsewhere.httpd.shutdown()
    assert done.exit_code == 1 and "another host: not followed" in done.output

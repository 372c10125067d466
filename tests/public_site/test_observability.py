"""Metrics an operator can scrape and trust, and logs whose lines a request id ties together."""

from __future__ import annotations

import io
import json
import logging
import os
import re

import httpx
import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from importer.run import ImportOptions, import_file
from public_site.app import create_app
from public_site.metrics import allowed
from registry.logs import configure_logging, logging_config
from registry.models import Certificate
from registry.settings import get_settings
from tests.helpers import row, served, write_feed


def scrape(client: httpx.Client) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics by (name, sorted labels)."""
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def test_the_numbers_move_when_the_app_works(sample_registry, sample_index, tmp_path):
    with sample_registry.connect() as connection:
        number = connection.execute(select(Certificate.certificate_no).limit(1)).scalar_one()
    app = create_app(get_settings(), sample_registry, sample_index, run_worker=False, migrate=False)
    scan_route = ("method", "GET"), ("route", "/v/{number}"), ("status", "200")
    with served(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        before = scrape(client)
        assert before[("hopquy_database_up", ())] == 1 and before[("hopquy_search_up", ())] == 1
        assert before[("hopquy_certificates", ())] > 300
        for _ in range(3):
            assert client.get(f"/v/{number}").status_code == 200
        assert client.get("/v/NO-SUCH-NUMBER").status_code == 404
        assert client.get("/no/such/page").status_code == 404
        write_feed(tmp_path / "feed.csv", [row("Z0001010126AE01A2", models="OBS-1")])
        import_file(sample_registry, tmp_path / "feed.csv", ImportOptions(source="qc-obs"))
        after = scrape(client)
    count = "hopquy_http_request_duration_seconds_count"
    assert after[(count, scan_route)] - before.get((count, scan_route), 0) == 3
    assert after[(count, (("method", "GET"), ("route", "/v/{number}"), ("status", "404")))] >= 1
    assert after[(count, (("method", "GET"), ("route", "unmatched"), ("status", "404")))] >= 1
    # one client scanning one certificate three times is one scan counted
    assert after[("hopquy_scans_total", ())] - before.get(("hopquy_scans_total", ()), 0) == 1
    assert after[("hopquy_certificates", ())] == before[("hopquy_certificates", ())] + 1
    assert after[("hopquy_outbox_depth", ())] == before[("hopquy_outbox_depth", ())] + 1  # no worker drains here
    assert after[("hopquy_import_last_rows", (("change", "created"), ("source", "qc-obs")))] == 1
    assert after[("hopquy_import_last_success_timestamp_seconds", (("source", "qc-obs"),))] > 1.7e9


def test_metrics_answer_loopback_and_the_allowed_networks_only(sample_registry, dead_index, monkeypatch):
    outside = {"X-Forwarded-For": "203.0.113.9"}  # believed: the served app trusts its loopback proxy
    app = create_app(get_settings(), sample_registry, dead_index, run_worker=False, migrate=False)
    with served(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/metrics", headers=outside).status_code == 404
        figures = scrape(client)
        assert figures[("hopquy_search_up", ())] == 0 and figures[("hopquy_database_up", ())] == 1
    monkeypatch.setenv("HOPQUY_METRICS_ALLOW", "198.51.100.0/24, 203.0.113.0/24")
    get_settings.cache_clear()
    app = create_app(get_settings(), sample_registry, dead_index, run_worker=False, migrate=False)
    with served(app) as base:
        assert httpx.get(f"{base}/metrics", headers=outside, timeout=10).status_code == 200
    assert allowed("::1", ()) and allowed("::ffff:127.0.0.1", ()) and not allowed("testclient", ())
    assert not allowed("10.0.0.1", ("203.0.113.0/24",))


@pytest.fixture
def log_lines(monkeypatch):
    """The process's log configuration in JSON, written to a buffer; restored afterwards."""
    buffer = io.StringIO()
    config = logging_config(fmt="json")
    config["handlers"]["stderr"]["stream"] = buffer
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    configure_logging()


def test_every_line_of_a_request_carries_its_id_and_errors_keep_their_traceback(
        sample_registry, dead_index, log_lines, monkeypatch):
    app = create_app(get_settings(), sample_registry, dead_index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        given = client.get("/healthz", headers={"X-Request-ID": "proxy-id.42"})
        made = client.get("/healthz")
        insane = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})

        def broken(*args, **kwargs):
            raise RuntimeError("the disk is on fire")

        monkeypatch.setattr("public_site.pages.registry_counts", broken)
        failed = client.get("/")
    assert given.headers["x-request-id"] == "proxy-id.42"
    assert re.fullmatch(r"[0-9a-f]{11,}", made.headers["x-request-id"])
    assert insane.headers["x-request-id"] not in ("bad id\twith spaces", made.headers["x-request-id"])
    assert failed.status_code == 500 and "fire" not in failed.text and "Traceback" not in failed.text
    lines = log_lines()
    access = [line for line in lines if line["logger"] == "hopquy.access"]
    assert {line["request_id"] for line in access} >= {"proxy-id.42", made.headers["x-request-id"]}
    assert any(line["route"] == "/healthz" and line["status"] == 200 for line in access)
    failure = [line for line in lines if line["request_id"] == failed.headers["x-request-id"]]
    error = next(line for line in failure if line["level"] == "ERROR")
    assert "RuntimeError: the disk is on fire" in error["traceback"] and error["logger"] == "hopquy.errors"
    assert any(line["logger"] == "hopquy.access" and line["status"] == 500 for line in failure)


def test_a_scrape_adds_up_every_worker_of_the_host(sample_registry, dead_index, tmp_path, monkeypatch):
    """With several workers each writes its counts to a file; any one's scrape sums them all."""
    from public_site import request_metrics

    monkeypatch.setenv("HOPQUY_METRICS_DIR", str(tmp_path))
    other = {"rows": [["GET", "/healthz", 200, [5] + [0] * len(request_metrics.BOUNDS) + [0.004]]], "scans": 7}
    (tmp_path / "worker-999999.json").write_text(json.dumps(other))
    app = create_app(get_settings(), sample_registry, dead_index, run_worker=False, migrate=False)
    with served(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        before = scrape(client)
        client.get("/healthz")
        after = scrape(client)
        request_metrics.write_own_file()
    key = ("hopquy_http_request_duration_seconds_count", (("method", "GET"), ("route", "/healthz"),
                                                          ("status", "200")))
    bucket = ("hopquy_http_request_duration_seconds_bucket", (("le", "0.001"), ("method", "GET"),
                                                              ("route", "/healthz"), ("status", "200")))
    assert after[key] == before[key] + 1 and before[key] >= 5 and after[bucket] >= 5
    assert after[("hopquy_scans_total", ())] >= 7
    mine = json.loads((tmp_path / f"worker-{os.getpid()}.json").read_text())
    assert any(row[:3] == ["GET", "/healthz", 200] for row in mine["rows"])

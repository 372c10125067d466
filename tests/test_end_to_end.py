"""The product as a user runs it: ``hopquy serve`` and ``hopquy import`` as real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from search.process import free_port
from tests.helpers import row, sample_rows, write_feed

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]


def hopquy(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(tmp_path):
    values = {k: v for k, v in os.environ.items() if not k.startswith("HOPQUY_")}
    values["HOPQUY_DATA_DIR"] = str(tmp_path / "var")
    values["HOPQUY_MIGRATE"] = "auto"  # as make run does; the refusal is tests/registry/test_migration_step.py
    return values


def our_meilisearch_pids(data_dir: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = (proc / "status").read_text()
        except (OSError, ValueError):
            continue
        if "meilisearch" in cmdline and str(data_dir) in cmdline and "State:\tZ" not in status:
            pids.append(int(proc.name))
    return pids


def start_server(env: dict, port: int, log: Path, *options: str) -> subprocess.Popen:
    with log.open("w") as out:  # the child keeps its own copy of the file
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--sample-if-empty", *options],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(check, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    server.wait(timeout=30)


def test_serve_sample_search_verify_and_stop_cleanly(env, sample_path, tmp_path):
    port, base = free_port(), None
    base = f"http://127.0.0.1:{port}"
    data_dir = Path(env["HOPQUY_DATA_DIR"])
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    server = start_server(env, port, first_log)
    try:
        wait_until(lambda: httpx.get(f"{base}/readyz").json()["search"]["ok"])
        # the sample was indexed before the server took its first request
        assert httpx.get(f"{base}/readyz").json()["database"]["index_pending"] == 0
        record = next(r for r in sample_rows(sample_path) if r[15] == "Còn hiệu lực")
        model = record[4].split(";")[0].strip()
        hits = httpx.get(f"{base}/api/v1/search", params={"q": model}).json()["hits"]
        assert hits[0]["certificate_no"] == record[0]
        page = httpx.get(f"{base}/v/{record[0]}")
        assert page.status_code == 200 and model in page.text
        assert httpx.get(f"{base}/v/UNKNOWN0000").status_code == 404
        assert our_meilisearch_pids(data_dir)
    finally:
        stop(server)
    assert server.returncode is not None
    time.sleep(0.5)
    assert our_meilisearch_pids(data_dir) == []
    access_line = rf"INFO hopquy\.access \[[0-9a-f]+\]: GET /v/{re.escape(record[0])} 200 "
    assert re.search(access_line, first_log.read_text()), "the access line, with its request id, by default"

    # second start, without the access log: the registry is kept, the sample is not imported
    # again; then Meilisearch hangs (a killed one is started again within a second or so,
    # before the checks could run)
    server = start_server(env, port, second_log, "--no-access-log")
    try:
        wait_until(lambda: httpx.get(f"{base}/readyz").json()["search"]["ok"])
        meilisearch = our_meilisearch_pids(data_dir)
        for pid in meilisearch:
            os.kill(pid, signal.SIGSTOP)
        wait_until(lambda: httpx.get(f"{base}/readyz").json()["search"]["ok"] is False, 15)
        page = httpx.get(f"{base}/v/{record[0]}")
        assert page.status_code == 200 and model in page.text
        body = httpx.get(f"{base}/api/v1/search", params={"q": model}).json()
        assert body["degraded"] is True and body["hits"][0]["certificate_no"] == record[0]
        stats = httpx.get(f"{base}/api/v1/search", params={"q": ""}).json()
        assert stats["total"] == 360
        # then it dies: the server starts it again, and search answers from it once more
        for pid in meilisearch:
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: httpx.get(f"{base}/readyz").json()["search"]["ok"], 30)
        assert set(our_meilisearch_pids(data_dir)).isdisjoint(meilisearch)
        body = httpx.get(f"{base}/api/v1/search", params={"q": model}).json()
        assert body["degraded"] is False and body["hits"][0]["certificate_no"] == record[0]
    finally:
        stop(server)
    second = second_log.read_text()
    assert "Hopquy at http://" in second and "hopquy.access" not in second and "HTTP/1.1" not in second


def test_import_cli_reports_row_and_column_and_exits_1(env, tmp_path, sample_path):
    first = hopquy("import", str(sample_path), "--source", "sample", "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["created"] == 360
    again = hopquy("import", str(sample_path), "--source", "sample", "--json", env=env)
    assert json.loads(again.stdout)["status"] == "skipped"
    forced = hopquy("import", str(sample_path), "--source", "sample", "--force", "--json", env=env)
    summary = json.loads(forced.stdout)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 360)
    bad = write_feed(tmp_path / "bad.csv", [row(), row("B0001010125AF04A2", issued="31/02/2024")])
    result = hopquy("import", str(bad), "--source", "qc1", "--report", str(tmp_path / "r.json"), env=env)
    assert result.returncode == 1
    assert "row 3" in result.stderr and "Ngày cấp" in result.stderr and "31/02/2024" in result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["status"] == "rejected" and report["problems"][0]["row"] == 3


def test_sync_cli_imports_a_folder_for_cron(env, tmp_path, sample_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "sample.csv").write_bytes(sample_path.read_bytes())
    write_feed(drop / "broken.csv", [row("B0001010125AF04A2", issued="31/02/2024")])
    first = hopquy("sync", str(drop), "--source", "qc1", "--json", env=env)
    assert first.returncode == 1  # one file was rejected: cron mails the owner
    files = {f["file"]: f for f in json.loads(first.stdout)["files"]}
    assert files["sample.csv"]["created"] == 360
    assert files["broken.csv"]["status"] == "rejected" and files["broken.csv"]["problems"][0]["row"] == 2
    (drop / "broken.csv").unlink()
    again = hopquy("sync", str(drop), "--source", "qc1", env=env)
    assert again.returncode == 0 and "already imported" in again.stderr

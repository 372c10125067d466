"""Scale-out: two ``hopquy serve`` processes on one PostgreSQL and one Meilisearch of their
own. Uploads, decisions and reads go through both; one is killed (SIGKILL) while it drains a
big upload into the index; the survivor finishes the drain. Then the index equals the
registry, every change left exactly one event, and the survivor's /metrics says the outbox
is empty."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlmodel import Session

from benchmarks.feedgen import write_csv
from registry.access import create_token
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import Certificate, CertificateEvent, ImportRun, SearchOutbox
from search.check import compare
from search.client import SearchIndex, SearchTarget
from search.process import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


def serve(env: dict, port: int, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--no-access-log"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(check, timeout: float = 90, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if answer := check():
                return answer
        except httpx.HTTPError:
            pass
        time.sleep(every)
    raise AssertionError("timed out")


def outbox_depth(base: str) -> float:
    families = text_string_to_metric_families(httpx.get(f"{base}/metrics", timeout=10).text)
    return next(family.samples[0].value for family in families if family.name == "hopquy_outbox_depth")


def test_two_servers_share_the_work_and_survive_a_kill(database_url, meili, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("several servers share one PostgreSQL; SQLite is one machine's embedded database")
    engine = make_engine(database_url)
    upgrade(engine)  # the deploy step, before the servers start
    with Session(engine) as session:
        admin = create_token(session, "admin", "scale admin")[1]
        feeder = create_token(session, "importer", "scale importer", sources=["body-a", "body-b"])[1]
        session.commit()
    index = SearchIndex(SearchTarget(meili.url, meili.key, f"scale_{uuid.uuid4().hex[:10]}"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HOPQUY_")},
           "HOPQUY_DATABASE_URL": database_url, "HOPQUY_MEILI_URL": meili.url, "HOPQUY_MEILI_KEY": meili.key,
           "HOPQUY_MEILI_INDEX": index.name, "HOPQUY_DATA_DIR": str(tmp_path / "shared"),
           "HOPQUY_SECRET_KEY": "s" * 48, "HOPQUY_RATE_LIMIT": "0"}
    ports = free_port(), free_port()
    servers = [serve(env, port, tmp_path / f"server-{n}.log") for n, port in enumerate(ports)]
    first, second = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        for base in (first, second):
            wait_until(lambda base=base: httpx.get(f"{base}/readyz", timeout=2).status_code == 200)
        feeds = _split(write_csv(tmp_path / "all.csv", 7600, seed=11, title=False), (800, 800, 6000))
        for base, source, feed in ((first, "body-a", feeds[0]), (second, "body-b", feeds[1])):
            answer = _upload(base, feeder, source, feed)
            assert answer.status_code == 200 and answer.json()["status"] == "applied", answer.text
        with Session(engine) as session:
            numbers = list(session.execute(
                select(Certificate.certificate_no).where(Certificate.admin_status == "valid",
                                                         Certificate.expires_on > date.today())
                .order_by(Certificate.id).limit(10)).scalars())
        for n, number in enumerate(numbers):  # decisions through both servers, in turn
            decided = httpx.post(f"{(first, second)[n % 2]}/api/v1/decisions", timeout=30,
                                 headers={"Authorization": f"Bearer {admin}"},
                                 json={"certificate_no": number, "action": "suspend", "reason": "Dùng sai dấu hợp quy",
                                       "decision_ref": f"{n}/QĐ-CVT", "decision_on": "2026-11-30"})
            assert decided.status_code == 201, decided.text
        for base in (first, second):  # each reads what the other wrote
            assert "TẠM ĐÌNH CHỈ" in httpx.get(f"{base}/v/{numbers[1]}", timeout=10).text
            assert "TẠM ĐÌNH CHỈ" in httpx.get(f"{base}/v/{numbers[0]}", timeout=10).text

        # the big upload through the first server; killed once it has committed, while it drains
        runs_before = _count(engine, ImportRun)
        threading.Thread(target=_upload_quietly, args=(first, feeder, "body-a", feeds[2]), daemon=True).start()
        wait_until(lambda: _count(engine, ImportRun) > runs_before, timeout=180, every=0.02)
        os.killpg(servers[0].pid, signal.SIGKILL)
        servers[0].wait(10)
        left_at_kill = _count(engine, SearchOutbox)
        assert left_at_kill > 0  # it died in the middle of the drain

        wait_until(lambda: outbox_depth(second) == 0, timeout=180, every=0.5)
        drift = compare(engine, index)
        assert drift.clean and drift.registry == 800 + 800 + 6000, drift
        with Session(engine) as session:
            actions = dict(session.execute(select(CertificateEvent.action, func.count())
                                           .group_by(CertificateEvent.action)).all())
            per_certificate = session.execute(
                select(func.count()).select_from(
                    select(CertificateEvent.certificate_id).where(CertificateEvent.action == "created")
                    .group_by(CertificateEvent.certificate_id).having(func.count() > 1).subquery())).scalar_one()
        assert actions == {"created": 7600, "decision": 10} and per_certificate == 0
        hits = httpx.get(f"{second}/api/v1/search", params={"q": numbers[3]}, timeout=10).json()["hits"]
        assert hits[0]["certificate_no"] == numbers[3] and hits[0]["status"] == "suspended"
    finally:
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGINT)
                server.wait(30)
        index.client.delete_index(index.name)
        engine.dispose()


def _upload(base: str, token: str, source: str, feed: Path) -> httpx.Response:
    return httpx.post(f"{base}/api/v1/imports", params={"source": source, "file_name": feed.name},
                      content=feed.read_bytes(), headers={"Authorization": f"Bearer {token}"}, timeout=300)


def _upload_quietly(base: str, token: str, source: str, feed: Path) -> None:
    try:
        _upload(base, token, source, feed)
    except httpx.HTTPError:
        pass  # the server was killed under it: that is the test


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _split(feed: Path, sizes: tuple[int, ...]) -> list[Path]:
    """One generated feed (distinct numbers) cut into files of ``sizes`` rows, each with the header."""
    header, *rows = feed.read_text(encoding="utf-8").splitlines(keepends=True)
    parts, start = [], 0
    for n, size in enumerate(sizes):
        part = feed.with_name(f"feed-{n}.csv")
        part.write_text(header + "".join(rows[start:start + size]), encoding="utf-8")
        parts.append(part)
        start += size
    return parts

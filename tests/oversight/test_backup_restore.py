"""The restore drill: import, decide, inspect, back up, wipe, restore, reindex; then the open
data is byte-identical, the scan page and search answer as before, and the audit log, the
history and the photos are whole."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlmodel import Session

from cli.main import main
from public_site.app import create_app
from registry.db import make_engine
from registry.models import CertificateEvent
from registry.opendata import write_csv
from registry.oversight_models import AuditEntry, Inspection, StatusDecision
from registry.settings import get_settings
from search.client import SearchIndex
from search.drain import drain, ensure_filled
from tests.oversight.conftest import NUMBERS, bearer, login
from tests.oversight.test_decisions import DECISION
from tests.oversight.test_forms_and_uploads import jpeg
from tests.oversight.test_photos_and_quota import _inspect


def seen(engine: Engine, index: SearchIndex) -> dict:
    """Everything the drill compares, as a person and an auditor would see it."""
    export = io.StringIO()
    write_csv(engine, export)
    with Session(engine) as session:
        audit, events, decisions = ([tuple(row) for row in session.execute(select(model.__table__)
                                                                       .order_by(model.__table__.c.id))]
                                    for model in (AuditEntry, CertificateEvent, StatusDecision))
        photos = session.execute(select(Inspection.photos)).scalar_one()
    app = create_app(get_settings(), engine, index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        scan = client.get(f"/v/{NUMBERS[0]}")
        hits = client.get("/api/v1/search", params={"q": "SM-A541E"}).json()["hits"]
        verify = client.get(f"/api/v1/verify/{NUMBERS[0]}").json()
    return {"export": export.getvalue(), "audit": audit, "events": events, "decisions": decisions,
            "scan": (scan.status_code, scan.text.count("TẠM ĐÌNH CHỈ"), NUMBERS[0] in scan.text),
            "hits": [hit["certificate_no"] for hit in hits], "verify": verify, "photos": photos}


def test_the_restore_drill(feed_registry, tokens, client, database_url, index, monkeypatch, tmp_path):
    assert client.post("/api/v1/decisions", json={**DECISION, "certificate_no": NUMBERS[0]},
                       headers=bearer(tokens["admin"])).status_code == 201
    login(client, tokens["inspector"])
    assert _inspect(client, jpeg((90, 60))).status_code in (302, 303)
    ensure_filled(feed_registry, index)
    drain(feed_registry, index)
    before = seen(feed_registry, index)
    assert before["decisions"] and before["photos"] and before["scan"][1] >= 1 and before["hits"]
    data_dir = get_settings().data_dir
    photo = (data_dir / "photos" / before["photos"][0]).read_bytes()
    for name, value in {"HOPQUY_DATABASE_URL": database_url, "HOPQUY_MEILI_URL": index.target.url,
                        "HOPQUY_MEILI_KEY": index.target.key, "HOPQUY_MEILI_INDEX": index.name}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    runner = CliRunner()

    backed = runner.invoke(main, ["backup", str(tmp_path / "backup")])
    assert backed.exit_code == 0, backed.output
    assert runner.invoke(main, ["backup", str(tmp_path / "backup")]).exit_code != 0  # never over an old one

    # wipe: the database, the data dir and the index are gone
    feed_registry.dispose()
    _wipe(database_url)
    shutil.rmtree(data_dir)
    index.wait(index.client.delete_index(index.name))

    restored = runner.invoke(main, ["restore", str(tmp_path / "backup")])
    assert restored.exit_code == 0, restored.output
    assert "reindexed 3 certificates" in restored.output
    engine = make_engine(database_url)
    after = seen(engine, index)
    assert after == before
    assert (data_dir / "photos" / before["photos"][0]).read_bytes() == photo
    # a second restore refuses the database that is no longer empty
    again = runner.invoke(main, ["restore", str(tmp_path / "backup")])
    assert again.exit_code != 0 and "not empty" in again.output
    engine.dispose()


def test_a_damaged_backup_is_refused_before_anything_is_loaded(feed_registry, database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("HOPQUY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(main, ["backup", str(tmp_path / "backup")]).exit_code == 0
    dump = next(path for path in (tmp_path / "backup").iterdir() if path.name.startswith("registry."))
    with dump.open("r+b") as stream:
        stream.seek(200)
        stream.write(b"\x00damaged\x00")
    feed_registry.dispose()
    _wipe(database_url)
    refused = runner.invoke(main, ["restore", str(tmp_path / "backup")])
    assert refused.exit_code != 0 and "damaged" in refused.output
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    assert inspect(engine).get_table_names() == []  # nothing was loaded
    engine.dispose()


def _wipe(database_url: str) -> None:
    """The database as a new one: SQLite's file gone, PostgreSQL's schema empty."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return
    schema = database_url.rsplit("search_path%3D", 1)[1]
    admin = create_engine(database_url.split("?")[0])
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()

"""One path from a feed to the index: the upload endpoint indexes what it imports, as the CLI does."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from importer.run import ImportOptions
from ingest.service import ingest
from public_site.app import create_app
from registry.access import create_token
from registry.models import SearchOutbox
from registry.settings import get_settings
from tests.helpers import HEADER, row, write_feed

NUMBERS = ("A0412150324AE01A2", "A0412160324AE01A2")


def _feed_bytes() -> bytes:
    rows = [row(number=n, models=f"ZX-{i}00Q") for i, n in enumerate(NUMBERS)]
    return (",".join(HEADER) + "\n" + "\n".join(",".join(f'"{c}"' for c in r) for r in rows)).encode()


def _outbox(engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(SearchOutbox)).scalar_one()


def test_an_upload_is_searchable_as_soon_as_it_is_answered(engine, index):
    with Session(engine) as session:
        secret = create_token(session, "importer", "body-a feed", sources=["body-a"])[1]
        session.commit()
    app = create_app(get_settings(), engine, index, run_worker=False, migrate=False)  # no worker: only the upload
    with TestClient(app) as client:
        answer = client.post("/api/v1/imports?source=body-a&file_name=feed.csv", content=_feed_bytes(),
                             headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/csv"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["created"] == 2 and answer.json()["indexed"] == 2
        hits = client.get("/api/v1/search", params={"q": "ZX-100Q"}).json()
        assert not hits["degraded"] and hits["hits"][0]["certificate_no"] == NUMBERS[1]
    assert _outbox(engine) == 0


def test_with_meilisearch_down_the_outbox_keeps_every_change(engine, dead_index, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_bytes(_feed_bytes())
    done = ingest(engine, dead_index, path, ImportOptions(source="body-a"), tmp_path / "spool")
    assert done.result.status == "applied" and done.indexed is None
    assert _outbox(engine) == 2
    assert not list((tmp_path / "spool").glob("*")), "no spool is left behind"


def test_a_rejected_file_leaves_no_spool_and_indexes_nothing(engine, index, tmp_path):
    path = write_feed(tmp_path / "bad.csv", [row(number=NUMBERS[0], issued="31/02/2024")])
    done = ingest(engine, index, path, ImportOptions(source="body-a"), tmp_path / "spool")
    assert done.result.status == "rejected" and done.indexed is None
    assert not list((tmp_path / "spool").glob("*")) and _outbox(engine) == 0

"""The real parts under test: SQLite and PostgreSQL databases, a real Meilisearch process.

Each test gets a fresh database (a new SQLite file, or a new PostgreSQL schema when
``HOPQUY_TEST_POSTGRES_URL`` is set) and a uniquely named Meilisearch index.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, delete, insert, select, text
from sqlmodel import Session, SQLModel

from importer.run import ImportOptions, import_file
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import Certificate, SearchOutbox
from registry.settings import get_settings
from registry.snapshots import load_records
from search import device_counts, lapsed, pinning
from search.client import SearchIndex, SearchTarget
from search.documents import to_document
from search.process import MeilisearchProcess

SAMPLE = Path(__file__).resolve().parents[1] / "importer" / "samples" / "sample-feed.csv"
POSTGRES_URL = os.environ.get("HOPQUY_TEST_POSTGRES_URL")
REQUIRE_ALL = os.environ.get("HOPQUY_TEST_REQUIRE_ALL") == "1"
BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(config, items):
    if POSTGRES_URL:
        return
    for item in items:
        if "[postgresql" in item.nodeid or "-postgresql" in item.nodeid:
            item.add_marker(pytest.mark.skip(reason="set HOPQUY_TEST_POSTGRES_URL to run on PostgreSQL"))


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Settings come from the environment: every test gets its own data dir."""
    monkeypatch.setenv("HOPQUY_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HOPQUY_MIGRATE", "auto")  # the tests' databases are new: migrate them
    monkeypatch.delenv("HOPQUY_TODAY", raising=False)
    # a search keeps the registry's pins, the devices' counts and whether any stored status is
    # stale a moment (search.recent): tests change the registry and search again at once, so
    # they keep nothing
    for kept in (pinning.RECENT, device_counts.COUNTED, lapsed.CHECKED):
        monkeypatch.setattr(kept, "seconds", 0.0)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite3'}"
        return
    if not POSTGRES_URL:
        if REQUIRE_ALL:
            pytest.fail("HOPQUY_TEST_POSTGRES_URL is required in CI")
        pytest.skip("set HOPQUY_TEST_POSTGRES_URL to run on PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def meili(tmp_path_factory) -> Iterator[SearchTarget]:
    """One real Meilisearch for the session (or ``HOPQUY_TEST_MEILI_URL``/``_KEY``)."""
    external = os.environ.get("HOPQUY_TEST_MEILI_URL")
    if external:
        yield SearchTarget(external, os.environ.get("HOPQUY_TEST_MEILI_KEY"), "unused")
        return
    key = secrets.token_urlsafe(24)
    with MeilisearchProcess(tmp_path_factory.mktemp("meili"), key) as process:
        yield SearchTarget(process.url, key, "unused")


@pytest.fixture
def index(meili) -> Iterator[SearchIndex]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    search_index = SearchIndex(SearchTarget(meili.url, meili.key, name))
    search_index.ensure()
    yield search_index
    search_index.client.delete_index(name)


@pytest.fixture
def dead_index() -> SearchIndex:
    """An index on a port where nothing listens: Meilisearch is down."""
    from search.process import free_port

    return SearchIndex(SearchTarget(f"http://127.0.0.1:{free_port()}", "k" * 16, "gone"), timeout=1)


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@dataclass(frozen=True)
class SampleTemplate:
    rows: dict[str, list[dict]]  # table → its rows, in the order tables depend on each other
    documents: list[dict]  # the search documents of its certificates


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory) -> SampleTemplate:
    """The sample feed imported once for the whole run, as rows and search documents; each
    test that wants it gets a copy (``sample_registry``) instead of importing it again."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sample') / 'sample.sqlite3'}")
    upgrade(engine)
    assert import_file(engine, SAMPLE, ImportOptions(source="sample")).status == "applied"
    with Session(engine) as session:
        records = load_records(session, session.execute(select(Certificate.id)).scalars().all())
        session.execute(delete(SearchOutbox))  # as if drained: each copy is indexed from the documents
        session.commit()
        rows = {table.name: [dict(row._mapping) for row in session.execute(select(table))]
                for table in SQLModel.metadata.sorted_tables}
    engine.dispose()
    return SampleTemplate(rows, [to_document(cid, record) for cid, record in records.items()])


@pytest.fixture
def sample_registry(engine, sample_template) -> Engine:
    """The sample registry in this test's own database, copied from the template (its search
    index is ``sample_index``: indexing 360 documents takes Meilisearch about a second)."""
    with engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if rows := sample_template.rows[table.name]:
                connection.execute(insert(table), rows)
                if engine.dialect.name == "postgresql" and "id" in table.c and table.c.id.autoincrement:
                    connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                            f"(SELECT max(id) FROM {table.name}))"))
    return engine


@pytest.fixture(scope="session")
def sample_index(meili, sample_template) -> Iterator[SearchIndex]:
    """The sample's search index, shared by every test of the run that only reads it (the
    copies of ``sample_registry`` keep the template's ids, so it fits each of them)."""
    index = SearchIndex(SearchTarget(meili.url, meili.key, f"sample_{uuid.uuid4().hex[:12]}"))
    index.ensure()
    index.wait(index.send(sample_template.documents))
    yield index
    stats = index.client.index(index.name).get_stats()
    assert stats.number_of_documents == len(sample_template.documents), "a test wrote to the shared sample index"
    index.client.delete_index(index.name)

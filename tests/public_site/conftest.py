import pytest
from litestar.testing import TestClient

from importer.run import ImportOptions, import_file
from public_site.app import create_app
from registry.settings import get_settings
from search.drain import drain


@pytest.fixture
def sample_registry(engine, index, sample_path):
    assert import_file(engine, sample_path, ImportOptions(source="sample")).status == "applied"
    drain(engine, index)
    return engine


@pytest.fixture
def client(sample_registry, index):
    app = create_app(get_settings(), sample_registry, index, run_worker=False, migrate=False)
    with TestClient(app) as test_client:
        yield test_client

import pytest
from litestar.testing import TestClient

from public_site.app import create_app
from registry.settings import get_settings


@pytest.fixture
def client(sample_registry, sample_index):
    app = create_app(get_settings(), sample_registry, sample_index, run_worker=False, migrate=False)
    with TestClient(app) as test_client:
        yield test_client

"""A served process leaves what it holds at start out of the garbage collector's full passes
(a full pass over it held the event loop for 195 ms under load); an app a test builds does
not, since a test process builds many."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from litestar.testing import TestClient

from public_site.app import create_app
from registry.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
SERVED = """
import gc
from litestar.testing import TestClient
from public_site.app import create_app
with TestClient(create_app(run_worker=False)) as client:  # as the server builds it: from its settings
    assert client.get("/healthz").status_code == 200
    print(gc.get_freeze_count())
"""


def test_a_served_process_freezes_what_it_holds_at_start(tmp_path):
    env = {**os.environ, "HOPQUY_DATA_DIR": str(tmp_path / "var"), "HOPQUY_DATABASE_URL": f"sqlite:///{tmp_path}/r.db",
           "HOPQUY_MEILI_URL": "http://127.0.0.1:9", "HOPQUY_MIGRATE": "auto"}
    out = subprocess.run([sys.executable, "-c", SERVED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.split()[-1]) > 10_000  # the modules, routes and engines


def test_an_app_a_test_builds_freezes_nothing(engine, index):
    before = gc.get_freeze_count()
    with TestClient(create_app(get_settings(), engine, index, run_worker=False, migrate=False)) as client:
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() <= before  # (frozen objects are still freed once no longer referred to)

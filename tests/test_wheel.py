"""The wheel holds everything the site serves: built, installed into a fresh venv, served.

A file left out of the package data is invisible in an editable install (the repository is
there), so only an installed wheel shows it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import httpx
import pytest

from search.process import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_wheel_installs_and_serves_its_staff_pages_and_api_viewer(tmp_path):
    dist, source = tmp_path / "dist", tmp_path / "source"
    # built from a copy: setuptools writes build/ and egg-info beside the sources
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "var", "build", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(dist), str(source)], check=True, cwd=tmp_path)
    wheel = next(dist.glob("hopquy-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # the dependencies come from the project's venv (a path line, not a site dir: its .pth
    # files, the editable install's among them, are not run); the project from the wheel alone
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                    str(wheel)], check=True, cwd=tmp_path)
    port = free_port()
    env = {**os.environ, "HOPQUY_DATA_DIR": str(tmp_path / "var"), "PYTHONPATH": "",
           # no Meilisearch: the pages under test do not search
           "HOPQUY_MEILI_URL": f"http://127.0.0.1:{free_port()}", "HOPQUY_MEILI_KEY": "k" * 16}
    server = subprocess.Popen([str(env_dir / "bin" / "hopquy"), "serve", "--port", str(port), "--no-access-log"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        answers = _get_when_up(f"http://127.0.0.1:{port}", ["/staff/login", "/schema", "/static/site.css"])
        assert answers["/staff/login"].status_code == 200, answers["/staff/login"].text[:500]
        assert "form" in answers["/staff/login"].text
        assert answers["/schema"].status_code == 200
        assert "swagger-ui" in answers["/schema"].text
        assert answers["/static/site.css"].status_code == 200
        viewer = httpx.get(f"http://127.0.0.1:{port}/static/swagger-ui/swagger-ui-bundle.js")
        assert viewer.status_code == 200 and len(viewer.content) > 100_000
        installed = subprocess.run([str(python), "-c", "import public_site; print(public_site.__file__)"],
                                   check=True, capture_output=True, text=True, cwd=tmp_path).stdout
        assert str(env_dir) in installed, "the wheel, not the repository, must be what runs"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in output, output


def _get_when_up(base: str, paths: list[str], within: float = 60) -> dict[str, httpx.Response]:
    deadline = time.monotonic() + within
    while True:
        try:
            return {path: httpx.get(base + path) for path in paths}
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)

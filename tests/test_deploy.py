"""The deploy files work as written: systemd accepts the units, nginx accepts the site and,
run for real in front of the app, passes request ids, hides /metrics, caches QR codes and
refuses a URL longer than the app takes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from public_site.app import create_app
from registry.models import Certificate
from registry.settings import get_settings
from search.process import free_port
from tests.conftest import REQUIRE_ALL
from tests.helpers import served

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
HOPQUY = Path(sys.executable).with_name("hopquy")


def needs(program: str) -> str:
    path = shutil.which(program) or (f"/usr/sbin/{program}" if Path(f"/usr/sbin/{program}").exists() else None)
    if path is None:
        if REQUIRE_ALL:
            pytest.fail(f"{program} is required in CI (.ci/system-deps installs it)")
        pytest.skip(f"{program} is not installed")
    return path


def test_systemd_accepts_every_unit(tmp_path):
    analyze = needs("systemd-analyze")
    for unit in (DEPLOY / "systemd").iterdir():
        text = unit.read_text().replace("/opt/hopquy/.venv/bin/hopquy", str(HOPQUY))
        name = unit.name.replace("@.", "@qc1.")  # a template is checked as one of its instances
        (tmp_path / name).write_text(text)
    units = sorted(str(path) for path in tmp_path.iterdir())
    assert len(units) == 7
    done = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    broken = tmp_path / "hopquy.service"
    broken.write_text(broken.read_text().replace("ExecStart=", "ExecStrat="))
    assert subprocess.run([analyze, "verify", "--man=no", str(broken)], capture_output=True).returncode != 0


def nginx_config(folder: Path, upstream: int, http: int, https: int) -> Path:
    """The site as shipped, on free ports, with a throwaway certificate, in ``folder``."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=hopquy",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")], check=True,
                   capture_output=True)
    site = (DEPLOY / "nginx" / "hopquy.conf").read_text()
    for shipped, here in (("/etc/letsencrypt/live/hopquy.example.vn/fullchain.pem", folder / "cert.pem"),
                          ("/etc/letsencrypt/live/hopquy.example.vn/privkey.pem", folder / "key.pem"),
                          ("/var/cache/nginx/hopquy", folder / "cache"), ("127.0.0.1:8000", f"127.0.0.1:{upstream}"),
                          ("listen 80;", f"listen 127.0.0.1:{http};"),
                          ("listen 443 ssl", f"listen 127.0.0.1:{https} ssl")):
        assert shipped in site
        site = site.replace(shipped, str(here))
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (folder / "site.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""
    config = folder / "nginx.conf"
    config.write_text(f"{user}\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
                      f"http {{\n access_log off;\n include {folder}/site.conf;\n}}\n")
    return config


def test_nginx_in_front_of_the_app(tmp_path, sample_registry, dead_index):
    nginx = needs("nginx")
    needs("openssl")
    with sample_registry.connect() as connection:
        number = connection.execute(select(Certificate.certificate_no).limit(1)).scalar_one()
    app = create_app(get_settings(), sample_registry, dead_index, run_worker=False, migrate=False)
    with served(app) as base:
        http, https = free_port(), free_port()
        config = nginx_config(tmp_path, int(base.rsplit(":", 1)[1]), http, https)
        where = ["-c", str(config), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
        checked = subprocess.run([nginx, "-t", *where], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        server = subprocess.Popen([nginx, *where, "-g", "daemon off;"])
        try:
            _wait_for(https)
            with httpx.Client(base_url=f"https://127.0.0.1:{https}", verify=False, timeout=10) as client:
                scan = client.get(f"/v/{number}")
                assert scan.status_code == 200 and len(scan.headers["x-request-id"]) == 32  # nginx's $request_id
                assert scan.headers["strict-transport-security"].startswith("max-age=")
                assert client.get("/metrics").status_code == 404  # loopback to the app, but not through here
                first, second = client.get(f"/qr/{number}.png"), client.get(f"/qr/{number}.png")
                assert first.content == second.content and second.headers["x-cache"] == "HIT"
                # a 15 KB query reaches the app (which says what is wrong with it); 20 KB stops at nginx
                near = client.get("/api/v1/search?q=" + "A" * 15_000)
                assert near.headers["content-type"] == "application/problem+json" and "q" in near.text
                assert client.get("/api/v1/search?q=" + "A" * 20_000).status_code == 414
            redirect = httpx.get(f"http://127.0.0.1:{http}/v/{number}", timeout=10)
            assert redirect.status_code == 301 and redirect.headers["location"].startswith("https://")
        finally:
            server.terminate()
            server.wait(10)


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            httpx.get(f"https://127.0.0.1:{port}/healthz", verify=False, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("nginx did not start")

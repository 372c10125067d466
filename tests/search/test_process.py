"""Our own Meilisearch child: started with its key, whatever characters the key has."""

from __future__ import annotations

import secrets
import subprocess

import httpx

from search.process import MeilisearchProcess


def test_a_key_that_starts_with_a_dash_still_starts_meilisearch_and_stays_out_of_ps(tmp_path):
    key = "-6" + secrets.token_urlsafe(24)  # token_urlsafe gives such a key one time in 64
    with MeilisearchProcess(tmp_path / "meili", key) as meili:
        assert httpx.get(f"{meili.url}/indexes", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert httpx.get(f"{meili.url}/indexes", headers={"Authorization": "Bearer wrong"}).status_code == 403
        command_line = subprocess.run(["ps", "-o", "args=", "-p", str(meili.proc.pid)],
                                      capture_output=True, text=True).stdout
        assert "--db-path" in command_line and key not in command_line

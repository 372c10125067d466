"""Our own Meilisearch child: started with its key, whatever characters the key has."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import threading
import time

import httpx

from search.process import MeilisearchProcess, running_instance


def test_a_key_that_starts_with_a_dash_still_starts_meilisearch_and_stays_out_of_ps(tmp_path):
    key = "-6" + secrets.token_urlsafe(24)  # token_urlsafe gives such a key one time in 64
    with MeilisearchProcess(tmp_path / "meili", key) as meili:
        assert httpx.get(f"{meili.url}/indexes", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert httpx.get(f"{meili.url}/indexes", headers={"Authorization": "Bearer wrong"}).status_code == 403
        command_line = subprocess.run(["ps", "-o", "args=", "-p", str(meili.proc.pid)],
                                      capture_output=True, text=True).stdout
        assert "--db-path" in command_line and key not in command_line


def test_a_child_that_dies_is_started_again_on_the_same_port_and_data(tmp_path):
    """The server's keeper: search degrades while the child is down, then finds it again."""
    key = secrets.token_urlsafe(24)
    meili = MeilisearchProcess(tmp_path / "meili", key).start()
    stop = threading.Event()
    keeper = threading.Thread(target=meili.keep_alive, args=(stop,), kwargs={"every": 0.1}, daemon=True)
    keeper.start()
    try:
        headers = {"Authorization": f"Bearer {key}"}
        task = httpx.post(f"{meili.url}/indexes", json={"uid": "kept"}, headers=headers).json()["taskUid"]
        while (status := httpx.get(f"{meili.url}/tasks/{task}", headers=headers).json()["status"]) in (
                "enqueued", "processing"):
            time.sleep(0.05)
        assert status == "succeeded"  # the index is on disk before the kill
        first = meili.proc.pid
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 30
        # started again: a new child, healthy, and said so in the state file (written just after)
        while meili.proc.pid == first or not _healthy(meili.url) or running_instance(tmp_path / "meili") != meili.url:
            assert time.monotonic() < deadline, "the child was not started again"
            time.sleep(0.1)
        assert httpx.get(f"{meili.url}/indexes/kept", headers=headers).status_code == 200  # same data
    finally:
        stop.set()
        keeper.join(timeout=5)
        meili.stop()
    assert not keeper.is_alive() and running_instance(tmp_path / "meili") is None


def test_a_dead_child_not_yet_reaped_is_not_taken_for_running(tmp_path):
    with MeilisearchProcess(tmp_path / "meili", secrets.token_urlsafe(24)) as meili:
        assert running_instance(tmp_path / "meili") == meili.url
        os.kill(meili.proc.pid, signal.SIGKILL)  # a zombie until its parent waits for it
        deadline = time.monotonic() + 10
        while running_instance(tmp_path / "meili") is not None:
            assert time.monotonic() < deadline, "a zombie was taken for a running Meilisearch"
            time.sleep(0.05)
        assert meili.proc.returncode is None  # not reaped: the state file still names its pid


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False

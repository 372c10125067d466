"""Run our own Meilisearch as a child process: master key, data dir, no analytics.

The child is tied to its parent (``PR_SET_PDEATHSIG``), so even a killed server leaves no
orphan Meilisearch behind.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx

from registry.children import die_with_parent
from search.binary import binary_path, install

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MeilisearchProcess:
    """One Meilisearch child on 127.0.0.1, with its own data dir and key."""

    def __init__(self, data_dir: Path, key: str, port: int | None = None) -> None:
        self.data_dir, self.key = Path(data_dir), key
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> MeilisearchProcess:
        binary = install() if not binary_path().exists() else binary_path()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "meilisearch.log").open("ab")
        self.proc = subprocess.Popen(
            [str(binary), "--db-path", str(self.data_dir / "data.ms"),
             "--http-addr", f"127.0.0.1:{self.port}",
             "--no-analytics", "--env", "production",
             "--dump-dir", str(self.data_dir / "dumps"),
             "--snapshot-dir", str(self.data_dir / "snapshots")],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent,
            # the key goes in the environment: not shown by ps, and a key that starts with
            # "-" (one generated key in 64) is not taken for an option
            env={**os.environ, "MEILI_MASTER_KEY": self.key},
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Meilisearch exited at start; see {self.data_dir / 'meilisearch.log'}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    self._write_state()
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("Meilisearch did not become healthy in time")

    def _write_state(self) -> None:
        state = {"url": self.url, "pid": self.proc.pid if self.proc else None}
        temporary = self.data_dir / f".running.json.{os.getpid()}"  # renamed: no reader sees half of it
        temporary.write_text(json.dumps(state))
        temporary.replace(self.data_dir / "running.json")

    def stop(self, timeout: float = 10) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        (self.data_dir / "running.json").unlink(missing_ok=True)

    def keep_alive(self, stop: threading.Event, every: float = 1.0, most: float = 60.0) -> None:
        """Start the child again whenever it dies, until ``stop`` is set (run in a thread by
        the server). Meanwhile search answers from the registry, flagged as degraded, and the
        outbox keeps every change; the child comes back on the same port, data and key, so
        the server's worker catches up without being told. A child that fails to start is
        tried again later, waiting twice as long each time, up to ``most`` seconds."""
        wait = every
        while not stop.wait(wait):
            if self.proc is None or self.proc.poll() is None or stop.is_set():
                wait = every
                continue
            log.warning("Meilisearch exited (code %s); starting it again", self.proc.returncode)
            try:
                self.start()
                wait = every
            except (RuntimeError, OSError) as exc:
                wait = min(wait * 2, most)
                log.warning("Meilisearch did not start again (%s); next try in %.0f s", exc, wait)

    def __enter__(self) -> MeilisearchProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def running_instance(data_dir: Path) -> str | None:
    """The URL of our managed Meilisearch if a server started one that is still alive."""
    state_file = Path(data_dir) / "running.json"
    try:
        state = json.loads(state_file.read_text())
        os.kill(state["pid"], 0)
        if Path(f"/proc/{state['pid']}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return None  # dead, not yet reaped by the server that started it
        return state["url"]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None

"""Measuring helpers shared by the benchmarks: a process tree's peak memory, a managed
Meilisearch of the benchmark's own, the app served as ``hopquy serve`` serves it, and the raw
Meilisearch baseline."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import meilisearch

from search.index_settings import SETTINGS
from search.process import MeilisearchProcess, free_port


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                queue.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                pass
    return pids


def _memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process. A forked child shares its parent's pages: the sum of RSS
    counts them twice, the sum of PSS (proportional set size) once."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


@dataclass
class Memory:
    """Peak memory of a process tree, MiB."""

    rss_sum: int = 0
    pss_sum: int = 0

    def __str__(self) -> str:
        return f"{self.pss_sum} MiB PSS ({self.rss_sum} MiB summing RSS)"


def run_measured(command: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float, Memory]:
    """Run ``command``; return it, its wall seconds and the peak memory of its whole process tree."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = Memory()
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            sizes = [_memory_kib(p) for p in _tree(proc.pid)]
            peak.rss_sum = max(peak.rss_sum, sum(r for r, _ in sizes) // 1024)
            peak.pss_sum = max(peak.pss_sum, sum(p for _, p in sizes) // 1024)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return subprocess.CompletedProcess(command, proc.returncode, out, err), elapsed, peak


@contextmanager
def meilisearch_for(work: Path, keep: bool = False) -> Iterator[tuple[str, str]]:
    """A Meilisearch of the benchmark's own: (url, key). Fresh, unless ``keep``: then the
    data dir and key of an earlier run are used again (a million documents take minutes to
    index; the caller decides whether what is there is still the registry's)."""
    data, saved = work / "meili", work / "meili.key"
    if keep and data.exists() and saved.exists():
        key = saved.read_text()
    else:
        key = secrets.token_urlsafe(24)
        subprocess.run(["rm", "-rf", str(data)], check=True)
        work.mkdir(parents=True, exist_ok=True)
        saved.write_text(key)
    with MeilisearchProcess(data, key) as meili:
        yield meili.url, key


@contextmanager
def served(work: Path, env: dict[str, str], app: str = "public_site.app:create_app",
           options: tuple[str, ...] = (), settle: bool = False) -> Iterator[str]:
    """``app`` (a factory) in a uvicorn process of its own, started as ``hopquy serve`` starts
    it (the same uvicorn defaults, access log on) plus ``options``, with ``HOPQUY_*`` settings
    ``env``: its base URL, once it answers; ``settle``: once its start-up jobs are done too
    (the open-data files of a big registry take a minute to write: a server measured while
    it writes them is measured beside that work)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "info", "--proxy-headers", *options]
    work.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(command, env={**os.environ, "HOPQUY_DATA_DIR": str(work), **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if server.poll() is not None:
                raise RuntimeError(f"the served app exited with {server.returncode}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the served app did not answer /healthz in 30 s")
        if settle:
            wait_idle(server.pid)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:  # a background job (open data of a big registry) still writing
            server.kill()
            server.wait()


def cpu_seconds(pid: int) -> float:
    """The CPU time the process tree of ``pid`` has used so far (user and system)."""
    total = 0
    for each in _tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def database_pid(engine) -> int | None:
    """PostgreSQL's postmaster for ``engine`` when it runs on this machine (its process tree
    is every backend and helper), None for SQLite (it runs inside the server's own process)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    try:
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])  # its parent
    except OSError:  # another machine's
        return None


def serving_pid(url: str) -> int:
    """The process serving ``url`` on this machine (Meilisearch's ``--http-addr host:port``, or
    uvicorn's ``--port port``), found by its command line."""
    port = str(urlsplit(url).port)
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if any(arg.endswith(":" + port) for arg in args) or any(
                arg == "--port" and following == port for arg, following in zip(args, args[1:], strict=False)):
            return int(cmdline.parent.name)
    raise LookupError(f"nothing here serves {url}")


def wait_idle(pid: int, quiet: float = 0.05, limit: float = 600) -> None:
    """Wait until the process tree of ``pid`` uses less than ``quiet`` of a core over two
    seconds (at most ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(2)
        now = cpu_seconds(pid)
        if now - before < quiet * 2:
            return
        before = now


WRK_SCRIPT = """
local paths, bodies = {}, {}
for line in io.lines("%s") do paths[#paths + 1] = line end
for line in io.lines("%s") do bodies[#bodies + 1] = line end
local headers = {%s}
local i, n = 0, math.max(#paths, #bodies)
request = function()
  i = i %% n + 1
  if #bodies > 0 then return wrk.format("POST", paths[1], headers, bodies[i]) end
  return wrk.format("GET", paths[i], headers)
end
"""


def wrk(base_url: str, paths: list[str], seconds: float, work: Path, connections: int = 32,
        bodies: list[bytes] = (), headers: dict[str, str] | None = None) -> dict[str, float]:
    """``connections`` clients asking ``paths`` in turn for ``seconds`` (Debian's wrk), or,
    given ``bodies``, posting them in turn to the first path: req/s, p50 and p99 under that
    load (ms), and the answers that were errors."""
    listing, posted, script = work / "wrk-paths.txt", work / "wrk-bodies.txt", work / "wrk-paths.lua"
    listing.write_text("\n".join(paths) + "\n")
    posted.write_bytes(b"".join(body + b"\n" for body in bodies))
    lua_headers = ", ".join(f'["{name}"] = "{value}"' for name, value in (headers or {}).items())
    script.write_text(WRK_SCRIPT % (listing, posted, lua_headers))
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
               "-s", str(script), base_url]  # wrk refuses more threads than connections
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}

    def latency(q: int) -> float:
        found = re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        if found is None:
            raise RuntimeError(f"wrk gave no {q}th percentile:\n{out}")
        value, unit = found.groups()
        return float(value) * scale[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": latency(50),
            "p99": latency(99), "errors": (int(errors.group(1)) if errors else 0)
            + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0)}


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


def raw_index(url: str, key: str, name: str, ndjson: Path, chunk_lines: int = 10_000) -> float:
    """Seconds for plain Meilisearch to index ``ndjson`` (same settings, pages sent without waiting)."""
    client = meilisearch.Client(url, key, timeout=600)
    client.wait_for_task(client.create_index(name, {"primaryKey": "id"}).task_uid)
    index = client.index(name)
    client.wait_for_task(index.update_settings(SETTINGS).task_uid)
    pages = []
    with ndjson.open("rb") as f:
        page: list[bytes] = []
        for line in f:
            page.append(line)
            if len(page) == chunk_lines:
                pages.append(b"".join(page))
                page = []
        if page:
            pages.append(b"".join(page))
    started = time.perf_counter()
    tasks = [index.add_documents_ndjson(p, primary_key="id").task_uid for p in pages]
    for uid in tasks:
        done = client.wait_for_task(uid, timeout_in_ms=3_600_000, interval_in_ms=50)
        if done.status != "succeeded":
            raise RuntimeError(f"raw indexing task {uid} {done.status}: {done.error}")
    return time.perf_counter() - started

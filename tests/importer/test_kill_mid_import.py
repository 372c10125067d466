"""A killed import (kill -9, mid-transaction) leaves no half state; a re-run completes it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.feedgen import write_csv
from tests.importer.conftest import fingerprint

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_kill_9_mid_import_then_rerun(seeded, database_url, tmp_path):
    engine, before = seeded
    feed = write_csv(tmp_path / "big.csv", 60_000, seed=3)
    env = {**os.environ, "HOPQUY_DATABASE_URL": database_url, "HOPQUY_DATA_DIR": str(tmp_path / "var")}
    command = [sys.executable, "-m", "cli.main", "import", str(feed), "--source", "qc2", "--quiet"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(2)
    assert proc.poll() is None, "the import finished before it could be killed: use a larger feed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    engine.dispose()
    assert fingerprint(engine) == before
    rerun = subprocess.run(command + ["--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert '"created": 60000' in rerun.stdout

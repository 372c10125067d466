"""Generated secrets: every process starting at once gets the same whole key, never an empty one."""

import threading

import pytest

from registry.settings import generated_secret


def test_processes_starting_together_share_one_whole_secret(tmp_path):
    path, start, seen = tmp_path / "var" / "secret_key", threading.Barrier(16), []

    def worker() -> None:
        start.wait()
        seen.append(generated_secret(path))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and len(seen[0]) >= 40
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left


def test_an_empty_key_file_is_refused_not_used(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("")
    with pytest.raises(RuntimeError, match="no usable secret"):
        generated_secret(path)

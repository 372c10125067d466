"""The lock file pins every dependency with its hashes, and the environment is the locked one."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", re.M)


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    return {name.lower().replace("_", "-"): pinned for name, pinned in PIN.findall(text)}


def test_every_declared_dependency_is_pinned_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pins = _pins()
    assert [_name(r) for r in declared if _name(r) not in pins] == []
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", text)
    assert all("--hash=sha256:" in block for block in blocks if PIN.match(block))


def test_the_environment_is_the_locked_one():
    drift = {}
    for name, pinned in _pins().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            drift[name] = (pinned, None)
            continue
        if installed != pinned:
            drift[name] = (pinned, installed)
    assert drift == {}, "run make setup (or make lock after changing pyproject.toml)"

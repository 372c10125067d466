"""The sha256 of a file, read a megabyte at a time: feeds (importing the same file twice changes
nothing), the pinned Meilisearch binary, and the files of a backup."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()

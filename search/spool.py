"""Read a spool of ready search documents (see ``importer.spool``) alongside the outbox.

The spool's lines and the outbox's claimed rows both come in ascending certificate id, so
one forward pass matches them. A line is used only for an outbox row still at version 1,
the version its creation queued; anything changed since is read back from the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

PREFIX = b'{"id":'


class SpoolReader:
    def __init__(self, path: Path) -> None:
        self._file: IO[bytes] = path.open("rb")
        self._line: bytes | None = None
        self._id = -1
        self._advance()

    def _advance(self) -> None:
        line = self._file.readline()
        if not line.startswith(PREFIX):
            self._line, self._id = None, -1
            return
        self._line = line
        self._id = int(line[len(PREFIX) : line.index(b",")])

    def take(self, claimed: Sequence[tuple[int, int]]) -> tuple[list[bytes], list[int]]:
        """(spooled lines, ids to read from the registry) for claimed (id, version) rows."""
        lines, missing = [], []
        for cid, version in claimed:
            while self._line is not None and self._id < cid:
                self._advance()
            if self._line is not None and self._id == cid and version == 1:
                lines.append(self._line)
                self._advance()
            else:
                missing.append(cid)
        return lines, missing

    def close(self) -> None:
        self._file.close()

"""The spool: search documents of the certificates an import created, ready to send.

The feed's reader prepares each new record's document (``importer.prepare``); as the
import writes, ``SpoolWriter`` appends those of the certificates it created to a file, in
id order, as NDJSON. After the commit the drainer sends those lines as they are instead of
reading the certificates back, and reads anything else from the registry. The spool is
only a shortcut: lose it, and the outbox still has every row.

The spool's lines and the outbox's claimed rows both come in ascending certificate id, so
one forward pass matches them. A line is used only for an outbox row still at version 1,
the version its creation queued; anything changed since is read back from the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

from registry.records import DOCUMENT, CertificateData

PREFIX = b'{"id":'
PLACEHOLDER = b'{"id":0,'  # how ``search.documents.document_line`` begins


def prepared_lines(ids: Sequence[int], records: Sequence[CertificateData]) -> list[tuple[int, bytes]]:
    """(id, NDJSON line) of each created record whose document the reader prepared."""
    lines = []
    for cid, record in zip(ids, records, strict=True):
        body = record.extra.get(DOCUMENT)
        if body is not None and body.startswith(PLACEHOLDER):
            lines.append((cid, b'{"id":%d,%s\n' % (cid, body[len(PLACEHOLDER):])))
    return lines


class SpoolWriter:
    """Appends the prepared documents of created certificates, with their real ids."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._out: IO[bytes] = path.open("wb")

    def add(self, ids: Sequence[int], records: Sequence[CertificateData]) -> None:
        lines = [line for _, line in prepared_lines(ids, records)]
        self._out.writelines(lines)
        self.count += len(lines)

    def close(self, keep: bool) -> None:
        self._out.close()
        if not keep or not self.count:
            self.path.unlink(missing_ok=True)


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

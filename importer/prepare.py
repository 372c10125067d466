"""Work on new records done while the feed is read: search documents, hashes, history.

A big import spends most of its time indexing. The reader process has spare time while
the writer works, so it builds each *new* record's search document there with the maker it
is given (it asks the registry which numbers already exist); what becomes of the documents
of the records created is the caller's (``search.spool``, ``search.staged``). The reader
also computes each new record's content hash and its "created" history entry, so that the
writer, the slower of the two, has less to do.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from sqlalchemy import Engine, case, select, text

from registry.models import Certificate
from registry.records import CREATED_CHANGES, DOCUMENT, CertificateData, DocumentMaker, EncodedJSON, created_changes

# One statement that gives one row: SQLite does the whole lookup in a single step, during
# which Python's GIL is released, so it runs beside the reader's parsing for real. (Row by
# row, each step would wait for the busy reader thread to hand the GIL back.)
SQLITE_FINGERPRINTS = text(
    "SELECT json_group_object(certificate_no, CASE WHEN source = :source THEN row_fingerprint END) "
    "FROM certificate WHERE certificate_no IN (SELECT value FROM json_each(:numbers))"
)


def stored_fingerprints(engine: Engine, source: str, numbers: list[str]) -> dict[str, str | None]:
    """The row fingerprint the registry keeps for each of ``numbers`` that it holds; None for
    a certificate of another source, whose row must be validated (and refused: ownership)."""
    if not numbers:
        return {}
    with engine.connect() as connection:
        connection = connection.execution_options(read_only=True)
        if engine.dialect.name == "sqlite":
            found = connection.execute(SQLITE_FINGERPRINTS,
                                       {"numbers": orjson.dumps(numbers).decode(), "source": source})
            return orjson.loads(found.scalar_one())
        own = case((Certificate.source == source, Certificate.row_fingerprint), else_=None)
        return dict(connection.execute(
            select(Certificate.certificate_no, own).where(Certificate.certificate_no.in_(numbers))
        ).all())


def prepare_new(records: Sequence[CertificateData], existing: set[str], make: DocumentMaker) -> None:
    """Attach a document, a hash and a history entry to each record new to the registry."""
    for record in records:
        if record.certificate_no not in existing:
            record.extra[DOCUMENT] = make(record)
            # and what the writer would compute for a new record: its hash and its history
            record.content_hash()
            record.extra[CREATED_CHANGES] = EncodedJSON(orjson.dumps(created_changes(record)).decode())

import pytest
from sqlalchemy import select
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from registry.models import Certificate, CertificateEvent, ImportRun, Organisation, SearchOutbox
from tests.helpers import row, write_feed


def fingerprint(engine) -> tuple:
    """Everything an import could touch, to prove a refused file changed nothing."""
    with Session(engine) as s:
        return (
            tuple(s.execute(select(Certificate.certificate_no, Certificate.content_hash,
                                   Certificate.admin_status).order_by(Certificate.id)).all()),
            tuple(s.execute(select(CertificateEvent.id).order_by(CertificateEvent.id)).scalars()),
            tuple(s.execute(select(ImportRun.id)).scalars()),
            tuple(s.execute(select(Organisation.id)).scalars()),
            tuple(s.execute(select(SearchOutbox.certificate_id, SearchOutbox.version)).all()),
        )


@pytest.fixture
def seeded(engine, tmp_path):
    """A registry holding one record of source qc1, and its fingerprint."""
    feed = write_feed(tmp_path / "seed.csv", [row(), row("B0001010125AF04A2", models="Archer AX23")])
    assert import_file(engine, feed, ImportOptions(source="qc1")).status == "applied"
    return engine, fingerprint(engine)

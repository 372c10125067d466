"""Read certificates back as ``CertificateData``, in bulk, for diffs, exports and search."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, literal, select, text, union_all
from sqlmodel import Session

from registry.catalogue import COLUMN_FIELDS, LIST_COLUMNS, split
from registry.driver_reads import DriverQuery
from registry.models import (
    Certificate,
    CertificateModel,
    CertificateRegulation,
    Organisation,
    Regulation,
)
from registry.records import CertificateData

RECORD_COLUMNS = ("id", *COLUMN_FIELDS)
_ATTRIBUTES = tuple(name for name in COLUMN_FIELDS if name not in LIST_COLUMNS)


_IDS = bindparam("ids", expanding=True)
_CERTIFICATES, _ORGANISATIONS = Certificate.__table__, Organisation.__table__
# Built once: every page view and every drained round runs these three.
MODELS_OF = (
    select(CertificateModel.certificate_id, CertificateModel.model_code)
    .where(CertificateModel.certificate_id.in_(_IDS))
    .order_by(CertificateModel.certificate_id, CertificateModel.position)
)
REGULATIONS_OF = (
    select(CertificateRegulation.certificate_id, Regulation.code)
    .join(Regulation, Regulation.id == CertificateRegulation.regulation_id)
    .where(CertificateRegulation.certificate_id.in_(_IDS))
    .order_by(CertificateRegulation.certificate_id, Regulation.code)
)
RECORDS = (  # a record's columns and its holder's tax code, to be narrowed by a WHERE
    select(*(_CERTIFICATES.c[name] for name in RECORD_COLUMNS), _ORGANISATIONS.c.tax_code.label("holder_tax_code"))
    .join(_ORGANISATIONS, _ORGANISATIONS.c.id == _CERTIFICATES.c.holder_id)
)
CERTIFICATES_OF = RECORDS.where(_CERTIFICATES.c.id.in_(_IDS))
_ID = bindparam("id")


def _children(which: Callable[[Any], Any]) -> Any:
    """The models and regulations of the certificates ``which(certificate_id column)`` picks,
    in one query: (kind 0 a model, 1 a regulation; certificate_id; position; code), in order."""
    return union_all(
        select(literal(0).label("kind"), CertificateModel.certificate_id, CertificateModel.position.label("pos"),
               CertificateModel.model_code.label("code"))
        .where(which(CertificateModel.certificate_id)),
        select(literal(1), CertificateRegulation.certificate_id, literal(0), Regulation.code)
        .select_from(CertificateRegulation)
        .join(Regulation, Regulation.id == CertificateRegulation.regulation_id)
        .where(which(CertificateRegulation.certificate_id)),
    ).order_by(text("kind"), text("certificate_id"), text("pos"), text("code"))


CHILDREN_OF_ONE = DriverQuery(_children(lambda column: column == _ID))  # the scan page's one certificate


def load_records(session: Session, ids: Sequence[int]) -> dict[int, CertificateData]:
    """The records of ``ids`` as they stand now, keyed by certificate id."""
    if not ids:
        return {}
    connection, params = session.connection(), {"ids": list(ids)}
    models, regulations = load_children(connection, ids)
    # plain rows, not ORM objects: the search drainer reads a million of these
    return {
        row.id: record_from_row(row, models[row.id], regulations[row.id])
        for row in connection.execute(CERTIFICATES_OF, params)
    }


FEW_CERTIFICATES = DriverQuery(CERTIFICATES_OF)
FEW_CHILDREN = DriverQuery(_children(lambda column: column.in_(_IDS)))  # a search's pins: one query, not two


def load_few(connection: Connection, ids: Sequence[int]) -> dict[int, CertificateData]:
    """``load_records`` for a handful of ids (the certificates a search puts first), on the
    raw cursor: for a few rows, SQLAlchemy's ``execute`` costs more than the queries."""
    if not ids:
        return {}
    ids = list(ids)
    models: dict[int, list[str]] = defaultdict(list)
    regulations: dict[int, list[str]] = defaultdict(list)
    for kind, certificate_id, _, code in FEW_CHILDREN.all(connection, ids=ids):
        (regulations if kind else models)[certificate_id].append(code)
    return {row.id: record_from_row(row, models[row.id], regulations[row.id])
            for row in FEW_CERTIFICATES.all(connection, ids=ids)}


def children_of(connection: Connection, certificate_id: int) -> tuple[list[str], list[str]]:
    """(model codes, regulation codes) of one certificate."""
    models, regulations = [], []
    for kind, _, _, code in CHILDREN_OF_ONE.all(connection, id=certificate_id):
        (regulations if kind else models).append(code)
    return models, regulations


def load_children(connection: Connection, ids: Sequence[int]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """(model codes, regulation codes) of each certificate, in their order."""
    params = {"ids": list(ids)}
    models: dict[int, list[str]] = defaultdict(list)
    for row in connection.execute(MODELS_OF, params):
        models[row.certificate_id].append(row.model_code)
    regulations: dict[int, list[str]] = defaultdict(list)
    for row in connection.execute(REGULATIONS_OF, params):
        regulations[row.certificate_id].append(row.code)
    return models, regulations


def record_from_row(cert: Any, models: list[str], regulations: list[str]) -> CertificateData:
    """``cert`` is a certificate row carrying its holder's tax code as ``holder_tax_code``."""
    values = {name: getattr(cert, name) for name in _ATTRIBUTES}
    for name in LIST_COLUMNS:
        values[name] = split(getattr(cert, name))
    return CertificateData(**values, models=tuple(models), regulations=tuple(regulations),
                           holder_tax_code=cert.holder_tax_code)


def load_snapshots(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    return {cid: record.snapshot() for cid, record in load_records(session, ids).items()}

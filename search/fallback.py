"""Search answered by the registry's SQL when Meilisearch is unreachable (degraded mode).

Plainer than Meilisearch (substring matches, no typo tolerance) but always available, and
it ranks an exact certificate number or model code first, as the full search does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, extract, func, literal, or_, select
from sqlmodel import Session

from registry.catalogue import LIST_SEPARATOR
from registry.codes import canonical_certificate_no, model_key
from registry.models import Certificate, CertificateModel, CertificateRegulation, Regulation
from registry.snapshots import load_records
from search.categories import category_clause
from search.documents import shown_fields
from search.request import IDS, SearchParams, hit_from_document


def status_clause(status: str, on: date):
    not_expired = or_(Certificate.expires_on.is_(None), Certificate.expires_on >= on)
    return {
        "valid": and_(Certificate.admin_status == "valid", not_expired),
        "expired": and_(Certificate.admin_status.in_(["valid", "suspended"]), ~not_expired),
        "suspended": and_(Certificate.admin_status == "suspended", not_expired),
        "revoked": Certificate.admin_status == "revoked",
        "withdrawn": Certificate.admin_status == "withdrawn",
    }[status]


def search_sql(engine, params: SearchParams, on: date, exclude: Sequence[int] = (), offset: int | None = None,
               limit: int | None = None) -> dict[str, Any]:
    """A page of the certificates matching ``params`` but those in ``exclude`` (the pins,
    shown before them); ``offset`` and ``limit`` default to the page's."""
    conditions = []
    rank = literal(1)
    q = params.q.strip()
    if q:
        key, number = model_key(q), canonical_certificate_no(q)
        pattern = f"%{q.lower()}%"
        model_match = exists().where(
            CertificateModel.certificate_id == Certificate.id,
            CertificateModel.model_key.like(f"%{key}%") if key else False,
        )
        conditions.append(or_(
            Certificate.certificate_no.like(f"%{number}%"),
            Certificate.mark_code == number,
            model_match,
            func.lower(Certificate.brand).like(pattern),
            func.lower(Certificate.product_name).like(pattern),
            func.lower(Certificate.holder_name).like(pattern),
        ))
        exact_model = exists().where(
            CertificateModel.certificate_id == Certificate.id, CertificateModel.model_key == key
        )
        rank = case((Certificate.certificate_no == number, 0), (exact_model, 0),
                    (Certificate.mark_code == number, 0), else_=1)
    if params.status:
        conditions.append(status_clause(params.status, on))
    if params.kind:
        conditions.append(Certificate.kind == params.kind)
    if params.brand:
        conditions.append(Certificate.brand == params.brand)
    if params.year:
        conditions.append(extract("year", Certificate.issued_on) == params.year)
    if params.category:
        conditions.append(category_clause(params.category))
    if params.technology:  # a joined list (registry.catalogue): the name between separators or ends
        listed = literal(LIST_SEPARATOR) + Certificate.technologies + literal(LIST_SEPARATOR)
        conditions.append(listed.like(f"%{LIST_SEPARATOR}{params.technology}{LIST_SEPARATOR}%"))
    if params.regulation:
        conditions.append(exists().where(
            CertificateRegulation.certificate_id == Certificate.id,
            CertificateRegulation.regulation_id == Regulation.id,
            Regulation.code == params.regulation,
        ))
    if params.device:  # brand|key: the brand, and a first model beginning with the key (SQL cannot
        # cut a regional suffix, so SMA546E also takes an SMA546EX here: degraded mode only)
        brand, _, key = params.device.partition("|")
        conditions.append(func.lower(Certificate.brand) == brand)
        conditions.append(exists().where(
            CertificateModel.certificate_id == Certificate.id, CertificateModel.position == 0,
            CertificateModel.model_key.like(f"{key}%")))
    if exclude:
        conditions.append(Certificate.id.not_in(exclude))
    where = and_(*conditions) if conditions else True
    offset = (params.page - 1) * params.per_page if offset is None else offset
    with Session(engine) as session:
        total = session.execute(select(func.count()).select_from(Certificate).where(where)).scalar_one()
        ids = session.execute(
            select(Certificate.id).where(where)
            .order_by(rank, Certificate.issued_on.desc(), Certificate.id.desc())
            .offset(offset).limit(params.per_page if limit is None else limit)
        ).scalars().all()
        records = load_records(session, ids)
    hits = [hit_from_document(shown_fields(records[cid]), on) for cid in ids]
    return {"total": total, "hits": hits, "facets": {}, IDS: list(ids)}

"""Find-or-create caches for holder organisations and regulations during one sync run."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlmodel import Session

from registry.codes import normalise_regulation
from registry.models import Organisation, Regulation
from registry.records import CertificateData


def holder_identity(name: str, tax_code: str | None) -> str:
    """A holder is its tax code when known; otherwise its name, case-folded."""
    return f"mst:{tax_code}" if tax_code else "name:" + " ".join(name.casefold().split())


class HolderCache:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[str, int] = {}
        self.names: dict[str, str] = {}

    def ids_for(self, records: list[CertificateData]) -> list[int]:
        wanted = {holder_identity(r.holder_name, r.holder_tax_code): r for r in records}
        unknown = [k for k in wanted if k not in self.ids]
        if unknown:
            for row in self.session.execute(
                select(Organisation.id, Organisation.identity, Organisation.name).where(
                    Organisation.identity.in_(unknown)
                )
            ):
                self.ids[row.identity], self.names[row.identity] = row.id, row.name
            missing = [k for k in unknown if k not in self.ids]
            if missing:
                rows = [
                    {
                        "identity": k,
                        "name": wanted[k].holder_name,
                        "tax_code": wanted[k].holder_tax_code,
                    }
                    for k in missing
                ]
                result = self.session.execute(
                    insert(Organisation).returning(
                        Organisation.id, Organisation.identity, sort_by_parameter_order=True
                    ),
                    rows,
                )
                for row, values in zip(result, rows, strict=True):
                    self.ids[row.identity], self.names[row.identity] = row.id, values["name"]
        self._rename(wanted)
        return [self.ids[holder_identity(r.holder_name, r.holder_tax_code)] for r in records]

    def _rename(self, wanted: dict[str, CertificateData]) -> None:
        """A holder known by tax code takes the name of its latest record."""
        for key, record in wanted.items():
            if self.names.get(key) != record.holder_name:
                self.session.execute(
                    update(Organisation)
                    .where(Organisation.id == self.ids[key])
                    .values(name=record.holder_name)
                )
                self.names[key] = record.holder_name


class RegulationCache:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids = {code: rid for rid, code in session.execute(select(Regulation.id, Regulation.code))}

    def id_for(self, code: str) -> int:
        if code not in self.ids:
            parsed = normalise_regulation(code)
            if parsed is None:
                raise ValueError(f"not a regulation code: {code!r}")
            canonical, number, year, issuer = parsed
            result = self.session.execute(
                insert(Regulation)
                .values(code=canonical, number=number, year=year, issuer=issuer)
                .returning(Regulation.id)
            )
            self.ids[code] = result.scalar_one()
        return self.ids[code]

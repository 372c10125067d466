"""Status-only answers for codes, one or a thousand at once: what a shop or marketplace asks.

A code may be a certificate number, a conformity mark code or a model code; all three are
looked up with one indexed query each, however many codes are asked.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select

from registry.codes import canonical_certificate_no, model_key
from registry.driver_reads import DriverQuery
from registry.models import Certificate, CertificateModel
from registry.status import effective_status
from registry.vocabulary import STATUS_ORDER

MAX_MATCHES = 10
COLUMNS = (Certificate.id, Certificate.certificate_no, Certificate.kind, Certificate.brand,
           Certificate.admin_status, Certificate.issued_on, Certificate.expires_on)


# Built once: the three lookups are the hot path of every marketplace check and QR scan.
# Each comes as (one value, many values): a single code, the common case, skips the
# expanding IN and runs on the raw cursor (registry.driver_reads).
def _lookups(column, *extra):
    base = select(*COLUMNS, *extra)
    if column.table is not Certificate.__table__:
        base = base.join(CertificateModel, CertificateModel.certificate_id == Certificate.id)
    return (DriverQuery(base.where(column == bindparam("value"))),
            base.where(column.in_(bindparam("values", expanding=True))))


BY_NUMBER = _lookups(Certificate.certificate_no)
BY_MARK = _lookups(Certificate.mark_code, Certificate.mark_code)
BY_MODEL = _lookups(CertificateModel.model_key, CertificateModel.model_key)


def verify_codes(connection: Connection, codes: list[str], public_url: str,
                 on: date | None = None) -> list[dict[str, Any]]:
    """One answer per code, in the order asked; each lists its matching certificates, best first.

    A certificate number is looked up first; mark codes and model codes only for the codes
    that are not certificate numbers, so the common single scan costs one indexed query.
    """
    numbers = {code: canonical_certificate_no(code) for code in codes}
    by_number = {row.certificate_no: row for row in _rows(connection, BY_NUMBER, set(numbers.values()))}
    rest = [code for code in codes if numbers[code] not in by_number]
    by_mark: dict[str, list[Any]] = defaultdict(list)
    for row in _rows(connection, BY_MARK, {numbers[code] for code in rest}):
        by_mark[row.mark_code].append(row)
    keys = {code: model_key(code) for code in rest if numbers[code] not in by_mark}
    by_model: dict[str, list[Any]] = defaultdict(list)
    for row in _rows(connection, BY_MODEL, {k for k in keys.values() if len(k) >= 3}):
        by_model[row.model_key].append(row)
    answers = []
    for code in codes:
        if (row := by_number.get(numbers[code])) is not None:
            answers.append(_answer(code, "certificate_no", [row], public_url, on))
        elif rows := by_mark.get(numbers[code]):
            answers.append(_answer(code, "mark_code", rows, public_url, on))
        elif rows := by_model.get(keys.get(code, "")):
            answers.append(_answer(code, "model", rows, public_url, on))
        else:
            answers.append({"code": code, "found": False, "status": None, "matched_by": None, "matches": []})
    return answers


def _rows(connection: Connection, statements, values: set[str]) -> list[Any]:
    if not values:
        return []
    if len(values) == 1:
        return statements[0].all(connection, value=next(iter(values)))
    return list(connection.execute(statements[1], {"values": list(values)}))


def _answer(code: str, matched_by: str, rows: list[Any], public_url: str, on: date | None) -> dict[str, Any]:
    unique = {row.id: row for row in rows}.values()
    matches = []
    for row in unique:
        status = effective_status(row.admin_status, row.expires_on, on)
        matches.append({
            "certificate_no": row.certificate_no, "kind": row.kind, "brand": row.brand,
            "status": status.code, "status_reason": {"vi": status.reason_vi, "en": status.reason_en},
            "issued_on": row.issued_on.isoformat(),
            "expires_on": row.expires_on.isoformat() if row.expires_on else None,
            "url": f"{public_url}/v/{row.certificate_no}",
        })
    matches.sort(key=lambda m: m["issued_on"], reverse=True)  # newest first ...
    matches = sorted(matches, key=lambda m: STATUS_ORDER[m["status"]])[:MAX_MATCHES]  # ... valid first
    return {"code": code, "found": True, "status": matches[0]["status"], "matched_by": matched_by,
            "matches": matches}

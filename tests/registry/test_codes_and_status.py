from datetime import date

import pytest

from registry.codes import (
    canonical_certificate_no,
    model_key,
    normalise_regulation,
    parse_certificate_no,
)
from registry.status import effective_status


def test_certificate_number_parts():
    parsed = parse_certificate_no(" a0123 150324ae01a2 ")
    assert parsed is not None
    assert (parsed.centre, parsed.sequence, parsed.issued_on, parsed.category) == (
        "A", 123, date(2024, 3, 15), "AE01A2")


@pytest.mark.parametrize("raw", ["A0123310224AE01A2", "D0123150324AE01A2", "A0123150324AE01", "CBHQ-1/2024"])
def test_certificate_number_rejects_impossible_or_other_forms(raw):
    assert parse_certificate_no(raw) is None


def test_canonical_number_and_model_key():
    assert canonical_certificate_no(" c0087 020125af04a2\n") == "C0087020125AF04A2"
    assert model_key("SM-A546E/DS") == model_key("sm a546e ds") == "SMA546EDS"


def test_regulation_normalised():
    assert normalise_regulation("QCVN117:2023/BTTTT")[0] == "QCVN 117:2023/BTTTT"
    assert normalise_regulation("qcvn  18 : 2022 / btttt")[0] == "QCVN 18:2022/BTTTT"
    assert normalise_regulation("ISO 9001") is None


@pytest.mark.parametrize(("admin", "expires", "on", "code"), [
    ("valid", date(2027, 3, 14), date(2026, 1, 1), "valid"),
    ("valid", date(2027, 3, 14), date(2027, 3, 14), "valid"),   # valid through its last day
    ("valid", date(2027, 3, 14), date(2027, 3, 15), "expired"),
    ("valid", None, date(2040, 1, 1), "valid"),
    ("suspended", date(2027, 3, 14), date(2026, 1, 1), "suspended"),
    ("suspended", date(2025, 1, 1), date(2026, 1, 1), "expired"),
    ("revoked", date(2027, 3, 14), date(2026, 1, 1), "revoked"),
    ("withdrawn", date(2020, 1, 1), date(2026, 1, 1), "withdrawn"),
])
def test_effective_status_is_derived_on_the_day(admin, expires, on, code):
    status = effective_status(admin, expires, on)
    assert status.code == code
    assert status.reason_vi and status.reason_en

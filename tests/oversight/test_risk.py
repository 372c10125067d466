"""The ranked list of where to inspect, on a registry whose answer is known."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from registry.access import create_token
from registry.clock import today
from registry.models import Certificate
from registry.oversight_models import CitizenReport, Inspection, ScanCount, Violation
from registry.risk import WEIGHTS, ranked_certificates, scans_outside_holder_provinces
from registry.risk_areas import ranked_holders, ranked_provinces
from tests.helpers import row, write_feed

H1, H2 = ("Công ty Một", "0312345678"), ("Công ty Hai", "0109876543")
NUMBERS = [f"A04121{n}0324AE01A2" for n in range(1, 7)]  # C1..C6, imported in this order (ties: older first)


def registry(engine, tmp_path) -> dict[str, int]:
    """C1 expired and still scanned 100 times this month; C2 named by four open reports and
    one closed; C3 and C4 of a holder with a published violation, sharing one mark code; C5
    scanned 60 times today with no history (a copied QR code); C6 nothing."""
    holders = [H1, H1, H2, H2, H1, H1]
    rows = [row(number, models=f"MODEL-{i}", holder=holder, tax=tax,
                expires="14/03/2025" if i == 0 else "14/03/2029")
            for i, (number, (holder, tax)) in enumerate(zip(NUMBERS, holders, strict=True))]
    assert import_file(engine, write_feed(tmp_path / "feed.csv", rows), ImportOptions(source="qc1")).status == "applied"
    on = today()
    with Session(engine) as session:
        ids = dict(session.execute(select(Certificate.certificate_no, Certificate.id)).all())
        c = [ids[number] for number in NUMBERS]
        session.execute(update(Certificate).where(Certificate.id.in_(c[2:4])).values(mark_code="HQ-0001"))
        session.add_all([ScanCount(certificate_id=c[0], day=on - timedelta(days=d), count=25) for d in range(4)])
        session.add(ScanCount(certificate_id=c[0], day=on - timedelta(days=40), count=5000))  # long ago: not counted
        session.add(ScanCount(certificate_id=c[4], day=on, count=60))
        session.add_all([ScanCount(certificate_id=c[0], day=on - timedelta(days=d), province="Hà Nội", count=25)
                         for d in range(4)])
        for state, province in (("new", "Hà Nội"), ("new", "Hà Nội"), ("investigating", None), ("new", None),
                                ("closed", "Huế")):
            session.add(CitizenReport(code=NUMBERS[1].lower(), problem="không có tem", client_hash="h", state=state,
                                      province=province))
        token = create_token(session, "inspector", "risk test")[0]
        session.add(Inspection(token_id=token.id, inspector="risk test", shop_name="Cửa hàng A", address="1 Lê Lợi",
                               province="Đà Nẵng", inspected_on=on - timedelta(days=20), codes=[NUMBERS[5]],
                               finding="mark_misused"))
        session.add(Inspection(token_id=token.id, inspector="risk test", shop_name="Cửa hàng B", address="2 Lê Lợi",
                               province="Huế", inspected_on=on - timedelta(days=20), codes=[NUMBERS[5]],
                               finding="conforming"))
        session.add(Violation(organisation_name=H2[0], tax_code=H2[1], decision_ref="1/QĐ-XPHC",
                              decision_on=on, violation="dùng sai dấu hợp quy", sanction="phạt tiền",
                              published_by="test"))
        session.commit()
    return dict(zip(NUMBERS, c, strict=True))


def test_the_ranking_of_a_known_registry(engine, tmp_path):
    registry(engine, tmp_path)
    with Session(engine) as session:
        ranked = ranked_certificates(session)
    got = [(t.certificate_no, t.score, t.reasons) for t in ranked]
    assert got == [
        (NUMBERS[0], 12.0, {"scanned_not_valid": 3.0}),  # log10(100) + 1 units of 4
        (NUMBERS[1], 9.0, {"open_reports": 3}),  # four open reports, counted up to three
        (NUMBERS[2], 5.0, {"holder_violations": 1, "shared_mark": 1}),
        (NUMBERS[3], 5.0, {"holder_violations": 1, "shared_mark": 1}),
        (NUMBERS[4], 5.0, {"clone_flag": 1}),
    ]
    assert ranked[2].holder_name == H2[0]
    assert set(WEIGHTS) == {"clone_flag", "open_reports", "scanned_not_valid", "holder_violations", "shared_mark",
                            "earlier_findings", "scans_outside_holder_provinces"}


def test_holders_and_provinces_add_up_what_happened(engine, tmp_path):
    registry(engine, tmp_path)
    with Session(engine) as session:
        holders = [(a.key, a.score, a.reasons) for a in ranked_holders(session)]
        provinces = [(a.key, a.score, a.reasons) for a in ranked_provinces(session)]
    assert holders == [
        # C1's 100 scans while expired (12), C2's four open reports counted up to three (9), C5's copied code (5)
        (H1[1], 26.0, {"clone_flag": 1, "open_reports": 3, "scanned_not_valid": 3.0}),
        (H2[1], 2.0, {"holder_violations": 1}),
    ]
    assert provinces == [
        ("Hà Nội", 18.0, {"open_reports": 2, "scanned_not_valid": 3.0}),  # a closed report in Huế does not count
        ("Đà Nẵng", 2.0, {"earlier_findings": 1}),  # a conforming shop in Huế does not count
    ]


def test_nothing_known_is_an_empty_list(engine, tmp_path):
    write_feed(tmp_path / "feed.csv", [row()])
    assert import_file(engine, tmp_path / "feed.csv", ImportOptions(source="qc1")).status == "applied"
    with Session(engine) as session:
        assert ranked_certificates(session) == [] and ranked_holders(session) == []
        assert ranked_provinces(session) == []


def test_inspectors_ask_for_the_list_over_the_api(feed_registry, client, tokens):
    from tests.oversight.conftest import NUMBERS as FEED_NUMBERS
    from tests.oversight.conftest import bearer

    inspector = bearer(tokens["inspector"])
    assert client.get("/api/v1/targets", headers=inspector).json() == []
    with Session(feed_registry) as session:
        session.add(CitizenReport(code=FEED_NUMBERS[1], problem="tem giả", client_hash="h"))
        session.commit()
    answer = client.get("/api/v1/targets", headers=inspector)
    assert answer.status_code == 200
    assert [(t["certificate_no"], t["score"], t["reasons"]) for t in answer.json()] == [
        (FEED_NUMBERS[1], 3.0, {"open_reports": 1.0})]
    holders = client.get("/api/v1/targets/holders", headers=inspector).json()
    assert [(h["key"], h["score"]) for h in holders] == [("0312345678", 3.0)]
    assert client.get("/api/v1/targets/provinces", headers=inspector).json() == []  # the report named no province
    assert client.get("/api/v1/targets").status_code == 401
    assert client.get("/api/v1/targets", headers=bearer(tokens["importer"])).status_code == 403
    assert client.get("/api/v1/targets", params={"limit": 0}, headers=inspector).status_code == 400


def test_scans_where_the_holder_does_not_sell(engine, tmp_path):
    """H1 sells in Hà Nội (C6 scanned there a month ago). This week C5 is scanned 30 times in
    Cà Mau and 25 in Hà Nội, C6 8 times in Huế (too few): only Cà Mau is news. H2 has no
    history of provinces, so nothing it does this week is outside it."""
    ids = registry(engine, tmp_path)
    on = today()
    with Session(engine) as session:
        session.add(ScanCount(certificate_id=ids[NUMBERS[5]], day=on - timedelta(days=30), province="Hà Nội", count=3))
        session.add(ScanCount(certificate_id=ids[NUMBERS[4]], day=on - timedelta(days=2), province="Cà Mau", count=30))
        session.add(ScanCount(certificate_id=ids[NUMBERS[4]], day=on - timedelta(days=1), province="Hà Nội", count=25))
        session.add(ScanCount(certificate_id=ids[NUMBERS[5]], day=on, province="Huế", count=8))
        session.add(ScanCount(certificate_id=ids[NUMBERS[2]], day=on, province="Cà Mau", count=50))
        session.commit()
        assert scans_outside_holder_provinces(session, on) == {ids[NUMBERS[4]]: ["Cà Mau"]}
        ranked = {t.certificate_no: t for t in ranked_certificates(session)}
    assert ranked[NUMBERS[4]].reasons == {"clone_flag": 1, "scans_outside_holder_provinces": 1}
    assert ranked[NUMBERS[4]].score == 8.0

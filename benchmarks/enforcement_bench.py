"""Enforcement at national scale: the yearly report over 100k inspections on a registry of
1M certificates (target: under 10 s), the ranked list of where to look (target: under 1 s)
and the public statistics, each beside the raw database doing the bare aggregation in the
same run.

    python -m benchmarks.enforcement_bench --rows 1000000 --inspections 100000
    python -m benchmarks.enforcement_bench --rows 1000000 --database-url postgresql://postgres@127.0.0.1/test

The registry (imported once, as ``benchmarks.backup_bench`` does) and the enforcement
records (inserted once, spread over the year) are reused by later runs.
"""

from __future__ import annotations

import argparse
import random
import statistics as stats
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlmodel import Session

from benchmarks.backup_bench import ensure_registry
from public_site.report_files import WRITERS
from registry.access import create_token
from registry.clock import today
from registry.enforcement_models import Conclusion, InspectionPlan, RaisedFlag
from registry.enforcement_report import enforcement_report
from registry.models import Certificate
from registry.oversight_models import CitizenReport, Inspection, ScanCount, StatusDecision
from registry.risk import ranked_certificates
from registry.statistics import statistics
from search.categories import category_clause

PROVINCES = [f"Tỉnh {n:02d}" for n in range(1, 64)]
TEAMS = [f"đoàn {n}" for n in range(1, 21)]
FINDINGS = ["conforming"] * 7 + ["no_certificate", "mark_misused", "suspected_counterfeit", "other"]
METHODS = ["forged_mark", "copied_qr", "relabelled_grey_import", "other_model_certificate",
           "expired_certificate_printed", "no_certificate"]


def ensure_records(engine, inspections: int) -> None:
    """Inspections over the last year, a conclusion for one in twenty, plans, reports, flags,
    decisions and a month of scans; inserted once, in bulk."""
    with Session(engine) as session:
        if session.execute(select(func.count()).select_from(Inspection)).scalar_one() >= inspections:
            return
        started = time.perf_counter()
        rng, end = random.Random(7), today()
        numbers = list(session.execute(select(Certificate.id, Certificate.certificate_no)
                                       .order_by(Certificate.id).limit(200_000)).all())
        token = create_token(session, "admin", "bench")[0]
        plans = [session.execute(insert(InspectionPlan).returning(InspectionPlan.id).values(
            name=f"Kế hoạch {n}", starts_on=end - timedelta(days=365), ends_on=end, provinces=[], categories=[],
            brands=[], holders=[], teams=TEAMS[n % 20:n % 20 + 2], target_shops=[], target_certificates=[],
            created_by="bench")).scalar_one() for n in range(200)]
        rows = []
        for _ in range(inspections):
            picked = rng.sample(numbers, 2)
            rows.append({"token_id": token.id, "inspector": "bench", "team": rng.choice(TEAMS),
                         "shop_name": f"Cửa hàng {rng.randrange(60_000)}", "address": "1",
                         "province": rng.choice(PROVINCES),
                         "inspected_on": end - timedelta(days=rng.randrange(365)), "codes": [p[1] for p in picked],
                         "finding": rng.choice(FINDINGS), "photos": [], "plan_id": rng.choice(plans + [None] * 50)})
        for start in range(0, len(rows), 10_000):
            session.execute(insert(Inspection), rows[start:start + 10_000])
        session.execute(insert(Conclusion), [{
            "organisation_name": f"Cửa hàng {n}", "concluded_on": end - timedelta(days=rng.randrange(365)),
            "decision_ref": f"{n}/QĐ-XPHC", "findings": ["mark_misused"], "legal_decree": "NĐ 14/2017/NĐ-CP",
            "legal_article": "Điều 7", "sanctions": ["fine"], "fine_vnd": rng.randrange(1, 100) * 500_000,
            "certificates": [], "models": [], "methods": rng.sample(METHODS, 2), "decision_ids": [],
            "concluded_by": "bench", "province": rng.choice(PROVINCES)} for n in range(inspections // 20)])
        session.execute(insert(StatusDecision), [{
            "certificate_id": cid, "action": "suspend", "status_after": "suspended", "feed_status": "valid",
            "reason": "bench", "decision_ref": "1/QĐ", "decision_on": end - timedelta(days=rng.randrange(365)),
            "decided_by": "bench"} for cid, _ in rng.sample(numbers, 1000)])
        session.execute(insert(CitizenReport), [{
            "code": rng.choice(numbers)[1], "problem": "nghi hàng giả", "client_hash": "h",
            "state": rng.choice(["new", "investigating", "closed"]), "province": rng.choice(PROVINCES)}
            for _ in range(20_000)])
        session.execute(insert(RaisedFlag), [{"certificate_id": cid, "day": end - timedelta(days=rng.randrange(365)),
                                              "reasons": ["bench"]} for cid, _ in rng.sample(numbers, 2000)])
        scans = {(cid, end - timedelta(days=rng.randrange(30)), p): rng.randrange(1, 50)
                 for cid, _ in rng.sample(numbers, 50_000) for p in ("", rng.choice(PROVINCES))}
        session.execute(insert(ScanCount), [{"certificate_id": c, "day": d, "province": p, "count": n}
                                            for (c, d, p), n in scans.items()])
        session.commit()
        print(f"  inserted {inspections:,} inspections and the rest in {time.perf_counter() - started:.0f} s (once)")


def raw_report(engine, start: date, end: date) -> None:
    """The report's aggregates as bare SQL: what the database alone takes to count them."""
    between = "BETWEEN :start AND :end"
    queries = [f"SELECT team, province, plan_id, finding, count(*) FROM inspection WHERE inspected_on {between} "
               "GROUP BY team, province, plan_id, finding",
               f"SELECT count(DISTINCT shop_name || province) FROM inspection WHERE inspected_on {between}",
               f"SELECT count(*), sum(fine_vnd) FROM conclusion WHERE concluded_on {between}",
               f"SELECT action, count(DISTINCT certificate_id) FROM statusdecision WHERE decision_on {between} "
               "GROUP BY action",
               "SELECT state, count(*) FROM citizenreport GROUP BY state",
               f"SELECT count(DISTINCT certificate_id) FROM raisedflag WHERE day {between}"]
    with engine.connect() as connection:
        for query in queries:
            connection.execute(text(query), {"start": start, "end": end}).all()


def raw_signals(engine, on: date) -> None:
    """The ranked list's signals as bare SQL (reports, scans while not valid, shared marks)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT code, count(*) FROM citizenreport WHERE state IN ('new', 'investigating') "
                                "GROUP BY code")).all()
        connection.execute(text("SELECT s.certificate_id, sum(s.count) FROM scancount s JOIN certificate c "
                                "ON c.id = s.certificate_id WHERE s.day > :since AND s.province = '' AND "
                                "(c.admin_status != 'valid' OR c.expires_on < s.day) GROUP BY s.certificate_id"),
                           {"since": on - timedelta(days=30)}).all()
        connection.execute(text("SELECT id FROM certificate WHERE mark_code IN (SELECT mark_code FROM certificate "
                                "WHERE mark_code IS NOT NULL AND mark_code != '' GROUP BY mark_code "
                                "HAVING count(*) > 1)")).all()


def timed(work, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return seconds


def line(name: str, ours: list[float], raw: list[float] | None = None) -> None:
    text_ = f"  {name:<34} ours {' / '.join(f'{s:.2f}' for s in ours)} s"
    if raw:
        text_ += f"   raw {' / '.join(f'{s:.2f}' for s in raw)} s   ratio {stats.median(ours) / stats.median(raw):.1f}x"
    print(text_)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--inspections", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--work", type=Path, default=Path("var/backup-bench"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{args.work.resolve() / 'registry.sqlite3'}"
    engine = ensure_registry(url, args.work, args.rows)
    ensure_records(engine, args.inspections)
    end = today()
    start = end - timedelta(days=364)
    print(f"{engine.dialect.name}: {args.rows:,} certificates, {args.inspections:,} inspections")

    def report(fmt: str | None):
        def run() -> None:
            with Session(engine) as session:
                made = enforcement_report(session, start, end, "Cục Viễn thông")
            if fmt:
                WRITERS[fmt](made)
        return run

    raw = timed(lambda: raw_report(engine, start, end), args.runs)
    line("report for the year (figures)", timed(report(None), args.runs), raw)
    for fmt in WRITERS:
        line(f"report for the year, {fmt}", timed(report(fmt), args.runs), raw)

    def ranked(**filters):
        def run() -> None:
            with Session(engine) as session:
                ranked_certificates(session, limit=100, **filters)
        return run

    raw = timed(lambda: raw_signals(engine, end), args.runs)
    line("ranked list, first call", timed(ranked(), 1))
    line("ranked list (100)", timed(ranked(), args.runs), raw)
    line("ranked list, province + phones", timed(ranked(province=PROVINCES[3], where=category_clause("phone")),
                                                 args.runs), raw)

    def figures() -> None:
        with Session(engine) as session:
            statistics(session)

    line("public statistics, first call", timed(figures, 1))
    line("public statistics, kept", timed(figures, args.runs))


if __name__ == "__main__":
    main()

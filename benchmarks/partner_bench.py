"""Marketplaces at national scale, on the 1M registry of ``benchmarks.backup_bench``:

1. a listing check of 500 listings (target: p50 under 150 ms), served over HTTP and as the
   bare function, beside the same lookups as bare SQL;
2. how long a change takes to reach a webhook receiver while an import of 100k rows runs
   (target: p99 under 2 s), beside the same decision's own API call;
3. the scan page's throughput with 1,000 webhook endpoints in place and with none, served
   and loaded by wrk in rounds taking turns (target: less than 5% apart).

    python -m benchmarks.partner_bench --rows 1000000
    python -m benchmarks.partner_bench --rows 1000000 --database-url postgresql+psycopg://postgres@127.0.0.1/hopquy_bench
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from sqlalchemy import delete, insert, or_, select, text
from sqlmodel import Session

from benchmarks.backup_bench import ensure_registry
from benchmarks.feedgen import write_csv
from benchmarks.measure import has_wrk, served, wrk
from registry.access import create_token
from registry.clock import today, utcnow
from registry.codes import model_key
from registry.models import Certificate, CertificateModel
from registry.partner_models import WebhookDelivery, WebhookEndpoint
from search.listing_check import Listing, check_listings

LISTINGS = 500


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def sample_listings(engine, rng: random.Random) -> list[dict]:
    """500 listings as sellers type them: numbers exact and with a slip, model codes, brands
    right and wrong, and codes that name nothing."""
    with Session(engine) as session:
        top = session.execute(select(Certificate.id).order_by(Certificate.id.desc()).limit(1)).scalar_one()
        ids = rng.sample(range(1, top), LISTINGS * 2)
        rows = session.execute(select(Certificate.id, Certificate.certificate_no, Certificate.brand,
                                      CertificateModel.model_code)
                               .join(CertificateModel, CertificateModel.certificate_id == Certificate.id)
                               .where(Certificate.id.in_(ids), CertificateModel.position == 0)).all()
    listings = []
    for n, row in enumerate(rows[:LISTINGS]):
        kind = n % 10
        code = row.certificate_no
        if kind == 7:  # one character wrong
            code = code[:-1] + ("3" if code[-1] != "3" else "4")
        elif kind == 8:
            code = row.model_code.lower().replace("-", " ")
        elif kind == 9:
            code = f"X{rng.randrange(10**9)}"
        brand = row.brand if kind != 6 else "Nokla"
        listings.append({"listing_id": str(n), "shop_id": f"shop{rng.randrange(5000)}", "code": code,
                         "brand": brand, "model": row.model_code, "title": f"{row.brand} {row.model_code} chính hãng"})
    return listings


def raw_lookups(engine, listings: list[dict]) -> None:
    """The listing check's lookups as bare SQL, one indexed query each: numbers, mark codes,
    model keys, then the rows and models of what they found."""
    numbers = [item["code"].upper() for item in listings]
    keys = sorted({model_key(item["model"]) for item in listings} | {model_key(item["code"]) for item in listings})
    with engine.connect() as connection:
        found = connection.execute(select(Certificate.id).where(
            Certificate.certificate_no.in_(numbers))).scalars().all()
        found += connection.execute(select(Certificate.id).where(Certificate.mark_code.in_(numbers))).scalars().all()
        found += connection.execute(select(CertificateModel.certificate_id).where(
            CertificateModel.model_key.in_(keys))).scalars().all()
        connection.execute(select(Certificate.id, Certificate.brand, Certificate.admin_status)
                           .where(Certificate.id.in_(found))).all()
        connection.execute(select(CertificateModel.certificate_id, CertificateModel.model_code)
                           .where(CertificateModel.certificate_id.in_(found))).all()


class Receiver:
    """A partner's receiver: when each (certificate, status) arrived."""

    def __init__(self) -> None:
        self.arrived: dict[tuple[str, str], float] = {}
        arrived = self.arrived

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                event = json.loads(self.rfile.read(int(self.headers["content-length"])))
                arrived.setdefault((event["certificate_no"], event["status"]), time.perf_counter())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def settled(base: str) -> None:
    """Waits for the server's start-up work (the open-data files of the whole registry), so
    that it does not share the two cores with what is measured."""
    for name in ("certificates.csv", "certificates.jsonl"):
        with httpx.stream("GET", f"{base}/open-data/{name}", timeout=900) as answer:
            answer.raise_for_status()  # the headers come once the file is written


def watched_numbers(engine, count: int, rng: random.Random) -> list[str]:
    with Session(engine) as session:
        top = session.execute(select(Certificate.id).order_by(Certificate.id.desc()).limit(1)).scalar_one()
        return list(session.execute(select(Certificate.certificate_no).where(
            Certificate.id.in_(rng.sample(range(1, top), count)), Certificate.admin_status == "valid",
            or_(Certificate.expires_on.is_(None), Certificate.expires_on > today()))).scalars())


def webhook_latency(engine, url: str, admin: str, partner: str, numbers: list[str], work: Path,
                    database_url: str, seed: int) -> None:
    receiver = Receiver()
    made = httpx.post(f"{url}/api/v1/webhooks", headers={"Authorization": f"Bearer {partner}"},
                      json={"url": receiver.url, "watch": {"certificates": numbers}}, timeout=30)
    made.raise_for_status()
    feed = write_csv(work / f"feed-100k-{seed}.csv", 100_000, seed=seed)
    script = ("import sys; from registry.db import make_engine; from importer.run import ImportOptions, import_file;"
              "print(import_file(make_engine(sys.argv[1]), sys.argv[2], ImportOptions(source='bench')).status)")
    started = time.perf_counter()
    importer = subprocess.Popen([sys.executable, "-c", script, database_url, str(feed)], stdout=subprocess.PIPE)
    changes: list[tuple[str, str, float, float]] = []  # number, status, API call seconds, answered at
    client = httpx.Client(headers={"Authorization": f"Bearer {admin}"}, timeout=120)
    position = 0
    while importer.poll() is None or time.perf_counter() - started < 5:
        number = numbers[position % len(numbers)]
        action, status = ("suspend", "suspended") if (position // len(numbers)) % 2 == 0 else ("reinstate", "valid")
        position += 1
        asked = time.perf_counter()
        answer = client.post(f"{url}/api/v1/decisions", json={
            "certificate_no": number, "action": action, "reason": "đo thời gian", "decision_ref": "1/BENCH",
            "decision_on": today().isoformat()})
        if answer.status_code == 201:
            changes.append((number, status, time.perf_counter() - asked, time.perf_counter()))
        time.sleep(0.25)
    import_seconds = time.perf_counter() - started
    print(f"  the import of 100k rows: {importer.communicate()[0].decode().strip()} ({import_seconds:.0f} s, "
          f"decisions kept coming 5 s after it)")
    deadline = time.perf_counter() + 120
    while time.perf_counter() < deadline and any((n, s) not in receiver.arrived for n, s, _, _ in changes):
        time.sleep(0.1)
    lags = [receiver.arrived[(n, s)] - at for n, s, _, at in changes if (n, s) in receiver.arrived]
    calls = [c for _, _, c, _ in changes]
    print(f"  {len(changes)} decisions on watched certificates; {len(lags)} arrived, none lost: "
          f"{len(lags) == len(changes)}")
    if lags:
        print(f"  change to receiver: p50 {pct(lags, 50) * 1000:.0f} ms, p99 {pct(lags, 99) * 1000:.0f} ms, "
              f"max {max(lags) * 1000:.0f} ms   (the decision's API call itself: p50 {pct(calls, 50) * 1000:.0f} ms, "
              f"p99 {pct(calls, 99) * 1000:.0f} ms)")
    receiver.server.shutdown()


def watches(engine, token_id: int, numbers: list[str], count: int) -> None:
    """``count`` endpoints of ten certificates each (a partner's limit does not apply here)."""
    with Session(engine) as session:
        session.execute(insert(WebhookEndpoint), [{
            "token_id": token_id, "url": f"https://hooks.example.vn/{n}", "secret": "whsec_AAAA", "watch_all": False,
            "certificates": numbers[n * 10 % len(numbers):][:10], "holders": [], "attempts": 0,
            "created_at": utcnow()} for n in range(count)])
        session.commit()


def no_watches(engine) -> None:
    with Session(engine) as session:
        session.execute(delete(WebhookDelivery))
        session.execute(delete(WebhookEndpoint))
        session.execute(text("DELETE FROM webhookoutbox"))
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--work", type=Path, default=Path("var/backup-bench"))
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--no-scan", action="store_true", help="leave out the scan page's throughput (part 3)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{args.work.resolve() / 'registry.sqlite3'}"
    engine = ensure_registry(url, args.work, args.rows)
    no_watches(engine)
    rng = random.Random(11)
    listings = sample_listings(engine, rng)
    with Session(engine) as session:
        admin = create_token(session, "admin", "bench admin")[1]
        partner_token, partner = create_token(session, "partner", "bench partner")
        session.commit()
        partner_id = partner_token.id
    print(f"{engine.dialect.name}: {args.rows:,} certificates")

    items = [Listing(**item) for item in listings]
    bare = []
    for _ in range(args.calls):
        with engine.connect() as connection:
            started = time.perf_counter()
            answers = check_listings(connection, items, "http://bench")
            bare.append(time.perf_counter() - started)
    raw = []
    for _ in range(args.calls):
        started = time.perf_counter()
        raw_lookups(engine, listings)
        raw.append(time.perf_counter() - started)
    verdicts = statistics.multimode(a["verdict"] for a in answers)
    env = {"HOPQUY_DATABASE_URL": url, "HOPQUY_RATE_LIMIT": "0", "HOPQUY_WEBHOOKS_ALLOW_HTTP": "1"}
    with tempfile.TemporaryDirectory() as tmp, served(Path(tmp) / "app", env) as base:
        settled(base)
        client = httpx.Client(headers={"Authorization": f"Bearer {partner}"}, timeout=60)
        client.post(f"{base}/api/v1/listings/check", json={"listings": listings}).raise_for_status()  # warm
        http = []
        for _ in range(args.calls):
            started = time.perf_counter()
            client.post(f"{base}/api/v1/listings/check", json={"listings": listings}).raise_for_status()
            http.append(time.perf_counter() - started)
        print(f"  listing check of {LISTINGS} (most: {verdicts}): served p50 {pct(http, 50) * 1000:.0f} ms, "
              f"p90 {pct(http, 90) * 1000:.0f} ms; the function p50 {pct(bare, 50) * 1000:.0f} ms; "
              f"raw SQL lookups p50 {pct(raw, 50) * 1000:.0f} ms")
        numbers = watched_numbers(engine, 3000, rng)[:1000]
        webhook_latency(engine, base, admin, partner, numbers[:200], Path(tmp), url, seed=rng.randrange(100, 10**6))
    no_watches(engine)
    if args.no_scan:
        return
    if not has_wrk():
        print("  (wrk is not installed: the scan page's throughput is not measured)")
        return
    scan = [f"/v/{n}" for n in numbers]
    with tempfile.TemporaryDirectory() as tmp, served(Path(tmp) / "app", env) as base:
        settled(base)
        wrk(base, scan, 2, Path(tmp))
        rates = {"none": [], "1,000 endpoints": []}
        for _ in range(args.rounds):
            for name in rates:
                no_watches(engine)
                if name != "none":
                    watches(engine, partner_id, numbers, 1000)
                time.sleep(1)  # a webhook round or two sees them
                rates[name].append(wrk(base, scan, args.seconds, Path(tmp))["rps"])
        no_watches(engine)
    for name, values in rates.items():
        print(f"  scan page with {name:<16} {' / '.join(f'{v:,.0f}' for v in values)} req/s")
    ratios = [b / a for a, b in zip(rates["none"], rates["1,000 endpoints"], strict=True)]
    print(f"  with / without, round by round: {' / '.join(f'{r:.3f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()

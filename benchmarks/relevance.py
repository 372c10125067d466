"""Relevance benchmark: does search find the device from what people type?

    python -m benchmarks.relevance                       # 40,000 generated certificates
    python -m benchmarks.relevance --database-url sqlite:///var/bench/bench.db   # e.g. the 1M registry

Builds (or reuses) a registry, indexes it in a Meilisearch of its own through the outbox,
then asks more than a thousand queries of ten kinds through the same function the API
uses, and prints the share of each kind whose right answer came within its rank. Real
brand and model strings come from ``../shared/data`` when it is there.
"""

from __future__ import annotations

import argparse
import bisect
import random
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from benchmarks.feedgen import write_csv
from benchmarks.measure import meilisearch_for
from benchmarks.relevance_queries import TARGETS, Query, make_queries
from importer.run import ImportOptions, import_file
from registry.codes import canonical_certificate_no, model_key
from registry.db import make_engine
from registry.devices import device_key
from registry.migrate import upgrade
from registry.models import Certificate
from registry.snapshots import load_records
from search.client import SearchIndex, SearchTarget
from search.drain import drain, queue_everything
from search.query import search_certificates
from search.request import SearchParams
from search.slips import number_neighbours, slip_likelihood

SLIP, TYPED = "certificate number with a slip", "code typed as you go"
# kinds also counted by device: found when any certificate of the device meant is in the top 10
BY_DEVICE = ("brand + trade name", "trade name alone", "Vietnamese words + trade name", "model among listing words",
             TYPED)  # a code typed in part is answered by its device; its variant once the "/" is typed
DEVICE_RANK, DEVICE_TARGET = 10, 0.98
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SAMPLE_FEED = Path(__file__).resolve().parents[1] / "importer" / "samples" / "sample-feed.csv"


def build_registry(work: Path, certificates: int) -> Engine:
    feed = work / f"relevance-{certificates}.csv"
    if not feed.exists():
        write_csv(feed, certificates, seed=3, shared=SHARED if SHARED.exists() else None)
    return imported(work / f"relevance-{certificates}.db", feed, "relevance")


def sample_registry(work: Path) -> Engine:
    """The sample registry (the feed ``hopquy serve --sample-if-empty`` loads), in ``work``."""
    return imported(work / "sample.db", SAMPLE_FEED, "sample")


def imported(database: Path, feed: Path, source: str) -> Engine:
    """The SQLite registry ``database``, ``feed`` imported into it the first time."""
    fresh = not database.exists()
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    if fresh:
        result = import_file(engine, feed, ImportOptions(source=source))
        assert result.status == "applied", result.as_dict()["problems"][:3]
    return engine


def all_records(engine: Engine) -> list:
    with Session(engine) as session:
        ids = session.execute(select(Certificate.id).order_by(Certificate.id)).scalars().all()
        records = []
        for start in range(0, len(ids), 20_000):
            records.extend(load_records(session, ids[start : start + 20_000]).values())
    return records


def slip_neighbourhoods(records: list, queries: list[Query]) -> list[tuple[Query, str, set[str], bool]]:
    """Each slipped number's query, the number as typed (canonical), the real numbers one
    slip away from it, and whether the typed number is itself real."""
    existing = {record.certificate_no for record in records}
    out = []
    for query in (q for q in queries if q.kind == SLIP):
        typed = canonical_certificate_no(query.text)
        out.append((query, typed, {n for n in number_neighbours(typed) if n in existing}, typed in existing))
    return out


def ambiguous_slips(neighbourhoods: list[tuple[Query, str, set[str], bool]]) -> set[Query]:
    """Slipped numbers for which more than ``rank`` real certificates are one slip away."""
    return {query for query, _, near, real in neighbourhoods if len(near) + real > query.rank}


def order_slip_share(neighbourhoods: list[tuple[Query, str, set[str], bool]], tops: dict[Query, list[str]]) -> float:
    """The share of slipped numbers that the search's own order finds in its top 3, on average
    over which real number was meant (as ``best_slip_share`` weighs them): what the order is
    worth, without the luck of which of the equally near numbers this sample happened to mean."""
    shares = []
    for query, typed, near, _ in neighbourhoods:
        if not query.expected <= near:
            shares.append(1.0)
            continue
        weights = {n: slip_likelihood(typed, n) for n in near}
        shares.append(sum(weights.get(n, 0) for n in set(tops.get(query, [])[:query.rank])) / sum(weights.values()))
    return sum(shares) / len(shares) if shares else 1.0


def best_slip_share(neighbourhoods: list[tuple[Query, str, set[str], bool]]) -> float:
    """The share of slipped numbers that the best possible order would find in its top 3,
    on average: the meant number is one of the real numbers one slip away, each as likely
    as ``slip_likelihood`` says (every certificate equally likely to be looked up), and a
    typed number that is itself real takes the first place. Ten certificates issued the same
    day by the same centre, one digit apart, cannot all come first."""
    shares = []
    for query, typed, near, real in neighbourhoods:
        if not query.expected <= near:  # a slip the model does not know: count it as found
            shares.append(1.0)
            continue
        weights = sorted((slip_likelihood(typed, n) for n in near), reverse=True)
        shares.append(sum(weights[:query.rank - real]) / sum(weights))
    return sum(shares) / len(shares) if shares else 1.0


def ambiguous_prefixes(records: list, queries: list[Query]) -> set[Query]:
    """Half-typed codes whose beginning ``rank`` or more other certificates share too."""
    keys = sorted((model_key(code), record.certificate_no) for record in records for code in record.models)
    out = set()
    for query in queries:
        if query.kind == TYPED:
            typed = model_key(query.text)
            others: set[str] = set()
            for key, number in keys[bisect.bisect_left(keys, (typed, "")):]:
                if not key.startswith(typed) or len(others) >= query.rank:
                    break
                if number not in query.expected:
                    others.add(number)
            if len(others) >= query.rank:
                out.add(query)
    return out


def index_everything(engine: Engine, index: SearchIndex, keep: bool = False) -> None:
    """Index the whole registry; ``keep``: unless the index already holds as many documents
    as the registry has certificates (a kept index of an earlier run, ``--keep-index``)."""
    index.ensure()
    if keep:
        with engine.connect() as connection:
            certificates = connection.execute(select(func.count()).select_from(Certificate)).scalar_one()
        if index.index.get_stats().number_of_documents == certificates:
            return
    queue_everything(engine)
    drain(engine, index)


def evaluate(engine: Engine, index: SearchIndex, queries: list[Query],
             devices: dict[str, str]) -> tuple[dict, dict, dict]:
    """Each query searched as the API searches it: per kind, how many found a right answer
    within their rank, and for ``BY_DEVICE`` kinds how many found the device meant (any of its
    certificates, ``devices``: number → device key) in the top ``DEVICE_RANK``."""
    passed, asked, by_device, failures = defaultdict(int), defaultdict(int), defaultdict(int), []
    tops: dict[Query, list[str]] = {}
    empty = 0
    for query in queries:
        body = search_certificates(engine, index, SearchParams(q=query.text, per_page=10))
        numbers = [hit["certificate_no"] for hit in body["hits"]]
        asked[query.kind] += 1
        if any(n in query.expected for n in numbers[: query.rank]):
            passed[query.kind] += 1
        else:
            failures.append((query, numbers[:3]))
        if query.kind == SLIP:
            tops[query] = numbers
        if query.kind in BY_DEVICE:
            meant = {devices[n] for n in query.expected}
            by_device[query.kind] += any(devices.get(n) in meant for n in numbers[:DEVICE_RANK])
        empty += not numbers
    return passed, asked, {"empty": empty, "failures": failures, "by_device": by_device, "tops": tops}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--certificates", type=int, default=40_000)
    parser.add_argument("--database-url", help="reuse a registry instead of generating one")
    parser.add_argument("--sample", type=int, default=150, help="certificates to make queries from")
    parser.add_argument("--work", type=Path, default=Path("var/bench"))
    parser.add_argument("--show", type=int, default=3, help="failed queries shown per kind")
    parser.add_argument("--keep-index", action="store_true",
                        help="reuse the index of an earlier run over the same registry (same documents)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    engine = make_engine(args.database_url) if args.database_url else build_registry(args.work, args.certificates)
    records = all_records(engine)
    queries = make_queries(records, args.sample)
    random.Random(1).shuffle(queries)
    with meilisearch_for(args.work / "relevance", keep=args.keep_index) as (url, key):
        index = SearchIndex(SearchTarget(url, key, "relevance"), timeout=30)
        started = time.perf_counter()
        index_everything(engine, index, keep=args.keep_index)
        print(f"indexed {len(records):,} certificates in {time.perf_counter() - started:.0f} s")
        passed, asked, extra = evaluate(engine, index, queries, {r.certificate_no: device_key(r) for r in records})
    print(f"\nrelevance, {len(records):,} certificates, {len(queries):,} queries")
    for kind, (rank, target) in TARGETS.items():
        if asked[kind]:
            share = passed[kind] / asked[kind]
            mark = "met" if share >= target else "MISSED"
            print(f"  {kind:<36} top {rank:<2}  {share:7.1%}  of {asked[kind]:>4}  (target {target:.1%}: {mark})")
    print(f"  {'queries with an answer but no hits':<36}         {extra['empty']:>7}  (target 0)")
    print(f"  by device: any certificate of the device meant in the top {DEVICE_RANK}")
    for kind in BY_DEVICE:
        if asked[kind]:
            share = extra["by_device"][kind] / asked[kind]
            mark = "met" if share >= DEVICE_TARGET else "MISSED"
            print(f"    {kind:<34} top {DEVICE_RANK:<2}  {share:7.1%}  of {asked[kind]:>4}  "
                  f"(target {DEVICE_TARGET:.1%}: {mark})")
    # queries with more equally good answers than places: no order can be right every time
    slips = slip_neighbourhoods(records, queries)
    for kind, ambiguous, meaning in (
            (SLIP, ambiguous_slips(slips), "more than 3 real certificates one slip away"),
            (TYPED, ambiguous_prefixes(records, queries), "a beginning that 10 or more other certificates share")):
        missed = [q for q, _ in extra["failures"] if q.kind == kind]
        print(f"  {kind}: {len(ambiguous)} of {asked[kind]} have {meaning}; "
              f"misses among those {sum(q in ambiguous for q in missed)}, among the others "
              f"{sum(q not in ambiguous for q in missed)}")
    print(f"  {SLIP}: the best any order can reach here is {best_slip_share(slips):.1%}; the search's order "
          f"reaches {order_slip_share(slips, extra['tops']):.1%} (both on average over the number meant; "
          "the share above is this sample's)")
    shown: dict[str, int] = defaultdict(int)
    for query, top in extra["failures"]:
        if shown[query.kind] < args.show:
            shown[query.kind] += 1
            print(f"    missed [{query.kind}] {query.text!r}: got {top}, wanted one of {sorted(query.expected)[:3]}")


if __name__ == "__main__":
    main()

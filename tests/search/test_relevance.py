"""A small relevance set of the project's own (the sample registry): guards against regressions.

The benchmark (``python -m benchmarks.relevance``) asks the same kinds of queries over 40,000
and a million certificates; here every kind must still reach its target on the sample.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlmodel import Session, select

from benchmarks.relevance_queries import TARGETS, make_queries
from registry.models import Certificate
from registry.snapshots import load_records
from search.query import search_certificates
from search.request import SearchParams


@pytest.fixture
def sample_records(sample_registry):
    with Session(sample_registry) as session:
        ids = session.exec(select(Certificate.id)).all()
        return list(load_records(session, ids).values())


def test_every_kind_of_query_reaches_its_target(sample_registry, sample_index, sample_records, database_url):
    if "postgresql" in database_url:
        pytest.skip("relevance does not depend on the database; once is enough")
    engine, index = sample_registry, sample_index
    queries = make_queries(sample_records, sample=80)
    assert len(queries) >= 500
    passed, asked, misses, empty = defaultdict(int), defaultdict(int), [], 0
    for query in queries:
        hits = search_certificates(engine, index, SearchParams(q=query.text, per_page=10))["hits"]
        numbers = [hit["certificate_no"] for hit in hits]
        empty += not numbers
        asked[query.kind] += 1
        if any(n in query.expected for n in numbers[: query.rank]):
            passed[query.kind] += 1
        else:
            misses.append(f"[{query.kind}] {query.text!r} -> {numbers[:3]}")
    report = {kind: f"{passed[kind]}/{asked[kind]}" for kind in asked}
    assert empty == 0, misses[:10]
    for kind, (_, target) in TARGETS.items():
        assert asked[kind], f"no {kind} queries"
        assert passed[kind] / asked[kind] >= target, (report, [m for m in misses if kind in m][:5])

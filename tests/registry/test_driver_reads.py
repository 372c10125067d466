"""The scan page's lookups on the raw cursor read exactly what ``Connection.execute`` reads."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from registry.db import is_postgres
from registry.driver_reads import DriverQuery
from registry.loop_reader import LoopReader
from registry.models import Certificate
from registry.queries import BY_NUMBER, certificate_row
from registry.snapshots import CHILDREN_OF_ONE, FEW_CHILDREN, children_of, load_few, load_records
from tests.helpers import row, write_feed


@pytest.fixture
def registry(engine, tmp_path):
    feed = write_feed(tmp_path / "feed.csv", [
        row(),
        row("B0001010125AF04A2", models="RT-AX58U", expires="", status="Thu hồi", brand="ASUS",
            regulations="QCVN 54:2020/BTTTT"),
    ])
    import_file(engine, feed, ImportOptions(source="qc1"))
    return engine


def test_rows_equal_what_execute_reads_with_the_same_names_and_types(registry):
    with registry.connect() as connection:
        for number in ("A0412150324AE01A2", "B0001010125AF04A2"):
            expected = connection.execute(BY_NUMBER.statement, {"number": number}).one()
            got = BY_NUMBER.first(connection, number=number)
            assert got._fields == expected._fields
            assert tuple(got) == tuple(expected)
            assert type(got.issued_on) is type(expected.issued_on)  # a date, not SQLite's text
            assert got.updated_at == expected.updated_at and got.updated_at.tzinfo is not None
            children = [tuple(r) for r in connection.execute(CHILDREN_OF_ONE.statement, {"id": got.id})]
            assert [tuple(r) for r in CHILDREN_OF_ONE.all(connection, id=got.id)] == children
        first = certificate_row(connection, "a0412 150324ae01a2")  # any case and spacing
        assert first.brand == "Samsung" and first.expires_on.isoformat() == "2027-03-14"
        assert children_of(connection, first.id) == (
            ["SM-A546E", "SM-A546E/DS"], ["QCVN 117:2023/BTTTT", "QCVN 18:2022/BTTTT"])
        second = certificate_row(connection, "B0001010125AF04A2")
        assert second.expires_on is None and second.admin_status == "revoked"
        assert certificate_row(connection, "Z9999") is None


def test_an_in_list_is_spelled_out_for_each_length(registry):
    query = DriverQuery(select(Certificate.certificate_no, Certificate.issued_on)
                        .where(Certificate.certificate_no.in_(bindparam("values", expanding=True)))
                        .order_by(Certificate.certificate_no))
    with registry.connect() as connection:
        for values in (["A0412150324AE01A2"], ["B0001010125AF04A2", "A0412150324AE01A2", "Z9999"], ["Z9999"]):
            expected = [tuple(r) for r in connection.execute(query.statement, {"values": values})]
            assert [tuple(r) for r in query.all(connection, values=values)] == expected
        assert len(query.all(connection, values=["B0001010125AF04A2", "A0412150324AE01A2"])) == 2


def test_a_list_used_twice_in_one_statement_reads_what_execute_reads(registry):
    """A search's pins read a few certificates' models and regulations in one UNION, whose two
    halves take the same ids: the list is spelled out in both, for each length."""
    with Session(registry) as session:
        ids = list(session.execute(select(Certificate.id).order_by(Certificate.id)).scalars())
        connection = session.connection()
        for asked in (ids, ids[:1], ids[1:], [*ids, 999_999], [999_999]):
            expected = [tuple(r) for r in connection.execute(FEW_CHILDREN.statement, {"ids": asked})]
            assert [tuple(r) for r in FEW_CHILDREN.all(connection, ids=asked)] == expected
        assert len(expected) == 0 and len(FEW_CHILDREN.all(connection, ids=ids)) == 6  # 3 models, 3 regulations
        assert load_few(connection, ids) == load_records(session, ids)


def test_the_sql_spelled_out_once_per_length_reads_each_calls_own_values(registry):
    """The SQL is kept per set of list lengths: later calls of the same lengths, with other
    values, empty lists and a date among the values, still read what ``execute`` reads."""
    query = DriverQuery(select(Certificate.certificate_no)
                        .where(Certificate.certificate_no.in_(bindparam("numbers", expanding=True)))
                        .where(Certificate.brand.in_(bindparam("brands", expanding=True)))
                        .where(Certificate.issued_on >= bindparam("since"))
                        .order_by(Certificate.certificate_no))
    both = ["A0412150324AE01A2", "B0001010125AF04A2"]
    calls = [(both, ["Samsung", "ASUS"], date(2020, 1, 1)), (both, ["ASUS", "Nokia"], date(2020, 1, 1)),
             (["Z9999", "A0412150324AE01A2"], ["Samsung", "ASUS"], date(2020, 1, 1)),
             (both, ["Samsung", "ASUS"], date(2030, 1, 1)), ([], ["Samsung"], date(2020, 1, 1)),
             (both, [], date(2020, 1, 1)), (both[:1], ["Samsung"], date(2020, 1, 1))]
    with registry.connect() as connection:
        for numbers, brands, since in calls:
            params = {"numbers": numbers, "brands": brands, "since": since}
            expected = [tuple(r) for r in connection.execute(query.statement, params)]
            assert [tuple(r) for r in query.all(connection, **params)] == expected, params
        assert [r.certificate_no for r in query.all(connection, numbers=both, brands=["ASUS", "Nokia"],
                                                     since=date(2020, 1, 1))] == ["B0001010125AF04A2"]


def test_it_reads_inside_the_callers_transaction(registry):
    with registry.connect() as connection, connection.begin() as transaction:
        connection.execute(text("UPDATE certificate SET brand = 'Changed' WHERE certificate_no = 'A0412150324AE01A2'"))
        assert certificate_row(connection, "A0412150324AE01A2").brand == "Changed"
        transaction.rollback()
    with registry.connect() as connection:
        assert certificate_row(connection, "A0412150324AE01A2").brand == "Samsung"


def test_a_database_error_is_reported_as_sqlalchemy_reports_it(registry):
    broken = DriverQuery(select(Certificate.id).where(Certificate.id == bindparam("id")).where(
        text("no_such_column = 1")))
    with registry.connect() as connection, pytest.raises(DBAPIError) as caught:
        broken.all(connection, id=1)
    assert not caught.value.connection_invalidated and "no_such_column" in str(caught.value)


def test_a_scan_on_a_connection_the_database_dropped_is_retried_on_a_fresh_one(registry):
    if not is_postgres(registry):
        pytest.skip("SQLite has no server to drop the connection")
    reader = LoopReader(registry)

    def scan(connection) -> tuple[int, str]:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        return pid, certificate_row(connection, "A0412150324AE01A2").brand

    async def on_the_loop() -> tuple[tuple[int, str], tuple[int, str]]:
        first = reader.read(scan)
        with registry.connect() as admin:  # as a database restart or failover would
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first[0]})
        # the kept connection is dead: the driver query must say so, and the read start over
        return first, reader.read(lambda connection: (0, certificate_row(connection, "A0412150324AE01A2").brand))

    first, second = asyncio.run(on_the_loop())
    assert first[1] == second[1] == "Samsung"
    reader.close()

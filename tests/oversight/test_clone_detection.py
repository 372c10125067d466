"""Clone detection on synthetic scan streams: jumps above a certificate's own history, spread."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from public_site.pages import province_stamp
from registry.models import Certificate
from registry.oversight_models import ScanCount
from registry.scans import JUMP_MINIMUM, ScanCounter, flagged
from tests.oversight.conftest import NUMBERS, bearer

DAY = date(2026, 11, 20)


def ids(engine) -> dict[str, int]:
    with Session(engine) as session:
        return dict(session.execute(select(Certificate.certificate_no, Certificate.id)).all())


def stream(
    engine,
    counter: ScanCounter,
    certificate_id: int,
    per_day: list[int],
    last: date = DAY,
    provinces: list[str] | None = None,
) -> None:
    """``per_day[-1]`` scans on ``last``, the ones before on the days before it."""
    for offset, count in enumerate(reversed(per_day)):
        for i in range(count):
            province = provinces[i % len(provinces)] if provinces else None
            counter.record(certificate_id, None, last - timedelta(days=offset))
            if province:
                counter.record(certificate_id, province, last - timedelta(days=offset))
    counter.flush(engine)


def flagged_numbers(engine, on=DAY) -> dict[str, list[str]]:
    with Session(engine) as session:
        return {f.certificate_no: f.reasons for f in flagged(session, on)}


def test_counts_flushed_round_after_round_add_up_on_their_own_rows(feed_registry):
    """Each flush writes all its rows at once, adding to the rows earlier flushes wrote."""
    counter, cid = ScanCounter(), ids(feed_registry)
    for round_ in (1, 2, 3):
        for n, number in enumerate(NUMBERS):
            for _ in range(round_ * (n + 1)):
                counter.record(cid[number], None, DAY)
                counter.record(cid[number], "Hà Nội", DAY)
            counter.record(cid[number], "Đà Nẵng", DAY - timedelta(days=round_))
        assert counter.flush(feed_registry) == 3 * 3
    assert counter.flush(feed_registry) == 0  # nothing left over
    with Session(feed_registry) as session:
        rows = {(r.certificate_id, r.day, r.province): r.count for r in session.execute(select(ScanCount)).scalars()}
    assert len(rows) == 3 * (2 + 3)
    for n, number in enumerate(NUMBERS):
        assert rows[cid[number], DAY, ""] == rows[cid[number], DAY, "Hà Nội"] == 6 * (n + 1)
        assert all(rows[cid[number], DAY - timedelta(days=d), "Đà Nẵng"] == 1 for d in (1, 2, 3))


def test_steady_scans_and_a_busy_but_normal_day_are_not_flagged(feed_registry):
    counter, cid = ScanCounter(), ids(feed_registry)
    stream(feed_registry, counter, cid[NUMBERS[0]], [40] * 28 + [55])  # popular and steady
    stream(feed_registry, counter, cid[NUMBERS[1]], [0] * 28 + [JUMP_MINIMUM - 1])  # new, a few scans
    assert flagged_numbers(feed_registry) == {}


def test_a_jump_far_above_its_own_history_is_flagged_with_the_evidence(feed_registry):
    counter, cid = ScanCounter(), ids(feed_registry)
    stream(feed_registry, counter, cid[NUMBERS[0]], [3] * 28 + [400])
    stream(feed_registry, counter, cid[NUMBERS[1]], [40] * 28 + [400])  # 10x its usual: flagged too
    stream(feed_registry, counter, cid[NUMBERS[2]], [100] * 28 + [400])  # 4x its usual: not
    flags = flagged_numbers(feed_registry)
    assert set(flags) == {NUMBERS[0], NUMBERS[1]}
    assert flags[NUMBERS[0]] == ["400 scans today against 3.0 a day over the previous 28 days"]
    assert flagged_numbers(feed_registry, DAY - timedelta(days=1)) == {}  # the day before was normal


def test_scans_from_many_provinces_within_two_days_are_flagged(feed_registry):
    counter, cid = ScanCounter(), ids(feed_registry)
    five = ["Hà Nội", "Huế", "Đà Nẵng", "Cần Thơ", "TP. Hồ Chí Minh"]
    stream(feed_registry, counter, cid[NUMBERS[0]], [2, 5], provinces=five)
    for i, province in enumerate(five):  # the same five provinces, but a week apart each
        stream(feed_registry, counter, cid[NUMBERS[1]], [1], last=DAY - timedelta(days=7 * i), provinces=[province])
    flags = flagged_numbers(feed_registry)
    assert flags == {NUMBERS[0]: ["scanned in 5 provinces within 2 days"]}


def page_stamp(html: str) -> str:
    return re.search(r'name="stamp" value="([0-9a-f]+)"', html).group(1)


def test_scan_pages_are_counted_and_inspectors_see_the_flags(client, tokens, feed_registry, monkeypatch):
    monkeypatch.setenv("HOPQUY_TODAY", DAY.isoformat())
    for _ in range(JUMP_MINIMUM):  # one client scanning again and again counts once a day
        assert client.get(f"/v/{NUMBERS[2]}").status_code == 200
    for n in range(1, JUMP_MINIMUM):  # as many other people as it takes to flag it
        client.app.state.scans.record(ids(feed_registry)[NUMBERS[2]], None, DAY, client=f"203.0.113.{n}")
    stamp = page_stamp(client.get(f"/v/{NUMBERS[2]}").text)
    anothers = province_stamp(client.app.state.stamp_secret, NUMBERS[1], DAY)  # another certificate's
    for forged in ("", "0" * 24, "ẞ" * 24, anothers):
        response = client.post(f"/v/{NUMBERS[2]}", data={"province": "Huế", "stamp": forged})
        assert response.status_code == 200 and "Cảm ơn" not in response.text  # shown the page, counted nothing
    response = client.post(f"/v/{NUMBERS[2]}", data={"province": "Huế", "stamp": stamp})
    assert response.status_code == 200 and "Cảm ơn" in response.text
    assert client.post(f"/v/{NUMBERS[2]}", data={"province": "<script>", "stamp": stamp}).status_code == 200
    for province in ("Hà Nội", "Đà Nẵng", "Cần Thơ", "Hải Phòng"):  # the same client: counted once already
        client.post(f"/v/{NUMBERS[2]}", data={"province": province, "stamp": stamp})
    flags = client.get("/api/v1/flags", params={"on": DAY.isoformat()}, headers=bearer(tokens["inspector"])).json()
    assert [f["certificate_no"] for f in flags] == [NUMBERS[2]]
    assert flags[0]["scans_today"] == JUMP_MINIMUM
    with Session(feed_registry) as session:
        rows = {tuple(r) for r in session.execute(select(ScanCount.province, ScanCount.count))}
    assert rows == {("", JUMP_MINIMUM), ("Huế", 1)}  # no address anywhere, the province only when shared


def test_one_client_counts_once_a_day_however_it_scans_or_shares():
    counter, day = ScanCounter(b"secret"), DAY
    for province in (None, None, "Huế", "Hà Nội", None, "Đà Nẵng"):
        counter.record(7, province, day, client="198.51.100.9")
    counter.record(7, None, day, client="198.51.100.10")
    counter.record(7, None, day + timedelta(days=1), client="198.51.100.9")  # a new day
    assert dict(counter._counts) == {(7, day, ""): 2, (7, day, "Huế"): 1, (7, day + timedelta(days=1), ""): 1}

"""Paging through a search whose first places go to the certificates its query names by
code: every certificate once, on whichever page, and the same exact total on every page,
from Meilisearch and from the registry's SQL alike."""

import pytest
from sqlalchemy import update

from importer.run import ImportOptions, import_file
from registry.models import Certificate
from search.drain import drain
from search.parts import PARTS
from search.pinning import HEAD, PARTS_AFTER, window
from search.query import search_certificates
from search.request import SearchParams
from tests.helpers import requests_sent, row, write_feed

# twelve certificates of SM-A546E (issued on successive days), three of variants that go on
# from it, and two other Samsung phones that a search for the code does not match
CODES = ["SM-A546E"] * 12 + ["SM-A546E/DS", "SM-A546E/EEA", "SM-A546EN", "SM-S918B", "SM-A346E"]


def number(i: int) -> str:
    return f"A{i + 1:04d}{i + 1:02d}0324AE01A2"


@pytest.fixture
def registry(engine, index, tmp_path):
    rows = [row(number(i), models=code, issued=f"{i + 1:02d}/03/2024") for i, code in enumerate(CODES)]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    return engine


def every_page(engine, index, q: str, per_page: int) -> tuple[list[str], set[int], list[list[str]]]:
    """The numbers on every page in order, the totals the pages gave, and the pages."""
    pages, totals, page = [], set(), 1
    while True:
        body = search_certificates(engine, index, SearchParams(q=q, page=page, per_page=per_page, group="certificate"))
        totals.add(body["total"])
        if not body["hits"]:
            break
        pages.append([hit["certificate_no"] for hit in body["hits"]])
        page += 1
    return [n for p in pages for n in p], totals, pages


@pytest.mark.parametrize("per_page", [2, 4, 20])
def test_every_certificate_is_on_exactly_one_page_and_the_total_is_exact(registry, index, per_page):
    first = search_certificates(registry, index, SearchParams(q="SM-A546E", per_page=20, group="certificate"))["hits"]
    assert first[0]["models"] == ["SM-A546E"]  # the code itself first; its variants soon after
    seen, totals, pages = every_page(registry, index, "SM-A546E", per_page)
    assert len(seen) == len(set(seen)), "a certificate shown on two pages"
    assert totals == {len(seen)}, "the total is the number of certificates paged through"
    assert set(seen) >= {number(i) for i in range(12)}
    assert seen[:per_page] == [hit["certificate_no"] for hit in first][:per_page]
    assert all(len(p) == per_page for p in pages[:-1])


def test_a_pin_not_yet_indexed_is_counted_once(registry, index, tmp_path):
    late = row("A9999300324AE01A2", models="SM-A546E", issued="30/03/2024")
    feed = write_feed(tmp_path / "g.csv", [late])
    assert import_file(registry, feed, ImportOptions(source="qc2")).status == "applied"
    seen, totals, _ = every_page(registry, index, "SM-A546E", 4)  # not drained: Meilisearch has not got it
    assert seen[0] == "A9999300324AE01A2"
    assert len(seen) == len(set(seen)) and totals == {len(seen)}


def test_degraded_paging_leaves_the_pins_out_of_the_rest(registry, index, dead_index):
    indexed, _, _ = every_page(registry, index, "SM-A546E", 4)
    seen, totals, _ = every_page(registry, dead_index, "SM-A546E", 4)
    assert len(seen) == len(set(seen)) and totals == {len(seen)}
    assert seen[:3] == indexed[:3]  # the pins come first whichever answers
    assert set(seen) >= {number(i) for i in range(12)}


def test_codes_a_word_typed_in_part_begins_follow_the_best_few_results(engine, index, tmp_path):
    # "Discover" is a whole word of seven Galaxy Discover certificates, and the beginning of
    # the Discovery and DiscoveryPro codes, which are on older certificates
    rows = [row(number(i), models=f"GT-S730{i}", product="Điện thoại di động GSM/WCDMA/LTE/NR Galaxy Discover",
                issued=f"{i + 1:02d}/03/2024") for i in range(7)]
    rows += [row("A0100010322AE01A2", models="Discovery", brand="Multilaser", issued="01/03/2022"),
             row("A0101020322AE01A2", models="DiscoveryPro", brand="Multilaser", issued="02/03/2022")]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    hits = search_certificates(engine, index, SearchParams(q="Discover", per_page=10, group="certificate"))["hits"]
    models = [hit["models"][0] for hit in hits]
    assert models[HEAD:HEAD + 2] == ["Discovery", "DiscoveryPro"]
    assert all(model.startswith("GT-S730") for model in models[:HEAD] + models[HEAD + 2:]) and len(models) == 9
    for per_page in (2, 3, 5, 6):
        seen, totals, _ = every_page(engine, index, "Discover", per_page)
        assert seen == [hit["certificate_no"] for hit in hits] and totals == {9}


def test_devices_whose_code_a_word_is_part_of_follow_the_best_two(engine, index, tmp_path):
    # "OnePlus" is the brand of eight newer phones, and the last part of the codes of four
    # other brands' devices, two of them on two certificates each (one with a regional suffix)
    rows = [row(number(i), models=f"ONEPLUS A600{i}", brand="OnePlus", issued=f"{i + 10:02d}/03/2024")
            for i in range(8)]
    others = [("RCA", "TAB_One_Plus"), ("RCA", "TAB_One_Plus/DS"), ("Blu", "Vivo One Plus"),
              ("ZTE", "OWN One Plus"), ("ZTE", "OWN One Plus"), ("Kata", "K-OnePlus")]
    rows += [row(f"B00{i:02d}0{i + 1}0322AE01A2", models=code, brand=brand, issued=f"0{i + 1}/03/2022")
             for i, (brand, code) in enumerate(others)]
    rows.append(row("C0001010322AE01A2", models="ONEPLUSX-9", brand="Kata", issued="01/03/2021"))  # a prefix only
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    hits = search_certificates(engine, index, SearchParams(q="OnePlus", per_page=20, group="certificate"))["hits"]
    brands = [hit["brand"] for hit in hits]
    assert brands[:PARTS_AFTER] == ["OnePlus", "OnePlus"]
    parts = hits[PARTS_AFTER:PARTS_AFTER + PARTS]
    # the newest certificate of each device, newest device first; one device per place
    assert [hit["models"][0] for hit in parts] == ["K-OnePlus", "OWN One Plus", "Vivo One Plus"]
    # then the rest of the search's best, and the codes the word begins (the shortest first)
    assert brands[PARTS_AFTER + PARTS:HEAD + PARTS] == ["OnePlus"] * (HEAD - PARTS_AFTER)
    assert hits[HEAD + PARTS]["models"] == ["ONEPLUSX-9"] and len(hits) == 15
    for per_page in (1, 2, 4, 7):
        seen, totals, _ = every_page(engine, index, "OnePlus", per_page)
        assert seen == [hit["certificate_no"] for hit in hits] and totals == {len(hits)}
    # a number is no part of a code: "A6003" is, and its phone is named first anyway
    assert search_certificates(engine, index, SearchParams(q="a6003"))["hits"][0]["models"] == ["ONEPLUS A6003"]


@pytest.mark.parametrize(("page", "per_page", "pins", "expected"), [
    (1, 10, 3, (slice(0, 3), 0, 7)),
    (2, 10, 3, (slice(3, 3), 7, 10)),
    (1, 10, 25, (slice(0, 10), 0, 0)),
    (3, 10, 25, (slice(20, 25), 0, 5)),
    (4, 10, 25, (slice(25, 25), 5, 10)),
])
def test_a_page_window_over_pins_and_the_rest(page, per_page, pins, expected):
    at = window(page, per_page, pins)
    assert (at.pins, at.offset, at.limit) == expected


def grouped_pages(engine, index, q: str, per_page: int) -> tuple[list[dict], set[int]]:
    hits, totals, page = [], set(), 1
    while body := search_certificates(engine, index, SearchParams(q=q, page=page, per_page=per_page)):
        totals.add(body["total"])
        if not body["hits"]:
            return hits, totals
        hits += body["hits"]
        page += 1


@pytest.mark.parametrize("per_page", [2, 5, 20])
def test_grouped_the_pins_stand_for_their_device_and_the_total_is_what_is_paged(registry, index, per_page):
    hits, totals = grouped_pages(registry, index, "SM-A546E", per_page)
    exact = [hit for hit in hits if hit["models"] == ["SM-A546E"]]
    assert hits[0] == exact[0]  # the code's certificates are pins (as many as the pins take)
    # its /DS and /EEA are pins too (codes going on from it); the other devices come once each
    others = [hit["device"] for hit in hits if hit["device"] != exact[0]["device"]]
    assert len(others) == len(set(others)) > 0, "a device shown twice"
    assert totals == {len(hits)} and len({hit["certificate_no"] for hit in hits}) == len(hits)


def test_page_one_asks_its_pins_count_and_its_devices_counts_in_one_round_trip(registry, index, monkeypatch):
    with registry.begin() as connection:  # devices the registry does not know: Meilisearch counts them
        connection.execute(update(Certificate).values(device_key=""))
    sent = requests_sent(index, monkeypatch)
    body = search_certificates(registry, index, SearchParams(q="SM-A546E", per_page=2))
    # the page, then together: its matches without the pins counted and its devices
    assert len(sent) == 2 and len(sent[1]["queries"]) == 2
    assert {hit["device_certificates"] for hit in body["hits"]} == {CODES.count("SM-A546E") + 2}  # with /DS, /EEA
    assert body["total"] == len(grouped_pages(registry, index, "SM-A546E", 2)[0])

"""A listing's title and a brand typed with a slip still find the device."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy.util import greenlet_spawn

from importer.run import ImportOptions, import_file
from registry.loop_reader import OffTheLoop
from search import brand_typos
from search.brand_typos import BrandCounts, BrandWords, brand_corrected, one_slip
from search.listing import without_listing_words
from search.query import search_certificates
from search.request import SearchParams
from tests import helpers
from tests.helpers import sample_rows, write_feed


@pytest.mark.parametrize("title, device", [
    ("Hàng xách tay Lenovo K900 8GB/256GB bản quốc tế fullbox", "Lenovo K900"),
    ("[Trả góp 0%] Archer D7 likenew 99% 128GB", "Archer D7"),
    ("Chính hãng SM-A546E BH 12 tháng", "SM-A546E"),
    ("Điện thoại SM-A546E màu đen", "Điện thoại SM-A546E"),
    ("Redmi Note 13 Pro 5G 8GB/256GB Quốc tế 2 sim", "Redmi Note 13 Pro 5G"),
    ("Samsung Galaxy A54 Xanh dương", "Samsung Galaxy A54"),
    ("hàng xách tay", ""),  # nothing left: the caller keeps the query
])
def test_a_listing_title_loses_the_shops_words(title, device):
    assert without_listing_words(title) == device


def test_one_slip_is_a_swap_or_one_letter_wrong_missing_or_extra():
    assert all(one_slip(a, b) for a, b in [("auss", "asus"), ("popo", "oppo"), ("smsung", "samsung"),
                                           ("samsunng", "samsung"), ("samsong", "samsung")])
    assert not any(one_slip(a, b) for a, b in [("asus", "asus"), ("suas", "asus"), ("samsung", "sam")])


def test_a_brand_slip_is_mended_only_when_one_brand_is_that_near():
    words = frozenset({"samsung", "asus", "oppo", "sony", "sono"})
    assert brand_corrected("Smasung galaxy a54", words) == "samsung galaxy a54"
    assert brand_corrected("auss zenfone 2", words) == "asus zenfone 2"
    assert brand_corrected("sonu xperia", words) == "sonu xperia"  # sony or sono: left as typed
    assert brand_corrected("galaxy a54", words) == "galaxy a54"


def test_a_brand_with_brackets_is_mended_but_not_the_letters_inside_a_code():
    words = frozenset({"luo", "dns", "samsung"})  # LUO(A) gives "luo"
    assert brand_corrected("lou(a) s15 pro", words) == "luo(a) s15 pro"
    assert brand_corrected("Smasung, galaxy", words) == "samsung, galaxy"
    assert brand_corrected("SM-A546E/DSN", words) == "SM-A546E/DSN"  # DSN is one swap from DNS


def test_one_word_is_mended_a_swap_before_another_slip():
    words = frozenset({"oppo", "revo"})
    assert brand_corrected("popo reno 10", words) == "oppo reno 10"  # not the brand Revo as well
    assert brand_corrected("reno popo", words) == "reno oppo"  # a swap is the slip people make
    assert brand_corrected("galaxy a54", frozenset({"galax"})) == "galaxy a54"  # Meilisearch forgives that


def _numbers(registry, index, query):
    body = search_certificates(registry, index, SearchParams(q=query, per_page=10))
    return [hit["certificate_no"] for hit in body["hits"]], body


def test_listing_titles_and_brand_slips_find_the_device(sample_registry, sample_index, sample_path):
    rows = sample_rows(sample_path)[:60:6]
    for row in rows:
        number, brand, model = row[0], row[3], row[4].split(";")[0].strip()
        found, body = _numbers(sample_registry, sample_index, f"Hàng xách tay {model} 8GB/256GB bản quốc tế fullbox")
        assert number in found[:3], (model, body["searched"], found[:3])
        if len(brand) >= 4 and brand.isalpha():
            slipped = brand[1] + brand[0] + brand[2:]
            found, body = _numbers(sample_registry, sample_index, f"{slipped} {model}")
            assert number in found, (slipped, model, body["searched"])


def test_what_is_found_as_typed_is_not_read_again(sample_registry, sample_index, sample_path):
    row = sample_rows(sample_path)[0]
    model = row[4].split(";")[0].strip()
    _, plain = _numbers(sample_registry, sample_index, model)
    assert plain["searched"] == model


def test_the_brand_words_one_slip_away_are_found_by_their_forms_as_by_comparing_every_word():
    counts = BrandCounts({"samsung": 9, "asus": 5, "oppo": 4, "revo": 1, "sony": 2, "sono": 2, "luo": 1, "tp": 1})
    for typed in ["smasung", "auss", "popo", "reno", "sonu", "lou", "samsunng", "ssamsung", "asu", "opo", "xyz"]:
        compared = sorted((kind, w) for w in counts if (kind := brand_typos.slip(typed, w)))
        assert sorted(counts.one_slip_from(typed)) == compared, typed


def test_the_brand_words_are_never_counted_on_the_event_loop(engine, tmp_path, monkeypatch):
    feed = write_feed(tmp_path / "f.csv", [helpers.row("A0001010324AE01A2", brand="Samsung")])
    assert import_file(engine, feed, ImportOptions(source="qc1")).status == "applied"
    words = BrandWords()

    async def on_the_loop():
        return await greenlet_spawn(words.of, engine)

    with pytest.raises(OffTheLoop):  # nothing read yet: the search goes to a worker thread
        asyncio.run(on_the_loop())
    read = words.of(engine)  # as a worker thread reads them
    assert read["samsung"] == 1
    monkeypatch.setattr(brand_typos, "REFRESH_SECONDS", 0)
    refreshed = threading.Event()
    monkeypatch.setattr(words, "_read", lambda engine: refreshed.set())
    assert asyncio.run(on_the_loop()) is read  # stale words answer at once, read again beside
    assert refreshed.wait(5)


def test_searches_that_arrive_before_the_brand_words_are_read_wait_for_one_read(engine, tmp_path, monkeypatch):
    """Sixteen searches at start-up each counted a million brands at once, for seconds."""
    feed = write_feed(tmp_path / "f.csv", [helpers.row("A0001010324AE01A2", brand="Samsung")])
    assert import_file(engine, feed, ImportOptions(source="qc1")).status == "applied"
    words, reads = BrandWords(), []
    read_once = words._read

    def slow_read(engine):
        reads.append(1)
        threading.Event().wait(0.3)  # the others arrive while it reads
        return read_once(engine)

    monkeypatch.setattr(words, "_read", slow_read)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(words.of(engine))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(reads) == 1 and len(answers) == 8
    assert all(answer is answers[0] for answer in answers) and answers[0]["samsung"] == 1

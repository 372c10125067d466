"""A listing's title and a brand typed with a slip still find the device."""

from __future__ import annotations

import pytest

from search.brand_typos import brand_corrected, one_slip
from search.listing import without_listing_words
from search.query import search_certificates
from search.request import SearchParams
from tests.helpers import sample_rows


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

"""Which certificates a search counts: those holding every word, and a fallback for a misread
or extra word; a regulation is a filter, never matched by a number inside a model code."""

import pytest

from importer.run import ImportOptions, import_file
from search.drain import drain
from search.query import search_certificates
from search.request import SearchParams
from tests.helpers import row, write_feed


@pytest.fixture
def registry(engine, index, tmp_path):
    feed = write_feed(tmp_path / "f.csv", [
        row("A0412150324AE01A2", models="SM-A546E; SM-A546E/DS", product="Điện thoại Galaxy A54"),
        row("A0412160324AE01A2", models="SM-A346E", product="Điện thoại Galaxy A34"),
        row("A0412170324AE01A2", models="XT311-18", brand="Motorola", product="Điện thoại Moto",
            regulations="QCVN 117:2023/BTTTT"),
        row("A0412180324AE01A2", models="XT311-20", brand="Motorola", product="Điện thoại Moto",
            regulations="QCVN 18:2022/BTTTT"),
        row("B0001010125AF04A2", models="Archer AX23", brand="TP-Link", product="Thiết bị phát Wi-Fi",
            regulations="QCVN 112:2017/BTTTT; QCVN 18:2022/BTTTT"),
    ])
    assert import_file(engine, feed, ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    return engine


def numbers(engine, index, **params):
    body = search_certificates(engine, index, SearchParams(**params))
    return [h["certificate_no"] for h in body["hits"]], body


def test_the_total_counts_the_certificates_holding_every_word(registry, index):
    found, body = numbers(registry, index, q="samsung galaxy a54", facets=("brand",))
    assert found == ["A0412150324AE01A2"] and body["total"] == 1
    assert body["facets"]["brand"] == {"Samsung": 1}
    assert numbers(registry, index, q="galaxy")[1]["total"] == 2


def test_a_misread_or_extra_word_still_finds_the_device(registry, index):
    found, body = numbers(registry, index, q="SM-A546E/D5")  # 5 read for S on a worn label
    # the misread code names its certificate (search.pins): no looser search around it
    assert found == ["A0412150324AE01A2"] and body["total"] == 1
    found, _ = numbers(registry, index, q="galaxy a54 chính hãng")
    assert found[0] == "A0412150324AE01A2"
    assert numbers(registry, index, q="zzqx")[0] == []


def test_a_number_in_a_model_code_does_not_match_regulations(registry, index):
    # "18" is in QCVN 18:2022/BTTTT, which the XT311-20 certificate carries
    found, body = numbers(registry, index, q="XT311-18")
    assert found == ["A0412170324AE01A2"] and body["total"] == 1


def test_a_query_naming_a_regulation_lists_its_certificates(registry, index):
    found, body = numbers(registry, index, q="qcvn 18:2022/btttt")
    assert sorted(found) == ["A0412150324AE01A2", "A0412160324AE01A2", "A0412180324AE01A2", "B0001010125AF04A2"]
    assert body["query"] == "qcvn 18:2022/btttt"
    assert numbers(registry, index, q="QCVN 112:2017/BTTTT", kind="certificate")[0] == ["B0001010125AF04A2"]


def test_a_models_last_part_ranks_before_declarations_sharing_that_number(engine, index, tmp_path):
    """A declaration's number split at its slashes would make "2312" an exact word at the
    start of 2312/2025/CBHQ-A01; a number is one compacted word in the index instead."""
    declaration = "Công bố hợp quy"
    feed = write_feed(tmp_path / "f.csv", [
        row("2312/2025/CBHQ-A01", models="HG8145V5", brand="Huawei", kind=declaration, issued="01/06/2025"),
        row("2312/2026/CBHQ-B02", models="AX3000", brand="Tenda", kind=declaration, issued="01/06/2026"),
        row("A0001010121AE01A2", models="Moto 2312", brand="Motorola", issued="01/01/2021"),
    ])
    assert import_file(engine, feed, ImportOptions(source="qc1")).status == "applied"
    drain(engine, index)
    assert numbers(engine, index, q="2312")[0][0] == "A0001010121AE01A2"
    # a number typed as far as it goes still finds its certificate
    assert numbers(engine, index, q="A000101012")[0] == ["A0001010121AE01A2"]
    assert numbers(engine, index, q="2312/2026/CBHQ-B02")[0][0] == "2312/2026/CBHQ-B02"

"""Codes named in a query are looked up in the registry and put first (search.pins)."""

from __future__ import annotations

import re
import string
from random import Random

from sqlalchemy import select
from sqlmodel import Session

from importer.run import ImportOptions, import_file
from registry.codes import CERTIFICATE_NO_RE
from registry.models import Certificate
from search.drain import drain
from search.pins import MAX_PINS, VARIANT_CODES, begun_word_ids, pinned_ids
from search.query import search_certificates
from search.request import SearchParams
from search.slips import REAL_DAYS, near_numbers, number_neighbours, slip_likelihood
from tests.helpers import row, write_feed

PHONE, ROUTER, WATCH = "A0001150324AE01A2", "A0002150324AF04A2", "A0003150324AE01A2"
LONG = "A0004150324AE01A2"


def _registry(engine, tmp_path):
    rows = [
        row(number=PHONE, models="C5", brand="Nokia", product="Điện thoại di động GSM/WCDMA/LTE/NR Nokia C5"),
        row(number=ROUTER, models="C5", brand="TP-Link", product="Thiết bị phát thu-phát vô tuyến (bộ phát Wi-Fi)"),
        row(number=WATCH, models="Light", brand="Kieslect", product="Đồng hồ thông minh kết nối Bluetooth Light"),
        row(number=LONG, models="P13 Blue Max Pro 256 GB", brand="Blackview", product="Điện thoại di động P13"),
    ]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="t")).status == "applied"
    with Session(engine) as session:
        return dict(session.execute(select(Certificate.certificate_no, Certificate.id)).all())


def test_a_short_model_among_product_words_is_pinned_only_where_the_words_fit(engine, tmp_path):
    ids = _registry(engine, tmp_path)
    with engine.connect() as connection:
        assert pinned_ids(connection, "điện thoại C5") == [ids[PHONE]]
        assert pinned_ids(connection, "dien thoai C5") == [ids[PHONE]]
        assert pinned_ids(connection, "bộ phát wifi C5") == [ids[ROUTER]]
        assert pinned_ids(connection, "dong ho thong minh light") == [ids[WATCH]]
        assert pinned_ids(connection, "điện thoại light") == []  # a watch, not a phone
        assert sorted(pinned_ids(connection, "C5")) == sorted([ids[PHONE], ids[ROUTER]])
        assert pinned_ids(connection, "light") == [ids[WATCH]]  # a word that is a model is that model
        assert pinned_ids(connection, "blue") == []  # other words are left to Meilisearch


def test_a_model_of_many_words_after_product_words_is_pinned(engine, tmp_path):
    ids = _registry(engine, tmp_path)
    with engine.connect() as connection:
        assert pinned_ids(connection, "dien thoai P13 Blue Max Pro 256 GB") == [ids[LONG]]
        assert pinned_ids(connection, "điện thoại di động p13 blue max pro 256gb") == [ids[LONG]]


def test_a_code_like_word_whose_other_words_do_not_fit_waits_behind_the_search(engine, index, tmp_path):
    """``DIGNO Tab2 5G`` names the Kyocera tablet whose name holds every word, not the TAB2 of
    another brand; that one is still shown, after the search's best few. ``Tab2`` alone is
    the code, first."""
    kyocera, stylo = "A0005150324AE01B1", "A0006150324AE01B1"
    rows = [row(number=kyocera, models="KYT35", brand="Kyocera",
                product="Máy tính bảng có chức năng thu phát vô tuyến LTE DIGNO Tab2 5G"),
            row(number=stylo, models="TAB2", brand="Stylo", product="Máy tính bảng có chức năng thu phát vô tuyến LTE")]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="t")).status == "applied"
    drain(engine, index)
    with Session(engine) as session:
        ids = dict(session.execute(select(Certificate.certificate_no, Certificate.id)).all())
    with engine.connect() as connection:
        assert pinned_ids(connection, "DIGNO Tab2 5G") == []
        assert begun_word_ids(connection, "DIGNO Tab2 5G") == [ids[stylo]]
        assert pinned_ids(connection, "Tab2") == [ids[stylo]]
        assert pinned_ids(connection, "stylo tab2") == [ids[stylo]]
    body = search_certificates(engine, index, SearchParams(q="DIGNO Tab2 5G"))
    assert [hit["certificate_no"] for hit in body["hits"]] == [kyocera, stylo]


def _every_edit_then_shape(number: str) -> set[str]:
    """The plain way: every edit with every character, kept if it has a number's shape."""
    alphabet = string.ascii_uppercase + string.digits + "/-"
    declaration = re.compile(r"^\d{4}/\d{4}/CBHQ-[A-Z]\d{2}$")
    edits = set()
    for i in range(len(number) + 1):
        head, tail = number[:i], number[i:]
        if tail:
            edits.add(head + tail[1:])
            if len(tail) > 1:
                edits.add(head + tail[1] + tail[0] + tail[2:])
        for c in alphabet:
            edits.add(head + c + tail)
            if tail:
                edits.add(head + c + tail[1:])
    edits.discard(number)
    return {e for e in edits if (CERTIFICATE_NO_RE.match(e) and e[5:11] in REAL_DAYS) or declaration.match(e)}


def test_number_neighbours_are_every_shaped_edit():
    random = Random(7)
    alphabet = string.ascii_uppercase + string.digits + "/-"
    days = sorted(REAL_DAYS)
    numbers = []
    for _ in range(400):
        if random.random() < 0.7:
            number = (random.choice("ABC") + "".join(random.choices(string.digits, k=4)) + random.choice(days)
                      + "".join(random.choices(string.ascii_uppercase + string.digits, k=6)))
        else:
            number = (f"{random.randrange(10000):04d}/{random.randrange(10000):04d}/CBHQ-"
                      f"{random.choice(string.ascii_uppercase)}{random.randrange(100):02d}")
        for _ in range(random.randrange(3)):  # up to two slips
            i, c = random.randrange(len(number)), random.choice(alphabet)
            number = random.choice([number[:i] + c + number[i + 1:], number[:i] + c + number[i:],
                                    number[:i] + number[i + 1:], number[:i] + number[i + 1:i + 2] + number[i:i + 1]
                                    + number[i + 2:]])
        numbers.append(number)
    for number in numbers:
        assert number_neighbours(number) == _every_edit_then_shape(number), number
    assert sum(bool(number_neighbours(n)) for n in numbers) > 300  # most slips still have neighbours


def test_a_slipped_number_shows_the_likeliest_meant_number_first(engine, tmp_path):
    """Two swapped digits are likelier than one particular wrong digit: the certificate the
    swap came from comes first, although three newer ones are one wrong digit away."""
    meant = "A0412150324AE01A2"
    newer = {"A0142150325AE01A2": "15/03/2025", "A0142150326AE01A2": "15/03/2026",
             "A0142160324AE01A2": "16/03/2024"}
    rows = [row(number=meant, issued="15/03/2024")]
    rows += [row(number=number, issued=issued, expires="31/12/2030") for number, issued in newer.items()]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="t")).status == "applied"
    with Session(engine) as session:
        ids = dict(session.execute(select(Certificate.certificate_no, Certificate.id)).all())
    with engine.connect() as connection:
        found = pinned_ids(connection, "A0142150324AE01A2")
        suggested = near_numbers(connection, "A0142150324AE01A2")  # the not-found page
    assert found[0] == ids[meant] and suggested[0] == meant
    assert set(found) == set(ids.values())


def test_slip_likelihood_weighs_each_kind_of_slip():
    typed = "B000420721AE01A2"  # a character dropped from B0004220721AE01A2
    assert slip_likelihood(typed, "B0004220721AE01A2") == 2  # either 2 of "22" dropped
    assert slip_likelihood(typed, "B0004270721AE01A2") == 1
    assert slip_likelihood("A0142150324AE01A2", "A0412150324AE01A2") == 1  # swapped
    assert slip_likelihood("A0142150324AE01A2", "A0142150325AE01A2") == 0.1  # one wrong digit
    assert slip_likelihood("A0142150324AE01A2", "C0142150324AE01A2") == 0.04  # one wrong letter of 26
    assert slip_likelihood("A04122150324AE01A2", "A0412150324AE01A2") == 0.2  # an extra "2": two ways
    assert slip_likelihood("A0142150324AE01A2", "B0142150325AE01A2") == 0


def _crowded(engine, tmp_path) -> dict[str, int]:
    """Devices whose codes or trade names overlap, as a big registry holds them."""
    phone = "Điện thoại di động GSM/WCDMA/LTE/NR"
    rows = [
        row(number="A0010150324AE01A2", models="K5/VN", brand="Lesia", product=f"{phone} K5"),
        row(number="A0011150324AE01A2", models="NOTE 9", brand="Cubot", product=f"{phone} NOTE 9"),
        row(number="A0012150324AE01A2", models="M2010J19SC", brand="Redmi", product=f"{phone} Redmi Note 9 4G"),
        row(number="A0013150324AE01A2", models="S17 Pro", brand="LUO(A)", product=f"{phone} S17 Pro"),
        row(number="A0014150324AE01A2", models="SPC GEN", brand="SPC Universe", product=f"{phone} SPC GEN"),
        row(number="A0015150324AE01A2", models="SPC GEN LITE", brand="SPC Universe", product=f"{phone} SPC GEN LITE"),
    ]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="t")).status == "applied"
    with Session(engine) as session:
        return {n[3:5]: i for n, i in session.execute(select(Certificate.certificate_no, Certificate.id)).all()}


def test_a_code_whose_digits_were_all_misread_as_letters_is_pinned(engine, tmp_path):
    ids = _crowded(engine, tmp_path)
    with engine.connect() as connection:
        assert pinned_ids(connection, "KS/VN") == [ids["10"]]  # a worn 5 read as S
        assert pinned_ids(connection, "ks vn") == [ids["10"]]
        assert pinned_ids(connection, "spc") == []  # a plain word: no reading of it is a model


def test_words_around_a_model_must_fit_the_device_to_pin_it(engine, tmp_path):
    ids = _crowded(engine, tmp_path)
    with engine.connect() as connection:
        assert pinned_ids(connection, "redmi note 9 4g") == []  # not the Cubot NOTE 9
        assert pinned_ids(connection, "cubot note 9") == [ids["11"]]
        assert pinned_ids(connection, "vivo s17 pro") == []  # not LUO(A)'s model S17 Pro
        assert pinned_ids(connection, "dien thoai SPC GEN") == [ids["14"]]  # not SPC GEN LITE
        assert pinned_ids(connection, "điện thoại spc gen lite") == [ids["15"]]


def test_a_code_typed_in_part_shows_one_certificate_of_each_code_that_goes_on(engine, tmp_path):
    """``SM-A546E/`` is still being typed: a page of the dozen SM-A546E certificates would
    hide the variant the person is typing, so the newest of each code comes first. ``SM-A54``
    is typing a device: one of each, its regional variants left to its own hit."""
    rows = [row(number=f"A{i:04d}{10 + i:02d}0324AE01A2", models="SM-A546E", issued=f"{10 + i}/03/2024")
            for i in range(12)]
    rows += [row(number="B0001150324AE01A2", models="SM-A546E/DS", issued="15/03/2024"),
             row(number="B0002160324AE01A2", models="SM-A546E/DS", issued="16/03/2024"),
             row(number="B0003150324AE01A2", models="SM-A546E/EEA", issued="15/03/2024"),
             row(number="B0004150324AE01A2", models="SM-A546E/N", issued="15/03/2024"),
             row(number="B0005150324AE01A2", models="SM-A5460", issued="15/03/2024"),
             row(number="B0006150324AE01A2", models="SM-A546F", issued="15/03/2024")]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="t")).status == "applied"
    with Session(engine) as session:
        ids = dict(session.execute(select(Certificate.certificate_no, Certificate.id)).all())
    plain = [ids[f"A{i:04d}{10 + i:02d}0324AE01A2"] for i in reversed(range(12))]  # newest first
    with engine.connect() as connection:
        variants = [ids["B0004150324AE01A2"], ids["B0002160324AE01A2"], ids["B0003150324AE01A2"]]  # N, DS, EEA
        # a whole code: three of its own certificates first, then one of each code that goes
        # on, then its others
        assert pinned_ids(connection, "SM-A546E") == plain[:3] + variants + plain[3:10]
        assert pinned_ids(connection, "SM-A546E/") == [plain[0], *variants, *plain[1:10]]
        assert pinned_ids(connection, "samsung sm-a546e-")[:4] == pinned_ids(connection, "SM-A546E/")[:4]
        assert pinned_ids(connection, "A546E/") == []  # the end of a code: no code begins with it
        assert pinned_ids(connection, "sm-a54") == [  # half typed: one of each device, shortest code first
            ids["B0005150324AE01A2"], plain[0], ids["B0006150324AE01A2"]]


def test_a_word_begins_codes_only_when_it_is_a_code_itself(engine, tmp_path):
    """``flow`` is the beginning of FLOW7 when FLOW is a model; ``nokia`` is searched as a
    word, not as the beginning of NOKIA105."""
    rows = [row(number="A0001150324AE01A2", models="FLOW"), row(number="A0002150324AE01A2", models="FLOW11"),
            row(number="A0003150324AE01A2", models="FLOW7"), row(number="A0004150324AE01A2", models="NOKIA 105")]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="t")).status == "applied"
    with Session(engine) as session:
        ids = dict(session.execute(select(Certificate.certificate_no, Certificate.id)).all())
    with engine.connect() as connection:
        assert pinned_ids(connection, "flow") == [ids["A0001150324AE01A2"], ids["A0003150324AE01A2"],
                                                  ids["A0002150324AE01A2"]]
        assert pinned_ids(connection, "nokia") == []
        assert pinned_ids(connection, "NOKIA 1") == [ids["A0004150324AE01A2"]]
        # the codes a word begins are found apart, for search.pinning to show after the best few
        assert begun_word_ids(connection, "nokia") == [ids["A0004150324AE01A2"]]
        assert begun_word_ids(connection, "NOKIA 1") == []  # a digit: pinned_ids has it
        assert begun_word_ids(connection, "nok") == []  # under four characters


def test_a_beginning_shared_by_too_many_rows_is_left_to_meilisearch(engine, tmp_path):
    """Past VARIANT_CODES codes the shortest that go on are not known: none are pinned."""
    rows = [row(number=f"A{i:04d}150324AE01A2", models=f"TQ90{i:03d}") for i in range(VARIANT_CODES + 1)]
    assert import_file(engine, write_feed(tmp_path / "f.csv", rows), ImportOptions(source="t")).status == "applied"
    with engine.connect() as connection:
        assert pinned_ids(connection, "TQ90") == []
        assert len(pinned_ids(connection, "TQ900")) == MAX_PINS  # 100 codes: the first ten pinned

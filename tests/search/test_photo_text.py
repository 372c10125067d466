"""Reading a label's print from a photo: levelling turned print, the field names a photo cut
or ran together, and codes read with the characters print and OCR confuse."""

from __future__ import annotations

import pytest
from PIL import Image, ImageOps

from benchmarks.label_photos import render
from public_site.photo_lookup import names
from search.pasted import read_cut_label
from search.photo_text import Line, candidates, skew


@pytest.mark.parametrize("angle", [-7.5, -4, 3, 6.5])
def test_turned_print_is_levelled_on_a_dark_table(angle):
    """The angle found turns the print back to within a degree, on a table darker than the
    threshold that once counted the whole table as ink."""
    label = render([("Điện thoại di động", True), ("Kiểu/Model: SM-A546E/DSN", False),
                    ("Nhãn hiệu: Samsung", False), ("Sản xuất tại Việt Nam", False)], 30)
    scene = Image.new("L", (1600, 1200), 90)
    scene.paste(label.convert("L").rotate(angle, expand=True, fillcolor=90), (250, 350))
    assert abs(skew(ImageOps.autocontrast(scene, cutoff=1)) + angle) <= 1


def test_level_print_is_left_as_it_is():
    label = render([("MODEL TL-WR841N", True), ("Made in Vietnam", False)], 30)
    assert skew(label.convert("L")) == 0


@pytest.mark.parametrize(("line", "value"), [
    ("ểu/Model: Livebox", "Livebox"),  # "Ki" cut at the photo's edge
    ("ODEL M40Plus EEA", "M40Plus EEA"),
    ("ý hiệu: SNR-CPE", "SNR-CPE"),
    ("Ki€u/Model- D5sS", "D5sS"),  # the colon read as a dash
    ("MODELTELEGENIC-AML-1", "TELEGENIC-AML-1"),  # run into its value
    ("Kiêủ/Modet: Wi-Fi Mouse", "Wi-Fi Mouse"),  # a letter misread
])
def test_a_field_name_cut_or_run_together_still_gives_its_value(line, value):
    assert value in read_cut_label(line)
    assert value in [c.text for c in candidates([Line(line, (0, 0, 10, 10))])]


@pytest.mark.parametrize("line", ["Điện thoại di động", "ade in Vietnam", "SAMSUNG galaxy", "Sản xuất tại Việt Nam"])
def test_plain_words_are_no_field(line):
    assert read_cut_label(line) == []


def test_a_code_read_with_lookalike_characters_names_its_model():
    hit = {"certificate_no": "A0001311026AE01A2", "models": ["ML_GW0C_M10_4G", "QMobile i5.5", "MyPhone my81 DTV"]}
    assert names("ML_GWOC_M10 4G", hit) and names("QMobile ¡5.5", hit)
    assert names("my81", hit, line="Kiểu/Model: MyPhone my81 DTV")  # the line holds the model whole
    assert not names("my81", hit, line="my81") and not names("WNDR4390", hit)
    assert names("A000I3110Z6AE0IA2", hit)  # the number, its 1s read as I, a 2 as Z


def test_lookalike_characters_are_read_as_the_code_s_letters():
    lines = [Line("MODEL M2007)3SG", (0, 0, 1, 1)), Line("Kiểu/Model: QMobile ¡5.5", (0, 0, 1, 1)),
             Line("MODEL LED32K600)", (0, 0, 1, 1)), Line("Model: SM-A546E(DS)", (0, 0, 1, 1))]
    read = [c.text for c in candidates(lines)]
    assert {"M2007J3SG", "QMobile i5.5", "LED32K600J", "SM-A546E(DS)"} <= set(read), read

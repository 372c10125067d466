"""The fast mask choice is qrcode's own choice: same penalty for every mask, same winner."""

from __future__ import annotations

import random

import pytest
import qrcode
from qrcode import util

from public_site.qr import _matrix
from public_site.qr_mask import _layout, best_mask

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-/.abcxyz"


def payloads(count: int) -> list[str]:
    """Verify URLs of every length a number can give, so many QR versions are covered."""
    rnd = random.Random(7)
    return ["https://hopquy.gov.vn/v/" + "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(1, 400)))
            for _ in range(count)]


def fitted(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.best_fit()
    return code


@pytest.mark.parametrize("data", payloads(60))
def test_penalty_and_choice_match_qrcode(data):
    code = fitted(data)
    layout = _layout(code.version)
    for mask in range(8):
        code.makeImpl(True, mask)
        assert layout.penalty(layout.pack(code.modules)) == util.lost_point(code.modules), mask
    assert best_mask(fitted(data)) == fitted(data).best_mask_pattern()


def test_the_matrix_is_the_one_qrcode_makes():
    for data in payloads(20):
        reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
        reference.add_data(data)
        reference.make(fit=True)
        assert _matrix(data).get_matrix() == reference.get_matrix()

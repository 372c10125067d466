"""CSV text is normalised and split into lines a piece at a time: with tiny pieces, every
kind of line end, a line longer than a piece and a character split from its accent must
come out exactly as reading line by line would give them."""

from __future__ import annotations

import io
import unicodedata

import pytest

from importer import readers
from importer.problems import FeedError

TEXT = ("số,model\r\nA1,Điê\u0300n thoa\u0323i\r\nA2,x\rA3,y\nA4,\"a long cell that is longer than any piece\"\r\n"
        "A5,e\u0301\r\n\r\nA6,last line without an end")


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 64, 1 << 20])
def test_pieces_give_the_lines_of_the_file_in_nfc(monkeypatch, piece):
    monkeypatch.setattr(readers, "PIECE_CHARS", piece)
    lines = list(readers._nfc_lines(io.StringIO(TEXT, newline=""), None))
    expected = [unicodedata.normalize("NFC", line) for line in io.StringIO(TEXT, newline="")]
    assert lines == expected


@pytest.mark.parametrize("piece", [1, 5, 1 << 20])
def test_a_nul_byte_is_reported_on_its_own_line(monkeypatch, piece):
    monkeypatch.setattr(readers, "PIECE_CHARS", piece)
    text = "a,b\r\nc,d\re,f\ng,\x00h\n"
    with pytest.raises(FeedError) as raised:
        list(readers._nfc_lines(io.StringIO(text, newline=""), None))
    assert raised.value.problem.row == 4

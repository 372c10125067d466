"""The QR mask the standard asks for (the lowest penalty of the eight), chosen quickly.

qrcode finds it by laying the data out eight times and scoring each matrix cell by cell in
Python, which is most of a cold render. The eight masks differ only on data modules, so here
the data is laid out once and the matrix is packed, rows then columns, into one big integer:
each mask is then one XOR, and the four penalty rules are a few dozen shifts and popcounts.
The score is qrcode's own (``qrcode.util.lost_point`` of its test matrix, format bits light),
so the mask chosen is the one ``QRCode.best_mask_pattern`` would choose; a test holds the
two side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode import util

# runs of 11 that look like a finder pattern: 1011101 with 4 light modules on one side
FINDER_LIKE = ((1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0), (0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1))
GUARD = 11  # zero bits between packed lines, so that no shift reaches the next line


def prepare(versions: range = range(1, 11)) -> None:
    """Lay out the versions verify URLs use (about 70 ms), so that no scan waits for it."""
    for version in versions:
        _masks(_layout(version).n)


def best_mask(code: qrcode.QRCode) -> int:
    """The mask for ``code``, whose version is already fitted (``code.best_fit()``)."""
    code.makeImpl(True, 0)
    layout = _layout(code.version)
    base = layout.pack(code.modules)
    scores = [layout.penalty(base ^ (layout.data & flip)) for flip in layout.flips]
    return scores.index(min(scores))  # the first of equals, as qrcode does


@dataclass(frozen=True)
class Layout:
    """Line ``i`` (rows 0..n-1, then columns) holds module ``c`` at bit ``i * stride + c``."""

    n: int
    data: int = 0
    flips: tuple[int, ...] = ()

    @property
    def stride(self) -> int:
        return self.n + GUARD

    def pack(self, grid) -> int:
        lines = [*grid, *zip(*grid, strict=True)]
        guard = "0" * GUARD
        text = "".join("".join("1" if dark else "0" for dark in line) + guard for line in lines)
        return int(text[::-1], 2)

    def lines_mask(self, first: int, count: int, width: int) -> int:
        """``width`` low bits set in each of ``count`` lines from line ``first``."""
        one = (1 << width) - 1
        return sum(one << ((first + i) * self.stride) for i in range(count))

    def penalty(self, lines: int) -> int:
        """qrcode's ``lost_point``: runs of five or more, 2x2 blocks, finder-like runs, balance."""
        n, masks = self.n, _masks(self.n)
        light = ~lines & masks.cells
        points = 0
        for same in (lines, light):  # a run of L >= 5 scores L - 2: its L - 4 windows, 2 per run
            window = same & same >> 1 & same >> 2 & same >> 3 & same >> 4
            points += window.bit_count() + 2 * (window & ~(window >> 1)).bit_count()
        rows = lines & masks.rows
        alike = ~(rows ^ rows >> self.stride)  # each row against the row below
        points += 3 * (alike & alike >> 1 & ~(rows ^ rows >> 1) & masks.blocks).bit_count()
        for pattern in FINDER_LIKE:
            hits = masks.finder_starts
            for offset, dark in enumerate(pattern):
                hits &= (lines if dark else light) >> offset
            points += 40 * hits.bit_count()
        percent = float(rows.bit_count()) / (n**2)
        return points + int(abs(percent * 100 - 50) / 5) * 10


@dataclass(frozen=True)
class Masks:
    cells: int  # every module of every line
    rows: int  # the row lines only
    blocks: int  # top-left corners of 2x2 blocks
    finder_starts: int  # where an 11-module run can start


@lru_cache(maxsize=64)
def _masks(n: int) -> Masks:
    layout = Layout(n)
    return Masks(cells=layout.lines_mask(0, 2 * n, n), rows=layout.lines_mask(0, n, n),
                 blocks=layout.lines_mask(0, n - 1, n - 1),
                 finder_starts=layout.lines_mask(0, 2 * n, max(n - 10, 0)))


@lru_cache(maxsize=64)
def _layout(version: int) -> Layout:
    """Which modules carry data (the ones a mask changes), and where each mask differs from 0."""
    scratch = qrcode.QRCode(version=version)
    n = scratch.modules_count = version * 4 + 17
    scratch.modules = [[None] * n for _ in range(n)]
    for row, col in ((0, 0), (n - 7, 0), (0, n - 7)):
        scratch.setup_position_probe_pattern(row, col)
    scratch.setup_position_adjust_pattern()
    scratch.setup_timing_pattern()
    scratch.setup_type_info(True, 0)
    if version >= 7:
        scratch.setup_type_number(True)
    layout = Layout(n)
    data = layout.pack([[cell is None for cell in row] for row in scratch.modules])
    zero = util.mask_func(0)
    flips = []
    for mask in range(8):
        other = util.mask_func(mask)
        flips.append(layout.pack([[zero(i, j) != other(i, j) for j in range(n)] for i in range(n)]))
    return Layout(n, data, tuple(flips))

"""The codes a photo shows: QR codes and barcodes, read with zxing-cpp (from PyPI, its reader
inside the wheel: nothing is downloaded or run beside it).

A QR code on a Hopquy label carries a link to the certificate's page; the search reads such a
link as the number it carries (``search.pasted``), so a photo of a label answers with its
certificate. A barcode carries what its printer put there (a model, a serial, an EAN), and is
searched like anything typed. The picture is read as the phone took it, scaled down to
``READ_SIDE`` first: codes stay readable, and a 48-megapixel photo takes a fraction of the time.
"""

from __future__ import annotations

from dataclasses import dataclass

import zxingcpp
from PIL import Image

READ_SIDE = 2000  # pixels on the long side that codes are read at
MAX_CODES = 8  # codes read from one photo, at most


@dataclass(frozen=True)
class Code:
    text: str
    kind: str  # "QR Code", "Code 128", "EAN-13", ...
    box: tuple[int, int, int, int]  # x, y, width, height in the photo's own pixels


def read_codes(image: Image.Image) -> list[Code]:
    """The codes in ``image`` (turned as the phone was held), in reading order, with where they
    are in it."""
    scale = min(1.0, READ_SIDE / max(image.size))
    if scale < 1:
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    found = []
    for result in zxingcpp.read_barcodes(image.convert("L")):
        if not result.valid or not result.text.strip():
            continue
        corners = result.position
        xs = [corners.top_left.x, corners.top_right.x, corners.bottom_left.x, corners.bottom_right.x]
        ys = [corners.top_left.y, corners.top_right.y, corners.bottom_left.y, corners.bottom_right.y]
        box = tuple(round(v / scale) for v in (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
        found.append(Code(result.text.strip()[:500], str(result.format).removeprefix("BarcodeFormat."), box))
        if len(found) == MAX_CODES:
            break
    return found

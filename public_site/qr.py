"""QR codes for verify URLs: PNG and SVG, rendered once per (URL, size) and then cached.

Error correction M (a label survives some scuffing) and a quiet zone of 4 modules, as the
QR standard asks, so that every phone camera reads them.
"""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache

import qrcode
from PIL import Image
from qrcode.image.svg import SvgPathImage

from public_site.qr_mask import best_mask
from public_site.qr_mask import prepare as prepare_masks

QUIET_ZONE = 4
DEFAULT_PX = 384
MIN_PX, MAX_PX = 96, 2048


def prepare() -> None:
    """What the first QR code would otherwise wait for: the mask layouts of the versions verify
    URLs use, and Pillow's PNG encoder, which it loads on first use."""
    prepare_masks()
    _png_bytes([[True]], 1)


def verify_url(public_url: str, certificate_no: str) -> str:
    return f"{public_url}/v/{certificate_no}"


def _matrix(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE, box_size=1)
    code.add_data(data)
    code.best_fit()
    code.makeImpl(False, best_mask(code))  # the mask qrcode's make() would choose, in a fraction of the time
    return code


@lru_cache(maxsize=4096)
def qr_png(data: str, size: int = DEFAULT_PX) -> bytes:
    """A PNG about ``size`` pixels wide, with whole-pixel modules (never blurred by scaling)."""
    matrix = _matrix(data).get_matrix()  # quiet zone included
    return _png_bytes(matrix, max(1, size // len(matrix)))


def _png_bytes(matrix: list[list[bool]], box: int) -> bytes:
    modules = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    image = Image.frombytes("L", (modules, modules), pixels).convert("1")
    image = image.resize((modules * box, modules * box), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")  # zlib's default level: 8% larger than optimize=True, 2x faster
    return out.getvalue()


@lru_cache(maxsize=4096)
def qr_svg(data: str) -> bytes:
    code = _matrix(data)
    code.box_size = 10
    out = io.BytesIO()
    code.make_image(image_factory=SvgPathImage).save(out)
    return out.getvalue()


def qr_image(data: str, size: int) -> Image.Image:
    """The QR code as a Pillow image, for labels."""
    return Image.open(io.BytesIO(qr_png(data, size))).convert("L")


def etag(*parts: object) -> str:
    return '"' + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32] + '"'

"""Photos sent by inspectors and citizens: checked, re-encoded, stored outside the database.

An upload is trusted for nothing: its size is bounded before decoding, its pixel count is
bounded before the pixels are allocated (a 40 kB PNG can claim to be 100,000 pixels square),
and the picture is re-encoded, which drops EXIF (phones put GPS there) and any payload
hiding behind a valid header. Files are named by the sha256 of what was stored.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from pathlib import Path

from PIL import Image

from registry.errors import Refused

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48 MP phone photo is refused; 40 MP (7,700 x 5,200) is plenty
MAX_SIDE = 2560  # stored photos are scaled down to this
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
STORED_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png)$")


class PhotoRefused(Refused):
    """The upload is not a photo we accept; the message says why, in words a user can act on."""


def checked_image(data: bytes) -> Image.Image:
    """``data`` as a decoded picture, once it is known to be a JPEG, PNG or WebP photo of a
    sane size that decodes whole; PhotoRefused says why not."""
    if not data:
        raise PhotoRefused("the photo is empty")
    if len(data) > MAX_BYTES:
        raise PhotoRefused(f"the photo is {len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES // 2**20} MB")
    image = _open(data)
    if image.format not in FORMATS:
        raise PhotoRefused(f"{image.format or 'this file'} is not accepted; send a JPEG, PNG or WebP photo")
    try:
        image.load()
    except Exception as exc:  # truncated or corrupt pixel data
        raise PhotoRefused("the photo is damaged and cannot be read") from exc
    return image


def check_and_store(data: bytes, folder: Path) -> str:
    """Store ``data`` as a clean JPEG or PNG under ``folder``; returns the stored file name."""
    image = checked_image(data)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    keep_alpha = image.mode in ("RGBA", "LA", "P") and image.format == "PNG"
    out = io.BytesIO()
    if keep_alpha:
        image.convert("RGBA").save(out, "PNG", optimize=True)
        ext = "png"
    else:
        image.convert("RGB").save(out, "JPEG", quality=85)
        ext = "jpg"
    stored = out.getvalue()
    name = f"{hashlib.sha256(stored).hexdigest()}.{ext}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        temporary = target.with_suffix(".part")
        temporary.write_bytes(stored)
        temporary.replace(target)
    return name


def _open(data: bytes) -> Image.Image:
    """Open without decoding pixels; a pixel bomb is refused from its header alone."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRefused("the picture claims too many pixels to be a photo") from exc
        except Exception as exc:
            raise PhotoRefused("this is not a picture; send a JPEG, PNG or WebP photo") from exc
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PhotoRefused(f"the picture is {width} x {height} pixels; the limit is {MAX_PIXELS // 10**6} megapixels")
    return image


def stored_path(folder: Path, name: str) -> Path | None:
    """The path of a stored photo, or None when the name is not one we could have written."""
    if not STORED_NAME.match(name):
        return None
    path = folder / name
    return path if path.is_file() else None

"""``POST /photo``: the "Chụp nhãn / Photo of the label" form of the search page and of the scan
page, answered as a page (a phone's file input with ``capture``; no JavaScript).

Beside what the API answers, the page shows where each code was read: a small crop of the
photo, sent back inline (``data:``) to the person who took it and kept nowhere. From the scan
page the form names the certificate scanned (``compare``), and the page says whether the
label's model is one of that certificate's: a QR code copied onto another device shows a
valid certificate for a model that is not the one in hand.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from io import BytesIO

from litestar import Controller, Request, post
from litestar.concurrency import sync_to_thread
from litestar.exceptions import ValidationException
from litestar.response import Template
from PIL import Image
from sqlalchemy import Engine

from public_site.photo_lookup import MAX_BODY, CodeRead, PhotoLookup, names, photo_form, seen_in
from public_site.plugin import DbEngine, Index
from public_site.rendering import render
from registry.queries import find_certificate
from registry.records import CertificateData

CROP_WIDTH = 480  # pixels: a line of print as wide as a phone's screen
MARGIN = 0.25  # of the box's height, around it


@dataclass(frozen=True)
class Comparison:
    record: CertificateData  # the certificate scanned
    matches: bool  # a model read on the label is one of its models, or the photo names it


class PhotoPageController(Controller):
    include_in_schema = False

    @post("/photo", status_code=200, request_max_body_size=MAX_BODY)
    async def photo_page(self, request: Request, engine: DbEngine, index: Index) -> Template:
        try:
            data, compare = await photo_form(request)
            lookup, image = await sync_to_thread(seen_in, engine, index, data)
        except ValidationException as exc:
            return render(request, "pages/photo.html", status_code=400, refused=exc.detail, lookup=None)
        crops = await sync_to_thread(read_here, image, lookup.read)
        comparison = await sync_to_thread(compared, engine, compare, lookup) if compare else None
        return render(request, "pages/photo.html", refused=None, lookup=lookup, crops=crops, comparison=comparison)


def read_here(image: Image.Image, read: list[CodeRead]) -> list[str]:
    """For each code read, the part of the photo it was read in, as a ``data:`` JPEG URL."""
    image = image.convert("RGB") if read else image
    crops = []
    for code in read:
        x, y, width, height = code.box
        margin = max(4, round(height * MARGIN))
        crop = image.crop((max(0, x - margin), max(0, y - margin),
                           min(image.width, x + width + margin), min(image.height, y + height + margin)))
        crop.thumbnail((CROP_WIDTH, CROP_WIDTH))
        out = BytesIO()
        crop.save(out, "JPEG", quality=75)
        crops.append("data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode())
    return crops


def compared(engine: Engine, number: str, lookup: PhotoLookup) -> Comparison | None:
    """Whether the photo names the certificate ``number`` (None: no such certificate). Read from
    the registry alone, so the answer stands while the search index is away."""
    with engine.connect() as connection:
        view = find_certificate(connection, number, with_history=False)
    if view is None:
        return None
    shown = {"certificate_no": view.record.certificate_no, "models": view.record.models}
    matches = (any(hit.certificate_no == view.record.certificate_no for hit in lookup.hits)
               or any(names(code.searched, shown) or names(code.text, shown) for code in lookup.read))
    return Comparison(view.record, matches)

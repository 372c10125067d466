"""``POST /api/v1/lookup/photo``: a photo of a label or a box, answered with the certificates
the codes it shows name.

The photo is the request body as the phone sent it (``Content-Type: image/jpeg``, ``image/png``
or ``image/webp``) or the field ``photo`` of a multipart form. It is checked as uploads are
(``registry.photos.checked_image``: size, pixel bomb, format, whole), read in memory and
dropped: nothing is stored, EXIF included. QR codes and barcodes are read
(``search.photo_codes``) and each is searched as the search box would search it, so a QR of
ours answers with its certificate. A photo without a code has its printed text read
(``search.photo_text``, Tesseract); each code-shaped word and each value after a field name
is searched, and kept only where it names a certificate: its number, its conformity mark
code or one of its models. A holder's tax code is a lead (the holder's certificates) only
when nothing else on the label names one.

At most ``AT_ONCE`` photos are read at a time by each server process; the others wait in
line up to ``WAIT_SECONDS``, then get a 503 with ``Retry-After`` rather than piling up.
"""

from __future__ import annotations

import threading
from typing import Literal

import msgspec
from litestar import Controller, Request, post
from litestar.concurrency import sync_to_thread
from litestar.exceptions import HTTPException, ValidationException
from PIL import Image, ImageOps
from sqlalchemy import Engine

from public_site.plugin import RETRY_LATER, DbEngine, Index
from public_site.schemas import SearchHit, problems, typed
from registry.codes import canonical_certificate_no, model_key
from registry.photos import MAX_BYTES, PhotoRefused, checked_image
from registry.queries import printed_on_labels
from search.client import SearchIndex
from search.pasted import read_pasted
from search.photo_codes import read_codes
from search.photo_text import OCR_LOOKALIKES, Line, TextTooSlow, TextUnreadable, candidates, read_lines
from search.query import search_certificates
from search.request import SearchParams

AT_ONCE = 2  # photos read at a time per process: two cores
WAIT_SECONDS = 10.0
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_BODY = MAX_BYTES + 64 * 1024  # the photo, and a form's parts around it
HITS_PER_CODE = 3
MAX_CANDIDATES = 8  # printed codes searched from one photo, at most
WHOLE_MIN = 4  # characters of a model found whole on a line that count as naming it
CONFUSED = str.maketrans("OISBZ", "01582")
_READING = threading.BoundedSemaphore(AT_ONCE)


class CodeRead(msgspec.Struct):
    text: str  # what the code carries
    kind: str  # "QR Code", "Code 128", "EAN-13", ..., or "text": a printed line
    box: list[int]  # where in the photo: x, y, width, height, in its own pixels
    searched: str  # what was searched for it: the number a link of ours carries, the code on a line


class PhotoLookup(msgspec.Struct):
    read: list[CodeRead]  # every code read, in reading order
    hits: list[SearchHit]  # the certificates they name, best first, each once
    # found; nothing_found: codes read, none names a certificate; nothing_read; too_slow: the
    # printed text took longer than the time a photo is given (search.photo_text.SECONDS)
    outcome: Literal["found", "nothing_found", "nothing_read", "too_slow"]


class PhotoLookupController(Controller):
    path = "/api/v1/lookup"
    tags = ["verification"]

    @post("/photo", operation_id="lookupPhoto", status_code=200, request_max_body_size=MAX_BODY,
          responses=problems(400, 503))
    async def photo(self, request: Request, engine: DbEngine, index: Index) -> PhotoLookup:
        """The certificates named by the QR codes, barcodes or printed codes in a photo of a label
        (JPEG, PNG or WebP, at most 8 MB: the body, or the multipart field ``photo``); the photo
        is not kept."""
        data, _ = await photo_form(request)
        return await sync_to_thread(looked_up, engine, index, data)


async def photo_form(request: Request) -> tuple[bytes, str | None]:
    """The photo's bytes, and the certificate number a form asks to compare it with."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form()
        photo, compare = form.get("photo"), form.get("compare")
        if photo is None or isinstance(photo, str):
            raise ValidationException(detail="the form has no file field named photo")
        return await photo.read(), compare.strip()[:100] if isinstance(compare, str) and compare.strip() else None
    if kind not in IMAGE_TYPES:
        raise ValidationException(detail=f"send the photo as {', '.join(IMAGE_TYPES)}, or as the field photo "
                                         "of a multipart form")
    return await request.body(), None


def looked_up(engine: Engine, index: SearchIndex | None, data: bytes) -> PhotoLookup:
    return seen_in(engine, index, data)[0]


def seen_in(engine: Engine, index: SearchIndex | None, data: bytes) -> tuple[PhotoLookup, Image.Image]:
    """The lookup, and the photo as it was read (turned as the phone was held): the page crops
    what was read from it without decoding the photo again."""
    if not _READING.acquire(timeout=WAIT_SECONDS):
        raise HTTPException(status_code=503, detail="too many photos are being read; try again shortly",
                            headers=RETRY_LATER)
    try:
        try:
            image = ImageOps.exif_transpose(checked_image(data))  # as the phone was held: read once
        except PhotoRefused as exc:
            raise ValidationException(detail=str(exc)) from exc
        codes = read_codes(image)
        lines = [] if codes else _text_of(image)  # a label without a code: its printed text
    except TextTooSlow:
        return PhotoLookup([], [], "too_slow"), image
    finally:
        _READING.release()
    read, hits, seen = [], [], set()

    def keep(found: list[dict]) -> None:
        for hit in found:
            if hit["certificate_no"] not in seen:
                seen.add(hit["certificate_no"])
                hits.append(typed(hit, SearchHit))

    for code in codes:
        pasted = read_pasted(code.text)
        body = search_certificates(engine, index, SearchParams(q=code.text[:200], per_page=HITS_PER_CODE))
        read.append(CodeRead(code.text, code.kind, list(code.box), body["searched"]))
        named = canonical_certificate_no(pasted.query) if pasted.link == "certificate" else None
        # a link of ours names one certificate: that one, or none
        keep([hit for hit in body["hits"] if named is None or hit["certificate_no"] == named])
    chosen = candidates(lines)[:MAX_CANDIDATES]
    with engine.connect() as connection:
        printed = [printed_on_labels(connection, candidate.text) for candidate in chosen]
    for candidate, (marked, holder) in zip(chosen, printed, strict=True):
        if holder and hits:
            continue  # a holder's tax code is a lead only when nothing else named a certificate
        body = search_certificates(engine, index, SearchParams(q=candidate.text[:200], per_page=HITS_PER_CODE))
        named = [hit for hit in body["hits"]
                 if holder or hit["certificate_no"] == marked or names(candidate.text, hit, candidate.line.text)]
        if named:  # printed text counts only where it names a certificate, its mark or its holder
            read.append(CodeRead(candidate.line.text, "text", list(candidate.line.box), body["searched"]))
            keep(named)
    outcome = "found" if hits else "nothing_found" if read else "nothing_read"
    return PhotoLookup(read, hits, outcome), image


def _text_of(image) -> list[Line]:
    try:
        return read_lines(image)
    except TextUnreadable as exc:
        raise HTTPException(status_code=503, detail=f"the photo's text could not be read: {exc}",
                            headers=RETRY_LATER) from exc


def names(text: str, hit: dict, line: str = "") -> bool:
    """Whether text read from a photo names ``hit``: its number, or one of its model codes,
    compacted and with the characters print and OCR confuse read alike (``SM A546E/DSN`` and
    ``5M-A546E/D5N`` name SM-A546E/DSN); or the ``line`` it was read on holds a model whole
    (``Model: MyPhone my81 DTV``, where the code-shaped word was ``my81``)."""
    key = seen_key(text)
    if not key:
        return False
    models = [seen_key(m) for m in hit["models"]]
    if key == seen_key(hit["certificate_no"]) or key in models:
        return True
    whole = seen_key(line)
    return any(len(model) >= WHOLE_MIN and key in model and model in whole for model in models)


def seen_key(text: str) -> str:
    """``model_key`` with the characters print and OCR confuse read as one: O and 0, I, ¡, !,
    | and 1, S and 5, B and 8, Z and 2 (``search.photo_text.OCR_LOOKALIKES``)."""
    return model_key(text.translate(OCR_LOOKALIKES)).translate(CONFUSED)

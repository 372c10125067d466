"""The codes printed on a label or a box, read from a photo with Tesseract (Debian's
``tesseract-ocr`` with its ``vie`` and ``eng`` data: nothing is downloaded at run time).

Most boxes print the model and the conformity mark, not a QR code. The photo is cleaned up
the usual way (grey, contrast stretched, levelled, scaled so that small
print has some twenty pixels of height), Tesseract finds words anywhere on it (``--psm 11``),
and the words are put back into lines. What a line may name is then tried: the value after a
field name (``Model:``, ``Kiểu/Model:``, ``Ký hiệu:``: ``search.pasted``'s one table), a
certificate number, and every word shaped like a code (letters and digits). ``search.photo``
keeps those that name a certificate.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageChops, ImageFilter, ImageOps

from registry.codes import CERTIFICATE_NO_RE, TAX_CODE_RE, canonical_certificate_no
from search.pasted import read_cut_label, read_pasted

READ_SIDE = 2400  # pixels on the long side text is read at
SECONDS = 8.0  # Tesseract's time for one photo, at most
MIN_CONFIDENCE = 30
MAX_SKEW = 10  # degrees a photo's lines may run off level, either way
INK_CONTRAST = 30  # how much darker than its surroundings a pixel of print is
# what OCR reads for a letter of a code that it is not: Tesseract's ``¡5.5`` is ``i5.5``
OCR_LOOKALIKES = str.maketrans({"¡": "i", "|": "I", "!": "I", "€": "E"})
CODE_SHAPED = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9][A-Za-z0-9\-_/.()]{2,40}$")


class TextUnreadable(Exception):
    """Tesseract is missing or failed."""


class TextTooSlow(Exception):
    """Reading the text took longer than ``SECONDS`` (a photo of gravel reads as a page of it)."""


@dataclass(frozen=True)
class Line:
    text: str
    box: tuple[int, int, int, int]  # x, y, width, height in the photo's own pixels


@dataclass(frozen=True)
class Candidate:
    text: str  # what to search for
    line: Line  # the line it was read on


def available() -> bool:
    return shutil.which("tesseract") is not None


def read_lines(image: Image.Image) -> list[Line]:
    """The lines of text in ``image`` (turned as the phone was held), top to bottom."""
    if not available():
        raise TextUnreadable("Tesseract is not installed (Debian: tesseract-ocr, tesseract-ocr-vie)")
    scale = min(READ_SIDE / max(image.size), 2.0)  # small print up to twice, never more
    grey = ImageOps.autocontrast(image.convert("L"), cutoff=1)
    if angle := skew(grey):  # Tesseract reads lines that run level
        grey = grey.rotate(angle, expand=False, fillcolor=255, resample=Image.Resampling.BICUBIC)
    if abs(scale - 1) > 0.05:
        grey = grey.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    png = BytesIO()
    grey.save(png, "PNG")
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", "-l", "vie+eng", "--psm", "11", "tsv"],
                              input=png.getvalue(), capture_output=True, timeout=SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TextTooSlow(f"reading the text took more than {SECONDS:.0f} s") from exc
    if done.returncode != 0:
        raise TextUnreadable(done.stderr.decode(errors="replace")[-300:])
    return _lines(done.stdout.decode("utf-8", errors="replace"), scale)


def skew(grey: Image.Image, widest: int = MAX_SKEW) -> float:
    """The angle, in degrees, that makes the photo's lines of print level: the one at which
    the print's rows are most uneven (lines and the gaps between them), tried half a degree at
    a time on a small copy; 0 unless it is clearly better than the photo as taken. Print is
    what is darker than its surroundings, so a dark table or a shadow around the label does
    not count as ink."""
    small = grey.copy()
    small.thumbnail((600, 600))
    surroundings = small.filter(ImageFilter.BoxBlur(6))
    ink = ImageChops.subtract(surroundings, small).point(lambda v: 255 if v > INK_CONTRAST else 0)

    def unevenness(angle: float) -> float:
        turned = ink.rotate(angle, resample=Image.Resampling.NEAREST)
        rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).tobytes())  # each row's mean
        mean = sum(rows) / len(rows)
        return sum((v - mean) ** 2 for v in rows)

    scores = {step / 2: unevenness(step / 2) for step in range(-2 * widest, 2 * widest + 1)}
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] > 1.1 * scores[0] else 0.0  # clearly better than as taken


def _lines(tsv: str, scale: float) -> list[Line]:
    """Tesseract's words put back into lines by where they stand: a word whose middle is within
    half a word's height of a line's joins it (Tesseract's own lines break at a gap)."""
    words = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or not cells[11].strip() or float(cells[10]) < MIN_CONFIDENCE:
            continue
        left, top, width, height = (int(cells[i]) for i in (6, 7, 8, 9))
        words.append((left, top, width, height, cells[11].strip()))
    rows: list[list[tuple[int, int, int, int, str]]] = []
    for word in sorted(words, key=lambda w: w[1] + w[3] / 2):
        middle = word[1] + word[3] / 2
        for row in rows:
            last = row[-1]
            if abs(middle - (last[1] + last[3] / 2)) <= max(word[3], last[3]) / 2:
                row.append(word)
                break
        else:
            rows.append([word])
    lines = []
    for row in rows:
        row.sort()
        x, y = min(w[0] for w in row), min(w[1] for w in row)
        right, bottom = max(w[0] + w[2] for w in row), max(w[1] + w[3] for w in row)
        box = tuple(round(v / scale) for v in (x, y, right - x, bottom - y))
        lines.append(Line(_joined(row), box))
    return sorted(lines, key=lambda line: (line.box[1], line.box[0]))


def _joined(row: list[tuple[int, int, int, int, str]]) -> str:
    """A line's words, with no space where Tesseract split one word at a gap narrower than a
    letter (``SM`` ``-A546E/DSN``)."""
    text = row[0][4]
    for before, word in zip(row, row[1:], strict=False):
        gap = word[0] - (before[0] + before[2])
        text += ("" if gap < word[3] * 0.25 else " ") + word[4]
    return text


def _lone_bracket_read(word: str) -> str:
    """A ")" after a letter or digit in a word that opened no bracket is a J misread
    (``M2007)3SG``, ``LED32K600)``); ``(ES)`` and ``SM-A546E(DS)`` stay as they are."""
    if "(" in word or ")" not in word:
        return word
    return re.sub(r"(?<=[A-Za-z0-9])\)", "J", word)


def candidates(lines: list[Line]) -> list[Candidate]:
    """What the lines may name, likeliest first: values after field names, certificate
    numbers, code-shaped words (models and conformity mark codes), then tax codes; each once."""
    labelled, numbers, words, tax_codes = [], [], [], []
    for line in lines:
        line = Line(" ".join(_lone_bracket_read(word) for word in line.text.translate(OCR_LOOKALIKES).split(" ")),
                    line.box)
        pasted = read_pasted(line.text)
        if pasted.field and pasted.query:
            labelled.append(Candidate(pasted.query, line))
        else:  # a field name cut at the photo's edge, or run into its value
            labelled += [Candidate(value, line) for value in read_cut_label(line.text)]
        for word in line.text.split():
            word = word.strip(".,;:")
            if CERTIFICATE_NO_RE.match(canonical_certificate_no(word)):
                numbers.append(Candidate(canonical_certificate_no(word), line))
            elif CODE_SHAPED.match(word):
                words.append(Candidate(word, line))
            elif TAX_CODE_RE.match(word):  # the holder's: a lead when nothing else names a certificate
                tax_codes.append(Candidate(word, line))
    seen: set[str] = set()
    out = []
    for candidate in labelled + numbers + words + tax_codes:
        if candidate.text.upper() not in seen:
            seen.add(candidate.text.upper())
            out.append(candidate)
    return out

"""Photos of labels and box stickers, made in software: a certificate's label rendered the way
shops show them (three layouts, three typefaces, several sizes, Vietnamese text), then
"photographed": turned, seen at an angle, blurred, saved at a low JPEG quality, under glare,
in low light, or cut at an edge. Fixed seeds: the same photos every run.

    python -m benchmarks.label_photos tests/photos    # the tests' committed sample, written again

The tests' sample is 27 photos (three of each distortion) of the sample registry's labels,
with ``photos.json`` saying what each shows.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from registry.records import CertificateData

HERE = Path(__file__).resolve().parent
SITE_FONTS = HERE.parent / "public_site" / "fonts"
# the typefaces labels are printed in, each (regular, bold): the site's own sans, a condensed
# bold as box stickers use, and the monospace of label printers (all DejaVu, all with
# Vietnamese: the same licence, beside them)
FACES = (
    (SITE_FONTS / "DejaVuSans.ttf", SITE_FONTS / "DejaVuSans-Bold.ttf"),
    (HERE / "fonts" / "DejaVuSansCondensed-Bold.ttf", HERE / "fonts" / "DejaVuSansCondensed-Bold.ttf"),
    (HERE / "fonts" / "DejaVuSansMono.ttf", HERE / "fonts" / "DejaVuSansMono.ttf"),
)
DISTORTIONS = ("none", "rotation", "perspective", "blur", "jpeg", "glare", "low light", "crop", "mixed")
PHONE = (1600, 1200)  # the photo's pixels: a phone's 12 MP photo is 2.5 times as wide
LABEL_MM = 60  # the label's width
FILLS = (0.45, 0.85)  # the share of the photo's width the label takes, from a step back to close up


@dataclass(frozen=True)
class LabelPhoto:
    data: bytes  # JPEG
    model: str  # the code printed
    number: str  # the certificate whose label it is
    distortion: str
    code_mm: float  # the printed code's height (its type's em), on a label LABEL_MM wide
    code_px: float  # the same height, in the photo's pixels


def layout(record: CertificateData, model: str, rng: random.Random) -> list[tuple[str, bool]]:
    """The label's lines (text, bold), in one of the layouts shops show."""
    kind = record.product_name.split(" GSM")[0].split(" có ")[0][:40]
    return rng.choice([
        [(kind, True), (f"Kiểu/Model: {model}", False), (f"Nhãn hiệu: {record.brand}", False),
         ("Sản xuất tại Việt Nam", False)],
        [(record.brand.upper(), True), (f"MODEL {model}", True), ("Made in Vietnam", False)],
        [("Thiết bị đã được chứng nhận hợp quy", False), (f"Ký hiệu: {model}", True),
         (f"Số GCN: {record.certificate_no}", False)],
    ])


def render(lines: list[tuple[str, bool]], size: int, width_ems: int = 26, face: int = 0) -> Image.Image:
    label = Image.new("RGB", (int(size * width_ems), int(size * 1.9 * len(lines) + size)), "white")
    draw = ImageDraw.Draw(label)
    for i, (text, bold) in enumerate(lines):
        font = ImageFont.truetype(str(FACES[face][bold]), size)
        draw.text((size // 2, size // 2 + int(size * 1.9 * i)), text, font=font, fill=(25, 25, 25))
    return label


def photographed(label: Image.Image, distortion: str, rng: random.Random) -> tuple[bytes, float]:
    """The photo (JPEG), and how much the label was scaled to fit in it."""
    scene = Image.new("RGB", PHONE, tuple(rng.randint(80, 170) for _ in range(3)))
    scale = min(rng.uniform(*FILLS) * PHONE[0] / label.width, 0.7 * PHONE[1] / label.height)
    label = label.resize((int(label.width * scale), int(label.height * scale)), Image.Resampling.LANCZOS)
    mixed = distortion == "mixed"  # a little of several: turned, soft, dim, compressed
    angle = rng.uniform(-8, 8) if distortion == "rotation" else rng.uniform(-5, 5) if mixed else rng.uniform(-1.5, 1.5)
    label = label.rotate(angle, expand=True, fillcolor=scene.getpixel((0, 0)), resample=Image.Resampling.BICUBIC)
    x, y = (PHONE[0] - label.width) // 2, (PHONE[1] - label.height) // 2
    scene.paste(label, (x, y))
    if distortion == "perspective":
        w, h = PHONE
        d = rng.uniform(0.04, 0.1)
        scene = scene.transform(PHONE, Image.Transform.QUAD, (w * d, h * d, 0, h, w, h, w * (1 - d), h * d),
                                resample=Image.Resampling.BICUBIC)
    if distortion == "blur":
        scene = scene.filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 2.5)))
    if distortion == "glare":
        glare = Image.new("L", PHONE, 0)
        cx, cy = x + rng.randint(0, label.width), y + rng.randint(0, label.height)
        ImageDraw.Draw(glare).ellipse((cx - 160, cy - 90, cx + 160, cy + 90), fill=170)
        scene = Image.composite(Image.new("RGB", PHONE, "white"), scene, glare.filter(ImageFilter.GaussianBlur(40)))
    if distortion == "low light":
        scene = ImageEnhance.Brightness(scene).enhance(rng.uniform(0.3, 0.45))
        noise = Image.effect_noise(PHONE, 18).convert("RGB")
        scene = Image.blend(scene, noise, 0.08)
    if mixed:
        scene = scene.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.4)))
        scene = ImageEnhance.Brightness(scene).enhance(rng.uniform(0.55, 0.75))
    if distortion == "crop":
        left = x + int(label.width * rng.uniform(0.0, 0.04))
        scene = scene.crop((left, 0, PHONE[0], PHONE[1]))
    out = io.BytesIO()
    quality = rng.randint(25, 40) if distortion == "jpeg" else rng.randint(45, 60) if mixed else 85
    scene.save(out, "JPEG", quality=quality)
    return out.getvalue(), scale


def label_photos(records: list[CertificateData], count: int, seed: int = 5) -> list[LabelPhoto]:
    """``count`` photos of the labels of certificates drawn from ``records``, the distortions
    in turn."""
    rng = random.Random(seed)
    chosen = rng.sample([r for r in records if r.models], min(count, len(records)))
    photos = []
    for i, record in enumerate(chosen):
        model = rng.choice(record.models)
        size, width_ems = rng.choice([26, 30, 36]), rng.choice([24, 26, 30])  # print 2.0 to 2.5 mm
        distortion = DISTORTIONS[i % len(DISTORTIONS)]
        label = render(layout(record, model, rng), size, width_ems, face=rng.randrange(len(FACES)))
        data, scale = photographed(label, distortion, rng)
        photos.append(LabelPhoto(data, model, record.certificate_no, distortion,
                                 code_mm=LABEL_MM * size / label.width, code_px=size * scale))
    return photos


def write_sample(folder: Path, count: int = 3 * len(DISTORTIONS)) -> None:
    """The tests' committed photos of the sample registry's labels, and what each shows."""
    from benchmarks.relevance import all_records, sample_registry  # the registry, only when writing

    with tempfile.TemporaryDirectory() as work:
        records = all_records(sample_registry(Path(work)))
    folder.mkdir(parents=True, exist_ok=True)
    shown = []
    for i, photo in enumerate(label_photos(records, count, seed=11)):
        name = f"{i:02d}-{photo.distortion.replace(' ', '-')}.jpg"
        (folder / name).write_bytes(photo.data)
        shown.append({"file": name, "number": photo.number, "model": photo.model, "distortion": photo.distortion,
                      "code_mm": round(photo.code_mm, 2), "code_px": round(photo.code_px, 1)})
    (folder / "photos.json").write_text(json.dumps(shown, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    write_sample(parser.parse_args().folder)

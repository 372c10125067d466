"""Photos of labels and box stickers, made in software: a certificate's label rendered the way
shops show them (three layouts, two weights of type, several sizes, Vietnamese text), then
"photographed": turned, seen at an angle, blurred, saved at a low JPEG quality, under glare,
in low light, or cut at an edge. Fixed seeds: the same photos every run.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from registry.records import CertificateData

FONTS = Path(__file__).resolve().parents[1] / "public_site" / "fonts"
DISTORTIONS = ("none", "rotation", "perspective", "blur", "jpeg", "glare", "low light", "crop")
PHONE = (1600, 1200)  # the photo's pixels, a phone's picture scaled as it uploads


@dataclass(frozen=True)
class LabelPhoto:
    data: bytes  # JPEG
    model: str  # the code printed
    number: str  # the certificate whose label it is
    distortion: str
    code_mm: float  # the printed code's height, at a label 60 mm wide


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


def render(lines: list[tuple[str, bool]], size: int) -> Image.Image:
    label = Image.new("RGB", (int(size * 26), int(size * 1.9 * len(lines) + size)), "white")
    draw = ImageDraw.Draw(label)
    for i, (text, bold) in enumerate(lines):
        font = ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)
        draw.text((size // 2, size // 2 + int(size * 1.9 * i)), text, font=font, fill=(25, 25, 25))
    return label


def photographed(label: Image.Image, distortion: str, rng: random.Random) -> bytes:
    scene = Image.new("RGB", PHONE, tuple(rng.randint(80, 170) for _ in range(3)))
    scale = min(0.8 * PHONE[0] / label.width, 0.7 * PHONE[1] / label.height)
    label = label.resize((int(label.width * scale), int(label.height * scale)), Image.Resampling.LANCZOS)
    angle = rng.uniform(-8, 8) if distortion == "rotation" else rng.uniform(-1.5, 1.5)
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
    if distortion == "crop":
        left = x + int(label.width * rng.uniform(0.0, 0.04))
        scene = scene.crop((left, 0, PHONE[0], PHONE[1]))
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=rng.randint(25, 40) if distortion == "jpeg" else 85)
    return out.getvalue()


def label_photos(records: list[CertificateData], count: int, seed: int = 5) -> list[LabelPhoto]:
    """``count`` photos of the labels of certificates drawn from ``records``, the distortions
    in turn."""
    rng = random.Random(seed)
    chosen = rng.sample([r for r in records if r.models], min(count, len(records)))
    photos = []
    for i, record in enumerate(chosen):
        model = rng.choice(record.models)
        size = rng.choice([26, 30, 36])
        distortion = DISTORTIONS[i % len(DISTORTIONS)]
        label = render(layout(record, model, rng), size)
        photos.append(LabelPhoto(photographed(label, distortion, rng), model, record.certificate_no, distortion,
                                 code_mm=60 * size / label.width))
    return photos

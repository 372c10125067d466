"""Printable labels: the conformity-mark area, the certificate number, the model and the QR code.

One label as PNG (for a product page or a label printer) or PDF (vector text, so it prints
sharp and can be searched), and A4 sheets of 24 labels (3 x 8, 63.5 x 33.9 mm, the common
adhesive sheet) for a holder that labels many products at once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from public_site.qr import qr_image, qr_png

FONTS = Path(__file__).parent / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
SCAN_TEXT = "Quét mã để kiểm tra · Scan to verify"
LABEL_MM = (63.5, 33.9)
SHEET_COLUMNS, SHEET_ROWS = 3, 8
SHEET_MARGIN_MM, SHEET_GAP_MM = (7.2, 13.1), 2.5


@dataclass(frozen=True)
class LabelContent:
    certificate_no: str
    models: tuple[str, ...]
    brand: str
    verify_url: str

    @property
    def model_line(self) -> str:
        more = len(self.models) - 1
        return self.models[0] + (f" (+{more})" if more > 0 else "")


def label_png(label: LabelContent, width: int = 800) -> bytes:
    height = round(width * LABEL_MM[1] / LABEL_MM[0])
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    pad = width // 40
    qr_side = height - 2 * pad
    image.paste(qr_image(label.verify_url, qr_side).resize((qr_side, qr_side)), (pad, pad))
    x = qr_side + 2 * pad
    mark = height // 3
    draw.rounded_rectangle((x, pad, x + mark * 1.6, pad + mark), radius=mark // 6, outline=0, width=4)
    draw.text((x + mark * 0.8, pad + mark / 2), "CR", fill=0, anchor="mm", font=_font(BOLD, mark * 0.6))
    lines = [(label.certificate_no, BOLD, height // 10), (label.model_line, REGULAR, height // 12),
             (label.brand, REGULAR, height // 13), (SCAN_TEXT, REGULAR, height // 18)]
    y = pad + mark + pad
    for text, face, size in lines:
        font = _fit(draw, text, face, size, width - x - pad)
        draw.text((x, y), text, fill=0, font=font)
        y += round(font.size * 1.35)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def label_pdf(labels: list[LabelContent], sheet: bool = False) -> bytes:
    """One label per page, or A4 sheets of 24 labels."""
    pdf = FPDF(unit="mm", format="A4" if sheet else LABEL_MM)
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_title("Hopquy labels")
    per_page = SHEET_COLUMNS * SHEET_ROWS if sheet else 1
    for i, label in enumerate(labels):
        if i % per_page == 0:
            pdf.add_page()
        slot = i % per_page
        x, y = (0.0, 0.0)
        if sheet:
            x = SHEET_MARGIN_MM[0] + (slot % SHEET_COLUMNS) * (LABEL_MM[0] + SHEET_GAP_MM)
            y = SHEET_MARGIN_MM[1] + (slot // SHEET_COLUMNS) * LABEL_MM[1]
        _draw_pdf_label(pdf, label, x, y)
    return bytes(pdf.output())


def _draw_pdf_label(pdf: FPDF, label: LabelContent, x: float, y: float) -> None:
    w, h = LABEL_MM
    pad = 1.8
    qr_side = h - 2 * pad
    pdf.image(io.BytesIO(qr_png(label.verify_url, 512)), x=x + pad, y=y + pad, w=qr_side, h=qr_side)
    left = x + qr_side + 2 * pad
    width = w - qr_side - 3 * pad
    pdf.set_line_width(0.4)
    pdf.rect(left, y + pad, 14, 8, round_corners=True, style="D")
    pdf.set_font("DejaVu", "B", 13)
    pdf.set_xy(left, y + pad)
    pdf.cell(14, 8, "CR", align="C")
    rows = [("B", 8.5, label.certificate_no), ("", 7, label.model_line), ("", 6.5, label.brand),
            ("", 4.6, SCAN_TEXT)]
    top = y + pad + 10
    for style, size, text in rows:
        pdf.set_font("DejaVu", style, size)
        while pdf.get_string_width(text) > width and size > 4:
            size -= 0.25
            pdf.set_font("DejaVu", style, size)
        pdf.set_xy(left, top)
        pdf.cell(width, size * 0.5, text)
        top += size * 0.5 + 0.9


def _font(face: Path, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(face), max(8, int(size)))


def _fit(draw: ImageDraw.ImageDraw, text: str, face: Path, size: int, width: int) -> ImageFont.FreeTypeFont:
    font = _font(face, size)
    while draw.textlength(text, font=font) > width and font.size > 10:
        font = _font(face, font.size - 2)
    return font

"""Header mapping: Vietnamese or English headers, spelled a dozen ways, to the feed's keys."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from registry.codes import folded_words

ALIASES: dict[str, tuple[str, ...]] = {
    "certificate_no": ("Số giấy chứng nhận", "Số GCN", "Số chứng nhận", "Số bản công bố",
                       "Số thông báo tiếp nhận", "Certificate No", "Certificate number"),
    "kind": ("Loại", "Hình thức", "Kind"),
    "product_name": ("Tên sản phẩm", "Tên thiết bị", "Tên hàng hóa", "Product", "Product name"),
    "brand": ("Nhãn hiệu", "Thương hiệu", "Brand"),
    "models": ("Ký hiệu", "Model", "Kiểu loại", "Ký hiệu sản phẩm", "Models"),
    "manufacturer": ("Nhà sản xuất", "Hãng sản xuất", "Manufacturer"),
    "origin": ("Xuất xứ", "Nước sản xuất", "Origin"),
    "holder_name": ("Tổ chức được cấp", "Tên doanh nghiệp", "Tổ chức, cá nhân công bố",
                    "Holder", "Holder name"),
    "holder_tax_code": ("Mã số thuế", "MST", "Tax code", "Holder tax code"),
    "regulations": ("Quy chuẩn kỹ thuật", "Quy chuẩn áp dụng", "QCVN", "Regulations"),
    "method": ("Phương thức đánh giá", "Phương thức chứng nhận", "Method"),
    "lot_ref": ("Số lô", "Số tờ khai", "Lot ref", "Lot reference"),
    "certification_body": ("Tổ chức chứng nhận", "Đơn vị cấp", "Certification body"),
    "issued_on": ("Ngày cấp", "Ngày ký", "Ngày công bố", "Issued on", "Issue date"),
    "expires_on": ("Ngày hết hạn", "Hiệu lực đến", "Có hiệu lực đến", "Expires on",
                   "Expiry date"),
    "status": ("Trạng thái", "Tình trạng", "Status"),
    "mark_code": ("Mã số dấu hợp quy", "Mã dấu", "Mã hợp quy", "Mark code"),
    "note": ("Ghi chú", "Note", "Notes"),
}
REQUIRED = ("certificate_no", "kind", "product_name", "brand", "models", "holder_name",
            "regulations", "issued_on")
HEADER_SEARCH_ROWS = 20


def header_key(text: object) -> str:
    """Case, diacritics, spaces, line breaks, punctuation and a trailing ``(*)`` ignored."""
    raw = "" if text is None else str(text)
    raw = re.sub(r"\(\s*\*\s*\)\s*$", "", raw.strip())
    return folded_words(raw)


_LOOKUP = {header_key(alias): key for key, aliases in ALIASES.items() for alias in aliases}
_LOOKUP.update({header_key(key.replace("_", " ")): key for key in ALIASES})


@dataclass(frozen=True)
class HeaderMap:
    """Which column index holds which feed key, and the header text as the user wrote it."""

    row: int
    columns: dict[str, int]
    written: dict[str, str]
    unknown: tuple[str, ...]

    def missing(self) -> list[str]:
        return [key for key in REQUIRED if key not in self.columns]


def map_header(cells: Sequence[object], row: int) -> HeaderMap:
    columns: dict[str, int] = {}
    written: dict[str, str] = {}
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        key = _LOOKUP.get(header_key(cell))
        text = " ".join(str(cell).split()) if cell is not None else ""
        if key and key not in columns:
            columns[key], written[key] = index, text
        elif text:
            unknown.append(text)
    return HeaderMap(row, columns, written, tuple(unknown))


def describe(key: str) -> str:
    """``Số giấy chứng nhận (certificate_no)`` for messages."""
    return f"{ALIASES[key][0]} ({key})"

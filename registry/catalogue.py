"""Every certificate field, declared once, with everything the rest of the house needs of it.

The feed's header spellings and length limits, the importer's parser, how the registry stores
it, whether it is part of the content hash, exported, searched, filtered or counted as a
facet: the column lists of the sync, the snapshot, the header map, the open-data columns and
the search document are all read from here. A new field is one entry (and its column).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Storage = Literal["column", "list_column", "children", "holder", "identity"]
LIST_SEPARATOR = "; "  # how a list kept in one column is joined (the feed's own separator)


@dataclass(frozen=True)
class Field:
    name: str  # the record's attribute, the JSON key and the open-data column
    label_vi: str
    label_en: str
    headers: tuple[str, ...] = ()  # feed header spellings besides the labels; the first names the column
    max_length: int = 500
    parser: str = "text"  # the importer's parser of the cell (``importer.validate.PARSERS``)
    required: bool = False
    storage: Storage = "column"
    feed_key: str | None = None  # when the feed and open data name it otherwise
    hashed: bool = True  # part of the snapshot that history diffs and the content hash cover
    # False for fields added after records were stored: left out of the snapshot while empty,
    # so that no stored content hash changes and no record gets an "update" with an empty diff
    hashed_when_empty: bool = True
    exported: bool = True
    from_feed: bool = True
    searched: bool = False  # its words are searched (a document attribute of the same name)
    filter: str | None = None  # the search's query parameter that filters on it
    facet: str | None = None  # the document attribute whose values are counted
    shown: bool = False  # displayed by the generic rows of /c and /v (older fields have rows of their own)

    @property
    def key(self) -> str:
        """The feed's and open data's name for it."""
        return self.feed_key or self.name

    @property
    def all_headers(self) -> tuple[str, ...]:
        """Every spelling a header may take, the Vietnamese label first."""
        return tuple(dict.fromkeys((self.label_vi, *self.headers, self.label_en)))


FIELDS: tuple[Field, ...] = (
    Field("certificate_no", "Số giấy chứng nhận", "Certificate No",
          ("Số GCN", "Số chứng nhận", "Số bản công bố", "Số thông báo tiếp nhận", "Certificate number"),
          max_length=60, parser="certificate_no", required=True, storage="identity", hashed=False),
    Field("kind", "Loại", "Kind", ("Hình thức",), parser="kind", required=True,
          filter="kind", facet="kind"),
    Field("product_name", "Tên sản phẩm", "Product name", ("Tên thiết bị", "Tên hàng hóa", "Product"),
          required=True, searched=True),
    Field("brand", "Nhãn hiệu", "Brand", ("Thương hiệu",), max_length=200, required=True, searched=True,
          filter="brand", facet="brand"),
    Field("models", "Ký hiệu", "Models", ("Model", "Kiểu loại", "Ký hiệu sản phẩm"), max_length=4000,
          parser="models", required=True, storage="children", searched=True),
    Field("manufacturer", "Nhà sản xuất", "Manufacturer", ("Hãng sản xuất",), max_length=300),
    Field("origin", "Xuất xứ", "Origin", ("Nước sản xuất",), max_length=100),
    Field("holder_name", "Tổ chức được cấp", "Holder name", ("Tên doanh nghiệp", "Tổ chức, cá nhân công bố", "Holder"),
          required=True, searched=True),
    Field("holder_tax_code", "Mã số thuế", "Tax code", ("MST", "Holder tax code"),
          parser="tax_code", storage="holder", searched=True),
    Field("regulations", "Quy chuẩn kỹ thuật", "Regulations", ("Quy chuẩn áp dụng", "QCVN"), max_length=1000,
          parser="regulations", required=True, storage="children", filter="regulation", facet="regulations"),
    Field("method", "Phương thức đánh giá", "Method", ("Phương thức chứng nhận",), parser="method"),
    Field("lot_ref", "Số lô", "Lot ref", ("Số tờ khai", "Lot reference"), max_length=100),
    Field("certification_body", "Tổ chức chứng nhận", "Certification body", ("Đơn vị cấp",), max_length=300),
    Field("issued_on", "Ngày cấp", "Issued on", ("Ngày ký", "Ngày công bố", "Issue date"), parser="date",
          required=True, filter="year", facet="issued_year"),
    Field("expires_on", "Ngày hết hạn", "Expires on", ("Hiệu lực đến", "Có hiệu lực đến", "Expiry date"),
          parser="date"),
    Field("admin_status", "Trạng thái", "Status", ("Tình trạng",), parser="status",
          feed_key="status", filter="status"),
    Field("mark_code", "Mã số dấu hợp quy", "Mark code", ("Mã dấu", "Mã hợp quy"), max_length=60,
          parser="mark_code", searched=True),
    Field("note", "Ghi chú", "Note", ("Notes",), max_length=4000),
    Field("technologies", "Công nghệ", "Technologies", ("Công nghệ vô tuyến", "Radio technologies", "Technology"),
          max_length=1000, parser="technologies", storage="list_column", hashed_when_empty=False, searched=True,
          filter="technology", facet="technologies", shown=True),
    Field("bands", "Băng tần", "Frequency bands", ("Dải tần", "Băng tần số", "Bands", "Frequency band"),
          max_length=2000, parser="bands", storage="list_column", hashed_when_empty=False, searched=True,
          shown=True),
    Field("source", "Nguồn", "Source", storage="column", exported=False, from_feed=False),
)
FEED_FIELDS = tuple(field for field in FIELDS if field.from_feed)
BY_KEY = {field.key: field for field in FEED_FIELDS}
REQUIRED = tuple(field.key for field in FEED_FIELDS if field.required)
# the record's compared fields, in the order history and exports show them
HASHED = tuple(field for field in FIELDS if field.hashed)
COLUMN_FIELDS = tuple(field.name for field in FIELDS if field.storage in ("column", "list_column", "identity"))
LIST_COLUMNS = frozenset(field.name for field in FIELDS if field.storage == "list_column")
LIST_FIELDS = frozenset(field.name for field in FIELDS if field.storage in ("list_column", "children"))
EXPORTED = tuple(field.key for field in FIELDS if field.exported)
SHOWN = tuple(field for field in FIELDS if field.shown)
FACETS = tuple(field.facet for field in FIELDS if field.facet)


def joined(values: tuple[str, ...] | list[str]) -> str | None:
    """A list as one column's text (None when empty, as an unset column)."""
    return LIST_SEPARATOR.join(values) if values else None


def split(text: str | None) -> tuple[str, ...]:
    """``joined`` undone."""
    return tuple(text.split(LIST_SEPARATOR)) if text else ()

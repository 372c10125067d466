"""Product categories, read from the product name: a filter and a facet of the search.

Feeds carry no category, only the product name as the certificate states it ("Điện thoại di
động GSM/WCDMA/LTE/NR", "Thiết bị phát thu-phát vô tuyến ... (bộ phát Wi-Fi)"). A name is
put in the first category one of whose phrases it contains. The phrases are lower case and
start inside a word where Vietnamese capitals differ ("thoại", not "điện thoại"), so that
SQL's ``lower()``, which folds only ASCII on SQLite, finds them as Python does.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, and_, not_, or_

from registry.models import Certificate


class Category(StrEnum):
    PHONE = "phone"
    TABLET = "tablet"
    SMARTWATCH = "smartwatch"
    WIFI = "wifi"
    MODEM = "modem"
    TV_RECEIVER = "tv_receiver"
    OTHER = "other"


OTHER = Category.OTHER
# code: phrases, in order of precedence (a smartwatch "kết nối Bluetooth" is a smartwatch)
CATEGORIES: dict[str, tuple[str, ...]] = {
    Category.PHONE: ("thoại di động", "smartphone", "mobile phone"),
    Category.TABLET: ("tính bảng", "tablet"),
    Category.SMARTWATCH: ("hồ thông minh", "smartwatch", "smart watch"),
    Category.WIFI: ("wi-fi", "wifi", "wlan", "router"),
    Category.MODEM: ("modem", "gpon", "mạng quang"),
    Category.TV_RECEIVER: ("ầu thu", "set-top", "dvb-t2"),
}
CODES = tuple(Category)


def category_of(product_name: str) -> str:
    name = product_name.lower()
    return next((code for code, phrases in CATEGORIES.items() if any(p in name for p in phrases)), OTHER)


def category_clause(code: str) -> ColumnElement[bool]:
    """The SQL meaning of ``category_of(product_name) == code``, for the degraded search."""

    def contains(phrases: tuple[str, ...]) -> ColumnElement[bool]:
        return or_(*(Certificate.product_name.ilike(f"%{p}%") for p in phrases))

    codes = list(CATEGORIES)
    earlier = codes[: codes.index(code)] if code in CATEGORIES else codes
    outside = [not_(contains(CATEGORIES[c])) for c in earlier]
    return and_(contains(CATEGORIES[code]), *outside) if code in CATEGORIES else and_(*outside)

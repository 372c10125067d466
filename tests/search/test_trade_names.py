"""The trade name read from a product name (search.trade_names), and a query's."""

from __future__ import annotations

import pytest

from search.trade_names import exact_trade_first, named_trade, trade_name


@pytest.mark.parametrize(("product", "brand", "name"), [
    ("Điện thoại di động GSM/WCDMA/LTE/NR Galaxy A54 5G", "Samsung", "Galaxy A54 5G"),
    ("Điện thoại di động realme 6", "Realme", "realme 6"),  # from the brand, when it is there
    ("Điện thoại di động GSM/WCDMA/LTE/NR ZTE Blade A610", "ZTE", "ZTE Blade A610"),
    ("Máy tính bảng vô tuyến LTE iPad Pro", "Apple", "iPad Pro"),
    ("Đồng hồ thông minh kết nối Bluetooth Galaxy Watch6", "Samsung", "Galaxy Watch6"),
    ("Thiết bị phát thu-phát vô tuyến cự ly ngắn (bộ phát Wi-Fi) Archer C6", "TP-Link", "Archer C6"),
    ("Máy tính bảng có chức năng thu phát vô tuyến LTE DIGNO Tab2 5G", "Kyocera", "DIGNO Tab2 5G"),
    ("Điện thoại di động Redmi Note 12 mini", "Xiaomi", "Redmi Note 12 mini"),
    ("Điện thoại di động GSM/WCDMA/LTE/NR", "Xiaomi", ""),  # the kind of device only
    ("Điện thoại di động GSM/WCDMA/LTE/NR LUO(A) S15 Pro", "LUO(A)", "LUO(A) S15 Pro"),
])
def test_the_name_sold_under_is_read_after_the_kind_of_device(product, brand, name):
    assert trade_name(product, brand) == name


def test_a_query_names_the_trade_name_after_the_kind_of_device():
    assert named_trade("điện thoại Realme 6") == "realme 6"
    assert named_trade("dien thoai di dong realme 6 pro") == "realme 6 pro"
    assert named_trade("điện thoại") == ""


def test_an_exact_trade_name_moves_first_the_rest_keep_their_order():
    docs = [{"id": 1, "trade_name": "realme 6 Pro"}, {"id": 2, "trade_name": "realme 6i"},
            {"id": 3, "trade_name": "realme 6"}, {"id": 4, "trade_name": "realme 6"}]
    assert [d["id"] for d in exact_trade_first(docs, "dien thoai realme 6")] == [3, 4, 1, 2]
    assert [d["id"] for d in exact_trade_first(docs, "realme 7")] == [1, 2, 3, 4]
    assert exact_trade_first([], "realme 6") == []

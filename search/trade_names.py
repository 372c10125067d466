"""A device's trade name, read from the certificate's product name: what people type.

A product name is the kind of device the certificate states, then, often, the name it is
sold under: "Điện thoại di động GSM/WCDMA/LTE/NR Galaxy A54 5G", "Máy tính bảng vô tuyến
LTE realme Pad". Searched as its own attribute, a name that is exactly the query ranks before
the names it begins (Meilisearch's exactness rule: an attribute equal to the query, then one
starting with it): ``realme 6`` finds the realme 6 before the 6i and the 6 Pro.

The name starts at the brand when the product name carries it; otherwise after the leading
words that state the kind of device (``KIND_WORDS``, folded) and its technologies.
"""

from __future__ import annotations

import re

from search.listing import fold

# the words certificates use for the kind of device and its radio, folded (search.listing.fold)
KIND_WORDS = frozenset("""
dien thoai di dong co dinh khong day may tinh bang thiet bi phat thu vo tuyen dau cuoi ket noi
dong ho thong minh bo wifi wi-fi wlan modem quang mang router dau thu truyen hinh so ve tinh
camera giam sat loa tai nghe va su dung cong nghe bang rong cu ly ngan cho xe o to cua
thu-phat module mo dun dung chuc nang tich hop ho tro cam tay ban
""".split())
TECHNOLOGY = re.compile(r"^(?:[A-Z0-9-]+(?:/[A-Za-z0-9.-]+)+|LTE|NR|GSM|WCDMA|CDMA|UMTS|Bluetooth|BLE|NFC|"
                        r"GPON|EPON|xPON|DVB-T2|DVB-S2|IEEE|802\.11\w*|4G|3G|2G|RFID|UWB|Zigbee)[,;:]?$", re.I)


def trade_name(product_name: str, brand: str) -> str:
    """The name the device is sold under, or '' when the product name states only its kind."""
    words = product_name.split()
    folded = [fold(word).strip(",;:()") for word in words]
    own = fold(brand).split()
    if own:
        for i in range(len(words) - len(own) + 1):
            if folded[i:i + len(own)] == own:
                return " ".join(words[i:])
    return " ".join(words[_kind_end(folded, words):])


def _kind_end(folded: list[str], words: list[str]) -> int:
    """Where the words that state the kind of device and its radios end."""
    return next((i for i, word in enumerate(words) if folded[i] not in KIND_WORDS and not TECHNOLOGY.match(word)),
                len(words))


def named_trade(query: str) -> str:
    """The trade name a query asks for, folded: its words after the kind of device
    (``điện thoại realme 6`` → ``realme 6``); '' when nothing is left."""
    words = fold(query).split()
    return " ".join(words[_kind_end(words, words):])


def exact_trade_first(documents: list[dict], query: str) -> list[dict]:
    """A page's documents with those whose trade name is what the query names moved first,
    in their order: Meilisearch ranks an attribute equal to the whole query first, and a
    query that also says the kind of device (``dien thoai realme 6``) equals none."""
    named = named_trade(query)
    if not named:
        return documents
    exact, rest = [], []
    for doc in documents:
        (exact if fold(doc.get("trade_name") or "") == named else rest).append(doc)
    return exact + rest if exact and exact[0] is not documents[0] else documents

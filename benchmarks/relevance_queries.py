"""Relevance queries with known answers, made from the registry's own certificates.

Each kind imitates how people really type: a model code as printed on the box, compacted
or re-spaced, its last part, misread from a worn label (O/0, I/1, S/5, B/8), half typed,
a brand and trade name, a certificate number exact or with one slip of the finger, product
words with a model, with and without diacritics; and what people paste: the link a QR
scanner app shows, a line copied from a label with its field name. The expected answers are computed from the
registry, so a query whose code is shared by several certificates accepts any of them.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from registry.codes import model_key
from registry.devices import device_key
from registry.records import CertificateData
from search.documents import model_variants

# kind: (rank the answer must reach, target share of queries)
TARGETS = {
    "exact model code": (1, 0.998),
    "compacted or re-spaced model code": (3, 0.97),
    "last part of a code": (5, 0.97),
    "code misread from a label": (3, 0.95),
    "code typed as you go": (10, 0.98),
    "brand + trade name": (10, 0.98),
    "certificate number exact": (1, 1.0),
    "certificate number with a slip": (3, 0.995),
    "product words + model": (3, 0.995),
    "link from a QR scanner": (1, 1.0),
    "line copied from a label": (3, 0.99),
    "model among listing words": (3, 0.995),
    "brand typo + trade name": (10, 0.99),
    "trade name alone": (10, 0.98),
    "Vietnamese words + trade name": (10, 0.98),
}
# what a shop's listing puts around a model: storage, colour, condition, where it came from
LISTING_BEFORE = ["", "Chính hãng", "Mới 100%", "[Trả góp 0%]", "Hàng xách tay"]  # and the device's own kind
LISTING_AFTER = ["128GB", "8GB/256GB", "màu đen", "Xanh dương", "chính hãng", "hàng xách tay", "bản quốc tế",
                 "nguyên seal", "fullbox", "likenew 99%", "BH 12 tháng", "Quốc tế 2 sim"]
# how a generic scanner app shows our QR code's link, and what else people paste of it
LINKS = ["https://hopquy.gov.vn/v/{n}", "http://hopquy.gov.vn/v/{n}/", "https://mirror.example.vn:8443/c/{n}",
         "hopquy.gov.vn/v/{n}", "https://hopquy.gov.vn/v/{n}?utm_source=qr", "https://hopquy.gov.vn/c/{n}#history",
         "https://hopquy.gov.vn/qr/{n}.png", "HTTPS://HOPQUY.GOV.VN/V/{n}", "https://hopquy.gov.vn/v/{e}"]
# field names as labels, boxes and listings print them before a model code
LABEL_LINES = ["Model: {}", "Kiểu/Model: {}", "Ký hiệu: {}", "Kiểu loại: {}", "Type: {}", "Model No. {}",
               "MODEL {}", "Kieu/Model: {}", "Kiểu (Model): {}", "Model number: {}"]
CONFUSABLE = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B"}
PRODUCT_WORDS = [("điện thoại", "Điện thoại"), ("máy tính bảng", "Máy tính bảng"),
                 ("đồng hồ thông minh", "Đồng hồ thông minh"), ("bộ phát wifi", "bộ phát Wi-Fi"),
                 ("modem quang", "modem quang"), ("đầu thu", "đầu thu")]


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    expected: frozenset[str]  # certificate numbers, any of which is a right answer

    @property
    def rank(self) -> int:
        return TARGETS[self.kind][0]


def plain(text: str) -> str:
    """Without diacritics, as people type on a keyboard without Vietnamese input."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


class Catalogue:
    """Which certificates carry which model keys, brands and trade names."""

    def __init__(self, records: list[CertificateData]) -> None:
        self.records = records
        self.by_key: dict[str, set[str]] = defaultdict(set)
        self.by_variant: dict[str, set[str]] = defaultdict(set)
        self.by_trade: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.by_trade_any: dict[str, set[str]] = defaultdict(set)  # whatever the brand
        self.device_of = {record.certificate_no: device_key(record) for record in records}
        self.of_device: dict[str, set[str]] = defaultdict(set)
        for number, device in self.device_of.items():
            self.of_device[device].add(number)
        for record in records:
            brand = record.brand.lower()
            trade = product_trade(record)
            if trade:
                self.by_trade[(brand, trade.lower())].add(record.certificate_no)
                self.by_trade_any[trade.lower()].add(record.certificate_no)
            for code in record.models:
                self.by_key[model_key(code)].add(record.certificate_no)
                # "krip k5" also means the KRIP certificate whose model is K5
                self.by_trade[(brand, model_key(code).lower())].add(record.certificate_no)
                for variant in model_variants(code):
                    self.by_variant[variant].add(record.certificate_no)

    def exact(self, code: str) -> frozenset[str]:
        return frozenset(self.by_key.get(model_key(code), ()))

    def whole_devices(self, numbers: set[str]) -> frozenset[str]:
        """Every certificate of the devices ``numbers`` are certificates of."""
        return frozenset(n for number in numbers for n in self.of_device[self.device_of[number]])


def queries_for(record: CertificateData, catalogue: Catalogue, rng: random.Random) -> Iterator[Query]:
    code = rng.choice(record.models)
    exact = catalogue.exact(code)
    yield Query("exact model code", code, exact)
    respaced = re.sub(r"[\s\-_./()]+", " ", code).strip()
    yield Query("compacted or re-spaced model code",
                rng.choice([model_key(code).lower(), respaced]) if respaced != code else model_key(code).lower(), exact)
    parts = [p for p in re.split(r"[\s\-_.]+", re.split(r"[/(]", code, maxsplit=1)[0]) if p]
    if len(parts) > 1 and len(model_key("".join(parts[1:]))) >= 4:
        tail = "".join(parts[1:])
        yield Query("last part of a code", tail, frozenset(catalogue.by_variant.get(model_key(tail), ())))
    positions = [i for i, c in enumerate(code.upper()) if c in CONFUSABLE]
    if positions:
        i = rng.choice(positions)
        misread = code[:i] + CONFUSABLE[code[i].upper()] + code[i + 1:]
        yield Query("code misread from a label", misread, exact)
    if len(code) >= 5:
        yield Query("code typed as you go", code[: -(-len(code) * 4 // 5)], exact)
    trade = trade_name(record)
    if trade:
        brand = record.brand.lower()
        same = frozenset(catalogue.by_trade[(brand, trade.lower())]
                         | catalogue.by_trade[(brand, model_key(trade).lower())])
        yield Query("brand + trade name", f"{record.brand} {trade}".lower(), same)
    number = record.certificate_no
    yield Query("certificate number exact", rng.choice([number, number.lower(), spaced(number)]),
                frozenset({number}))
    yield Query("certificate number with a slip", slip(number, rng), frozenset({number}))
    link = rng.choice(LINKS)
    yield Query("link from a QR scanner", link.format(n=number, e=quote(number, safe="")), frozenset({number}))
    yield Query("line copied from a label", rng.choice(LABEL_LINES).format(code), exact)
    kind = next((marker for _, marker in PRODUCT_WORDS if marker.lower() in record.product_name.lower()), "")
    around = [rng.choice([*LISTING_BEFORE, kind]), code, *rng.sample(LISTING_AFTER, rng.randint(1, 3))]
    yield Query("model among listing words", " ".join(w for w in around if w), exact)
    if trade and len(record.brand) >= 4:
        yield Query("brand typo + trade name", f"{swapped(record.brand, rng)} {trade}".lower(), same)
    words = next((w for w, marker in PRODUCT_WORDS if marker.lower() in record.product_name.lower()), None)
    if words:
        text = f"{words} {code}"
        yield Query("product words + model", rng.choice([text, plain(text)]), exact)
    if trade and len(model_key(trade)) >= 4:  # no brand: any certificate of a device of that
        # trade name is a right answer; not a name that says nothing alone ("6" of the realme 6)
        named = catalogue.whole_devices(catalogue.by_trade_any[trade.lower()])
        own = random.Random(record.certificate_no)  # the kinds before keep the queries they had
        yield Query("trade name alone", own.choice([trade, trade.lower()]), named)
        if words:
            text = f"{words} {trade}"
            yield Query("Vietnamese words + trade name", own.choice([text, plain(text)]).lower(), named)


def product_trade(record: CertificateData) -> str | None:
    """The marketing name the feed generator appends to a device's product name.

    A name that starts with the brand loses it (people type "zte blade a610", not "zte zte
    blade a610"), and a name that is only the brand is none: it names no device."""
    for marker in ("GSM/WCDMA/LTE/NR ", "vô tuyến LTE ", "kết nối Bluetooth "):
        if marker in record.product_name:
            trade = record.product_name.split(marker, 1)[1].strip()
            brand = record.brand.strip().lower()
            if trade.lower().startswith(brand + " "):
                trade = trade[len(brand):].strip()
            elif trade.lower() == brand:
                return None
            return trade or None
    return None


def trade_name(record: CertificateData) -> str | None:
    """The trade name a query is made of: not one that is also the model code (that query
    would be a model code query)."""
    trade = product_trade(record)
    return trade if trade and model_key(trade) not in {model_key(m) for m in record.models} else None


def swapped(word: str, rng: random.Random) -> str:
    """Two neighbouring letters typed the wrong way round (``Smasung``)."""
    spots = [i for i in range(len(word) - 1) if word[i].isalpha() and word[i + 1].isalpha()
             and word[i].lower() != word[i + 1].lower()]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def spaced(number: str) -> str:
    """``A0412150324AE01A2`` as people copy it from a paper: ``A0412 150324 AE01A2``."""
    if "/" in number:
        return number.replace("/", " / ")
    return f"{number[:5]} {number[5:11]} {number[11:]}"


def slip(number: str, rng: random.Random) -> str:
    """One wrong, swapped or missing character."""
    chars = list(number)
    spots = [i for i, c in enumerate(chars) if c.isalnum()]
    i = rng.choice(spots)
    how = rng.choice(["wrong", "swapped", "missing"])
    if how == "wrong":
        pool = "0123456789" if chars[i].isdigit() else "ABCDEFGHKLMNPQRSTUVXY"
        chars[i] = rng.choice([c for c in pool if c != chars[i]])
    elif how == "swapped":
        j = next((j for j in (i + 1, i - 1)
                  if 0 <= j < len(chars) and chars[j] != chars[i] and chars[j].isalnum()), None)
        if j is None:
            del chars[i]
        else:
            chars[i], chars[j] = chars[j], chars[i]
    else:
        del chars[i]
    return "".join(chars)


def make_queries(records: list[CertificateData], sample: int, seed: int = 11) -> list[Query]:
    rng = random.Random(seed)
    catalogue = Catalogue(records)
    chosen = rng.sample(records, min(sample, len(records)))
    return [q for record in chosen for q in queries_for(record, catalogue, rng) if q.expected]

"""Realistic certification feeds for the bundled sample and for benchmarks.

Brand and model strings come from the real device lists in ``../shared/data/`` when that
folder is there (``--shared``); otherwise a synthetic catalogue of the same shape is used.
The same seed always gives the same feed.

    python -m benchmarks.feedgen --rows 100000 --output var/feed-100k.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import string
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

CATEGORIES = {
    # category: (product name, category code, regulations)
    "phone": ("Điện thoại di động GSM/WCDMA/LTE/NR", "AE01A2",
              ("QCVN 117:2023/BTTTT", "QCVN 18:2022/BTTTT", "QCVN 54:2020/BTTTT")),
    "tablet": ("Máy tính bảng có chức năng thu phát vô tuyến LTE", "AE01B1",
               ("QCVN 117:2023/BTTTT", "QCVN 54:2020/BTTTT")),
    "watch": ("Đồng hồ thông minh có kết nối Bluetooth", "AF02C1",
              ("QCVN 54:2020/BTTTT", "QCVN 18:2022/BTTTT")),
    "router": ("Thiết bị phát thu-phát vô tuyến cự ly ngắn dải tần 2.4 GHz và 5 GHz (bộ phát Wi-Fi)",
               "AF04A2", ("QCVN 54:2020/BTTTT", "QCVN 65:2021/BTTTT", "QCVN 112:2017/BTTTT")),
    "modem": ("Thiết bị đầu cuối mạng quang GPON (modem quang)", "AG05A1",
              ("QCVN 54:2020/BTTTT", "QCVN 22:2010/BTTTT")),
    "tv": ("Thiết bị thu truyền hình số mặt đất DVB-T2 (đầu thu)", "AD03A1",
           ("QCVN 63:2020/BTTTT", "QCVN 18:2022/BTTTT")),
}
HOLDERS = [
    ("Công ty TNHH Điện tử Samsung HCMC CE Complex", "0312345678"),
    ("Công ty TNHH Samsung Electronics Việt Nam Thái Nguyên", "4601124536"),
    ("Công ty Cổ phần Thế Giới Di Động", "0303217354"),
    ("Công ty Cổ phần FPT Trading", "0101910874"),
    ("Công ty TNHH Phân phối Thiết bị mạng ABC", "0109876543-001"),
    ("Công ty Cổ phần Công nghệ Viễn thông Hà Nội", "0106543210"),
    ("Công ty TNHH Xuất nhập khẩu Thiết bị số Sài Gòn", "0314567890"),
    ("Công ty TNHH Thương mại Điện tử Đông Á", "0201234567"),
    ("Tổng Công ty Viễn thông Viettel", "0100109106-002"),
    ("Tập đoàn Bưu chính Viễn thông Việt Nam (VNPT)", "0100684378"),
    ("Công ty Cổ phần Digiworld", "0302675349"),
    ("Công ty TNHH Thiết bị Thông minh Miền Trung", "0401567823"),
    ("Công ty TNHH Một thành viên Điện tử Hải Phòng", "0200789456"),
    ("Công ty Cổ phần Phân phối Di động Việt", "0315678901"),
]
BODIES = ["Trung tâm Đo lường (QUACERT)", "Trung tâm Kiểm định và Chứng nhận 1",
          "Trung tâm Kiểm định và Chứng nhận 2", "Trung tâm Kiểm định và Chứng nhận 3"]
ORIGINS = ["Việt Nam", "Trung Quốc", "Hàn Quốc", "Đài Loan", "Ấn Độ", "Thái Lan", "Indonesia"]
POPULAR = {"Samsung", "Xiaomi", "Oppo", "Vivo", "Nokia", "Realme", "Huawei", "Sony", "Asus",
           "Tecno", "Motorola", "TP-LINK", "Tenda", "Linksys", "Netgear", "D-Link", "Lenovo"}
STATUSES = ["Còn hiệu lực"] * 90 + ["Tạm đình chỉ"] * 4 + ["Thu hồi"] * 3 + ["Rút"] * 3
REGIONAL_SUFFIXES = ["/DS", "/DSN", "/EEA", "/N", "/VN", "/XEV"]
HEADER = ["Số giấy chứng nhận", "Loại", "Tên sản phẩm", "Nhãn hiệu", "Ký hiệu", "Nhà sản xuất",
          "Xuất xứ", "Tổ chức được cấp", "Mã số thuế", "Quy chuẩn kỹ thuật",
          "Phương thức đánh giá", "Số lô", "Tổ chức chứng nhận", "Ngày cấp", "Ngày hết hạn",
          "Trạng thái", "Mã số dấu hợp quy", "Ghi chú"]


def _category_of(name: str, kind_hint: str) -> str:
    low = name.lower()
    if "watch" in low or "gear" in low:
        return "watch"
    if "tab" in low or "pad" in low:
        return "tablet"
    if " tv" in low or "tv " in low or "box" in low:
        return "tv"
    return kind_hint


def shared_catalogue(shared: Path) -> list[tuple[str, str, tuple[str, ...], str]]:
    """(brand, trade name, model codes, category) grouped from the real device lists."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    with (shared / "gplay_supported_devices_2025-01-19.utf8.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            brand, name, model = row["Retail Branding"].strip(), row["Marketing Name"].strip(), row["Model"].strip()
            if brand and model and len(model) <= 60:
                groups[(brand, name or model)].append(model)
    items = [(b, n, tuple(dict.fromkeys(m))[:6], _category_of(n, "phone")) for (b, n), m in groups.items()]
    with (shared / "devicecode_devices.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            brand, model = row["brand"].strip(), row["model"].strip()
            if not brand or not model or len(model) > 60:
                continue
            types = row["device_types"]
            category = "modem" if "modem" in types else "router"
            codes = [model] + [c for c in (row["part_number"].strip(), ) if c and c != model]
            items.append((brand, row["title"].strip() or model, tuple(codes), category))
    return items


def synthetic_catalogue(rng: random.Random, size: int = 20000) -> list[tuple[str, str, tuple[str, ...], str]]:
    """Brand/model strings of the real shape (prefix, series letter, digits, regional suffix)."""
    brands = {"Samsung": "SM-", "Xiaomi": "M", "Oppo": "CPH", "Vivo": "V", "Nokia": "TA-",
              "TP-Link": "Archer ", "Tenda": "AC", "Huawei": "HG", "Sony": "XQ-", "Tecno": "KJ"}
    series = {"Samsung": "Galaxy", "Xiaomi": "Redmi", "Oppo": "Reno", "Vivo": "Y", "Nokia": "G",
              "TP-Link": "Archer", "Tenda": "Nova", "Huawei": "EchoLife", "Sony": "Xperia", "Tecno": "Spark"}
    items = []
    for _ in range(size):
        brand = rng.choice(list(brands))
        core = f"{brands[brand]}{rng.choice(string.ascii_uppercase)}{rng.randint(100, 999)}{rng.choice('BEFNUW')}"
        variants = (core,) + tuple(f"{core}/{s}" for s in rng.sample(["DS", "EEA", "N", "DSN"], rng.randint(0, 2)))
        category = "router" if brand in ("TP-Link", "Tenda", "Huawei") else "phone"
        items.append((brand, f"{series[brand]} {core[-4:-1]}", variants, category))
    return items


def later_models(models: tuple[str, ...], rng: random.Random) -> tuple[str, ...]:
    """The codes of a device family's later certificate, as a big register holds them.

    Half are the same codes again (another importer, a renewal, another lot); the others a
    regional variant (``SM-A546E`` → ``SM-A546E/DS``, ``SM-A546E/EEA``), from a short list,
    so a million rows hold a handful of variants of each model, each on several
    certificates: the crowding a search for a model must see through."""
    if rng.random() < 0.5:
        return models
    suffix = rng.choice(REGIONAL_SUFFIXES)
    return tuple(f"{m.split('/', 1)[0]}{suffix}" for m in models)


def issue_plan(rows: int, rng: random.Random, today: date) -> list[tuple[date, bool, str, int]]:
    """(date of issue, is a declaration, centre, sequence) of every row, in feed order.

    As the feed contract says, a certificate's number carries its centre's yearly sequence,
    which grows with the date of issue; so do declarations' numbers. Past 9,999 in a year (a
    million rows is more than any real register holds) the four digits wrap: the number
    stays unique, because the date differs."""
    plan = [(today - timedelta(days=rng.randint(0, 6 * 365)), rng.random() < 0.15, rng.choice("ABC"))
            for _ in range(rows)]
    order = sorted(range(rows), key=lambda i: plan[i][0])
    sequences: dict[tuple[str, bool, int], int] = defaultdict(int)
    seq = [0] * rows
    for i in order:
        issued, is_declaration, centre = plan[i]
        sequences[(centre, is_declaration, issued.year)] += 1
        seq[i] = sequences[(centre, is_declaration, issued.year)]
    return [(*row, s) for row, s in zip(plan, seq, strict=True)]


def generate(rows: int, seed: int = 7, shared: Path | None = None,
             today: date = date(2026, 11, 1)) -> Iterator[list[str]]:
    rng = random.Random(seed)
    catalogue = shared_catalogue(shared) if shared else synthetic_catalogue(rng)
    rng.shuffle(catalogue)
    if rows <= 2000:  # a small sample shows the devices people actually own
        catalogue.sort(key=lambda item: (item[0] not in POPULAR, item[1] == item[2][0]))
    plan = issue_plan(rows, random.Random(seed + 1), today)
    for index, (issued, is_declaration, centre, seq) in enumerate(plan):
        brand, trade, models, category = catalogue[index % len(catalogue)]
        if index >= len(catalogue):  # a later certificate for the same device family
            models = later_models(models, rng)
        product, code, regulations = CATEGORIES[category]
        if is_declaration:
            number = f"{seq:04d}/{issued:%Y}/CBHQ-{centre}{rng.randint(1, 99):02d}"
        else:
            number = f"{centre}{seq % 10_000:04d}{issued:%d%m%y}{code}"
        holder, tax = rng.choice(HOLDERS)
        method = rng.choice(["Phương thức 1", "1", "PT5", "5", "Phương thức 7"]) if not is_declaration else ""
        lot = f"{rng.randint(100000, 999999)}/NK" if method.endswith("7") else ""
        status = rng.choice(STATUSES)
        yield [
            number, "Công bố hợp quy" if is_declaration else "Chứng nhận hợp quy",
            f"{product} {trade}".strip() if category in ("phone", "tablet", "watch") else product,
            brand, "; ".join(models), f"{brand} Co., Ltd", rng.choice(ORIGINS), holder, tax,
            "; ".join(rng.sample(regulations, k=rng.randint(1, len(regulations)))), method, lot,
            rng.choice(BODIES), issued.strftime("%d/%m/%Y"),
            (issued + timedelta(days=3 * 365 - 1)).strftime("%d/%m/%Y"), status,
            f"HQ{issued:%y}-{index + 1:06d}", "",
        ]


def write_csv(path: Path, rows: int, seed: int = 7, shared: Path | None = None, title: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        if title:
            writer.writerow(["DANH SÁCH THIẾT BỊ ĐÃ ĐƯỢC CHỨNG NHẬN, CÔNG BỐ HỢP QUY"])
            writer.writerow(["Cục Viễn thông - dữ liệu mẫu"])
        writer.writerow(HEADER)
        writer.writerows(generate(rows, seed, shared))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=320)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--shared", type=Path, help="folder with the real device lists")
    args = parser.parse_args()
    write_csv(args.output, args.rows, args.seed, args.shared)
    print(f"wrote {args.rows} rows to {args.output}")


if __name__ == "__main__":
    main()

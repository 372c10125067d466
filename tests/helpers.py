"""Small builders for tests: feeds written on the fly, and sample rows."""

from __future__ import annotations

import csv
import io
import struct
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

HEADER = ["Số giấy chứng nhận", "Loại", "Tên sản phẩm", "Nhãn hiệu", "Ký hiệu", "Tổ chức được cấp",
          "Mã số thuế", "Quy chuẩn kỹ thuật", "Ngày cấp", "Ngày hết hạn", "Trạng thái"]


def row(number: str = "A0412150324AE01A2", models: str = "SM-A546E; SM-A546E/DS",
        issued: str = "15/03/2024", expires: str = "14/03/2027", status: str = "Còn hiệu lực",
        brand: str = "Samsung", product: str = "Điện thoại di động GSM/WCDMA/LTE/NR",
        holder: str = "Công ty TNHH Điện tử Samsung HCMC CE Complex", tax: str = "0312345678",
        regulations: str = "QCVN 117:2023/BTTTT; QCVN 18:2022/BTTTT",
        kind: str = "Chứng nhận hợp quy") -> list[str]:
    return [number, kind, product, brand, models, holder, tax, regulations, issued, expires, status]


class Clock:
    """A clock a test moves by hand: ``clock.now += 5``."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def write_feed(path: Path, rows: list[list[str]], header: list[str] | None = None,
               encoding: str = "utf-8", delimiter: str = ",", title: bool = False) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        if title:
            writer.writerow(["DANH SÁCH THIẾT BỊ ĐÃ ĐƯỢC CHỨNG NHẬN HỢP QUY"])
        writer.writerow(header or HEADER)
        writer.writerows(rows)
    return path


def sample_rows(path: Path) -> list[list[str]]:
    """The sample feed's data rows (below its two title rows and header)."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))[3:]


def write_file(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write a feed file as given (text in ``encoding``, or raw bytes) and return its path."""
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


@contextmanager
def served(app) -> Iterator[str]:
    """``app`` served by uvicorn on a free port in a thread, as a server runs it; yields its base URL."""
    import uvicorn

    from search.process import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def half_a_photo() -> bytes:
    """A real photo-like JPEG cut in the middle, as an interrupted upload leaves it."""
    out = io.BytesIO()
    Image.effect_noise((640, 480), 50).convert("RGB").save(out, "JPEG")
    return out.getvalue()[: len(out.getvalue()) // 2]


def png_bomb(side: int = 100_000) -> bytes:
    """A valid PNG header claiming side x side pixels, with almost no data: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def zbar(image: bytes, suffix: str, tmp_path) -> str:
    """What zbar, a reader independent of ours, decodes from ``image``."""
    path = tmp_path / f"code.{suffix}"
    path.write_bytes(image)
    done = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def requests_sent(index, monkeypatch) -> list[dict]:
    """The bodies a ``SearchIndex`` posts to Meilisearch from now on (each one round trip),
    still sent to the real Meilisearch."""
    sent: list[dict] = []
    post = type(index)._post
    monkeypatch.setattr(type(index), "_post", lambda self, path, body: sent.append(body) or post(self, path, body))
    return sent

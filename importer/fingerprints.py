"""Fingerprints of feed rows as read, so that a re-import skips the rows that did not change.

Most of a re-import is rows identical to last time. A row's fingerprint is a hash of its
cells exactly as read, of how the file's columns were mapped, of the source, and of this
module's ``VERSION``; the registry keeps the fingerprint of the row each certificate came
from. A row whose fingerprint matches is unchanged by construction and is not validated
again. Bump ``VERSION`` whenever validation or normalisation changes what a row becomes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

VERSION = "1"


def signature(columns: Mapping[str, int], source: str) -> bytes:
    mapping = ",".join(f"{key}={index}" for key, index in sorted(columns.items()))
    return f"{VERSION}|{source}|{mapping}|".encode()


def fingerprint(sign: bytes, cells: Sequence[Any]) -> str:
    try:
        text = "\x1f".join(cells)  # CSV cells: all text
    except TypeError:
        text = "\x1f".join(map(str, cells))  # XLSX cells may be numbers or datetimes
    return hashlib.blake2b(sign + text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

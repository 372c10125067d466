"""Devices whose model code the query is a whole part of: ``2210`` for WLG-2210, ``Tmax`` for
IKU_T_max, ``OnePlus`` for OWN One Plus.

Such a word is often also a brand (``OnePlus``, ``TMAX``) or the start of other codes
(``2210`` of 2210-02-1022), and those fill Meilisearch's first page: its exactness rule
prefers a brand equal to the query, its attribute rule a code that starts with it. Yet an
exact part of a code is an exact code match, and the issue asks for those above partial
ones. So a one-word query is also looked up as a whole word among the indexed code variants
(``search.documents.model_variants``) in the same round trip as the search, and the newest
certificate of a few such devices is shown after the search's own best two
(``search.pinning``): both readings of the word on the first page.
"""

from __future__ import annotations

from typing import Any

from registry.codes import model_key
from registry.devices import base_key
from search.documents import model_variants
from search.slips import is_number_shaped_loosely

PARTS = 3  # devices shown at most
READ = 10  # certificates read to find them, newest first: reading more costs Meilisearch ms


def part_key(query: str) -> str | None:
    """The key a query is looked up by as a part of codes: one word of ASCII letters and
    digits (``2210``, ``Tmax``), not a certificate number (those are found by number)."""
    word = query.strip()
    key = model_key(word)
    if 3 <= len(key) <= 40 and key == word.upper() and not is_number_shaped_loosely(key):
        return key
    return None


def part_request(key: str) -> dict[str, Any]:
    """The search for ``key`` as a whole word of the code variants. The space after it makes
    it a whole word: Meilisearch reads a query's last word as a prefix otherwise. The
    variants have no typo tolerance (``search.index_settings``), so a match is exact."""
    return {"q": f"{key} ", "attributesToSearchOn": ["model_keys"], "matchingStrategy": "all",
            "limit": READ, "attributesToRetrieve": ["id", "certificate_no", "models", "device_key"]}


def part_hits(key: str, result: dict[str, Any]) -> list[tuple[int, str, str]]:
    """(id, certificate number, device) of the newest certificate of each device (a code without its
    regional suffix) of which ``key`` is a variant, in the search's order (newest first),
    ``PARTS`` at most."""
    seen: set[str] = set()
    found = []
    for doc in result.get("hits", []):
        devices = {base_key(code)
                   for code in doc["models"] if key in model_variants(code)}
        if devices and not devices <= seen:
            seen |= devices
            found.append((doc["id"], doc["certificate_no"], doc.get("device_key", "")))
            if len(found) == PARTS:
                break
    return found

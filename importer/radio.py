"""Radio technologies and frequency bands, as feeds of radio equipment write them.

``Công nghệ``: ``GSM, WCDMA, 4G LTE, 5G; Wi-Fi; BT`` becomes the canonical list
``GSM; WCDMA; LTE; NR; Wi-Fi; Bluetooth`` (a filter and a facet, so one spelling each).
``Băng tần``: ``GSM 900/1800; LTE B1/B3/B7; NR n78; wifi 2.4/5ghz`` keeps one item per
technology, its technology word spelled the canonical way and its units written ``GHz``/``MHz``.
A technology named only in the bands still counts as one of the device's technologies.
"""

from __future__ import annotations

import re
from typing import Any

from importer.fields import plain, split_list

# canonical name: folded spellings (whole items or words of an item), most specific first
TECHNOLOGIES: dict[str, tuple[str, ...]] = {
    "GSM": ("gsm", "2g", "gprs", "edge"),
    "CDMA": ("cdma", "cdma2000"),
    "WCDMA": ("wcdma", "umts", "3g", "hspa", "hspa+", "hsdpa", "hsupa"),
    "LTE": ("lte", "4g", "e-utra", "lte-a", "lte advanced"),
    "NR": ("nr", "5g", "5g nr", "nr5g"),
    "Wi-Fi": ("wi-fi", "wifi", "wlan", "802.11"),
    "Bluetooth": ("bluetooth", "bt", "ble"),
    "NFC": ("nfc",),
    "UWB": ("uwb", "ultra wideband"),
    "DECT": ("dect",),
    "Zigbee": ("zigbee",),
    "LoRa": ("lora", "lorawan"),
    "GNSS": ("gnss", "gps", "glonass", "beidou", "galileo"),
    "DVB-T2": ("dvb-t2", "dvb t2"),
}
# spellings folded as ``plain`` folds a cell: ``Wi-Fi`` and ``wifi`` are ``wi fi`` and ``wifi``
_CANONICAL = {plain(spelling): name for name, spellings in TECHNOLOGIES.items() for spelling in spellings}
_ORDER = {name: rank for rank, name in enumerate(TECHNOLOGIES)}
_UNIT = re.compile(r"(?i)(\d)\s*(ghz|mhz|khz)\b")


def technologies_in(item: str) -> list[str]:
    """The canonical technologies an item names, whole (``5G NR``) or word by word
    (``GSM/WCDMA/LTE``, ``Wi-Fi 802.11 a/b/g/n/ac``), two words before one."""
    words = plain(item).split()
    found: list[str] = []
    i = 0
    while i < len(words):
        for size in (2, 1):
            name = _CANONICAL.get(" ".join(words[i:i + size])) if i + size <= len(words) else None
            if name:
                break
        else:
            i += 1
            continue
        if name not in found:
            found.append(name)
        i += size
    return found


def _text(value: Any) -> Any:
    """A JSON feed may give a list where a spreadsheet gives one cell."""
    return "; ".join(str(item) for item in value) if isinstance(value, list | tuple) else value


def _in_order(names: set[str]) -> list[str]:
    return sorted(names, key=_ORDER.__getitem__)


def technologies(value: Any) -> tuple[str, ...]:
    """Canonical names, in the vocabulary's order; an item that names none is kept as written."""
    known: set[str] = set()
    unknown: list[str] = []
    for item in split_list(_text(value), ";,"):
        names = technologies_in(item)
        known.update(names)
        if not names and item not in unknown:
            unknown.append(item)
    return (*_in_order(known), *unknown)


def bands(value: Any) -> tuple[str, ...]:
    """One item per ``;`` or line: the leading technology word made canonical, units tidied."""
    out: list[str] = []
    for item in split_list(_text(value), ";"):
        words = item.split(" ")
        for size in (2, 1):  # ``5G NR n78`` and ``NR n78`` are both ``NR n78``
            name = _CANONICAL.get(plain(" ".join(words[:size])))
            if name and len(words) >= size:
                item = " ".join([name, *words[size:]])
                break
        item = _UNIT.sub(lambda m: f"{m.group(1)} {m.group(2)[0].upper()}Hz", item)
        if item not in out:
            out.append(item)
    return tuple(out)


def merged(named: tuple[str, ...], band_items: tuple[str, ...]) -> tuple[str, ...]:
    """The technologies named, and those the bands begin with, each once, in the vocabulary's order."""
    known = {name for name in named if name in _ORDER}
    for item in band_items:
        known.update(technologies_in(item.partition(" ")[0]))
    return (*_in_order(known), *(name for name in named if name not in _ORDER))

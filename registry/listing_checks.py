"""Listing checks kept per partner, and what they reveal together: a certificate number
typed by many unrelated shops, or for more than one brand, is likely a copied number."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import Session

from registry.clock import utcnow
from registry.codes import folded_words
from registry.partner_models import ListingCheck

MISMATCH_REASONS = ("model_not_on_certificate", "brand_differs")


def keep_checks(session: Session, token_id: int, listings: list[Any], answers: list[dict[str, Any]]) -> None:
    """One row per listing checked, in the caller's transaction."""
    now = utcnow()
    rows = [{"token_id": token_id, "listing_id": item.listing_id[:200], "shop_id": item.shop_id[:200],
             "brand": item.brand.strip()[:200] or None, "code": item.code.strip()[:120],
             "verdict": answer["verdict"], "reasons": answer["reasons"],
             "certificate_no": (answer["certificate"] or {}).get("certificate_no"), "checked_at": now}
            for item, answer in zip(listings, answers, strict=True)]
    if rows:
        session.execute(insert(ListingCheck), rows)


def brand_key(brand: str | None) -> str:
    """A brand as letters and digits only, without case or diacritics (đ as d): ``Samsung``,
    ``SAMSUNG`` and ``Sam-sung`` are one brand."""
    return folded_words(brand or "").replace(" ", "")


def shared_certificates(session: Session, min_shops: int = 5, limit: int = 100) -> list[dict[str, Any]]:
    """Certificates that listings of several brands name, or that many shops list for a device
    that is not on them, most suspicious first: for inspectors."""
    numbers = session.execute(
        select(ListingCheck.certificate_no).where(ListingCheck.certificate_no.is_not(None))
        .group_by(ListingCheck.certificate_no)
        .having((func.count(func.distinct(ListingCheck.brand)) > 1)
                | (func.count(func.distinct(ListingCheck.shop_id)) >= min_shops))
        .limit(5000)).scalars().all()
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(numbers), 500):
        for number, shop, brand, reasons, token_id in session.execute(
                select(ListingCheck.certificate_no, ListingCheck.shop_id, ListingCheck.brand, ListingCheck.reasons,
                       ListingCheck.token_id).where(ListingCheck.certificate_no.in_(numbers[start:start + 500]))):
            entry = found.setdefault(number, {"certificate_no": number, "shops": set(), "brands": {},
                                              "mismatched_shops": set(), "partners": set(), "listings": 0})
            entry["listings"] += 1
            entry["shops"].add((token_id, shop))
            entry["partners"].add(token_id)
            if key := brand_key(brand):
                entry["brands"].setdefault(key, brand.strip())
            if any(r in MISMATCH_REASONS for r in reasons):
                entry["mismatched_shops"].add((token_id, shop))
    out = []
    for entry in found.values():
        brands, shops = sorted(entry["brands"].values(), key=str.casefold), len(entry["shops"])
        mismatched = len(entry["mismatched_shops"])
        if len(brands) < 2 and mismatched < min(min_shops, 3) and shops < min_shops:
            continue
        out.append({"certificate_no": entry["certificate_no"], "brands": brands, "shops": shops,
                    "mismatched_shops": mismatched, "partners": len(entry["partners"]), "listings": entry["listings"]})
    out.sort(key=lambda e: (-len(e["brands"]), -e["mismatched_shops"], -e["shops"], e["certificate_no"]))
    return out[:limit]

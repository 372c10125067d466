"""Listing checks: every verdict and reason, with codes typed the ways search forgives."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from registry.partner_models import ListingCheck
from tests.oversight.conftest import login
from tests.partners.conftest import bearer

VALID, SUSPENDED, REVOKED, ROUTER, WITHDRAWN, REALME, BOBO = (
    "A0412150324AE01A2", "A0412160324AE01A2", "A0412170324AE01A2", "A0412180324AE01A2", "A0412190324AE01A2",
    "A0412200324AE01A2", "A0412210324AE01A2")

# (what the listing says, verdict, reasons, certificate checked against)
CASES = [
    ({"code": VALID, "brand": "Samsung", "model": "SM-A546E"}, "ok", [], VALID),
    ({"code": VALID.lower(), "brand": "SAMSUNG", "model": "sm a546e/ds"}, "ok", [], VALID),
    ({"code": "a0412 1503 24ae01a2", "brand": "Samsung", "model": "SM-A546E"}, "ok", [], VALID),
    ({"code": VALID, "brand": "Smasung", "model": "SM-A546E"}, "ok", [], VALID),  # the brand with a slip
    ({"code": VALID, "brand": "Samsung Electronics Việt Nam", "model": "SM-A546E"}, "ok", [], VALID),
    ({"code": VALID, "brand": "Samsung", "model": "SM-A546E/DS"}, "ok", [], VALID),
    ({"code": VALID, "brand": "Samsung", "model": "SM-A546B"}, "mismatch", ["model_not_on_certificate"], VALID),
    ({"code": VALID, "brand": "Apple", "model": "SM-A546E"}, "mismatch", ["brand_differs"], VALID),
    ({"code": VALID, "brand": "Nokia", "model": "iPhone 15"}, "mismatch",
     ["model_not_on_certificate", "brand_differs"], VALID),
    ({"code": VALID, "brand": "Samsung", "model": "SM-A546E", "title": ""}, "ok", [], VALID),
    ({"code": VALID, "title": "Samsung Galaxy A54 5G SM-A546E 8GB/256GB chính hãng"}, "ok", [], VALID),
    ({"code": VALID, "title": "Điện thoại Samsung chính hãng"}, "ok", ["model_unchecked"], VALID),
    # slips in the number: one wrong, swapped, missing character
    ({"code": "A0412150324AE01A3", "brand": "Samsung", "model": "SM-A546E"}, "mismatch", ["number_slipped"], VALID),
    ({"code": "A0412510324AE01A2", "brand": "Samsung", "model": "SM-A546E"}, "mismatch", ["number_slipped"], VALID),
    ({"code": "A041215032AE01A2", "brand": "Samsung", "model": "SM-A546E"}, "mismatch", ["number_slipped"], VALID),
    # a real number of another device, one slip from the one that fits
    ({"code": SUSPENDED, "brand": "Samsung", "model": "SM-A546E"}, "mismatch", ["number_slipped"], VALID),
    # not valid: each status
    ({"code": SUSPENDED, "brand": "Samsung", "model": "SM-S918B"}, "not_valid", ["suspended"], SUSPENDED),
    ({"code": REVOKED, "brand": "Samsung", "model": "SM-T225"}, "not_valid", ["revoked"], REVOKED),
    ({"code": ROUTER, "brand": "TP-Link", "model": "TL-WR841N"}, "not_valid", ["expired"], ROUTER),
    ({"code": WITHDRAWN, "brand": "Xiaomi", "model": "Redmi Note 13"}, "not_valid", ["withdrawn"], WITHDRAWN),
    ({"code": REVOKED, "brand": "Apple", "model": "SM-T225"}, "not_valid", ["revoked", "brand_differs"], REVOKED),
    # a mark code, a model code as typed, compacted, misread
    ({"code": "CV-0001-24", "brand": "Samsung", "model": "SM-A546E"}, "ok", ["matched_by_mark_code"], VALID),
    ({"code": " cv-0002-24 ", "brand": "realme", "model": "RMX3085"}, "ok", ["matched_by_mark_code"], REALME),
    ({"code": "SM-A546E", "brand": "Samsung"}, "ok", ["matched_by_model", "model_unchecked"], VALID),
    ({"code": "sma546eds", "brand": "Samsung", "model": "SM-A546E/DS"}, "ok", ["matched_by_model"], VALID),
    ({"code": "RMX3O85", "brand": "realme", "model": "RMX3O85"}, "ok",
     ["matched_by_model", "model_read_loosely"], REALME),
    ({"code": "B0B-5OO", "brand": "Bobo", "model": "BOB-500"}, "ok", ["matched_by_model"], BOBO),
    ({"code": "", "brand": "Samsung", "model": "SM-S918B"}, "not_valid", ["suspended", "matched_by_model"], SUSPENDED),
    # nothing that names a certificate
    ({"code": "B9999010124AE01A2", "brand": "Samsung", "model": "SM-X999"}, "not_found", [], None),
    ({"code": "XYZ-12345", "brand": "Acme"}, "not_found", [], None),
    ({"code": "", "title": "Tai nghe bluetooth"}, "not_found", [], None),
]


def test_every_verdict_and_reason(client, keys):
    listings = [{"listing_id": f"L{n}", "shop_id": f"S{n % 3}", **listing} for n, (listing, *_) in enumerate(CASES)]
    answer = client.post("/api/v1/listings/check", json={"listings": listings}, headers=bearer(keys["shopee"]))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["listing_id"] for r in results] == [f"L{n}" for n in range(len(CASES))]  # in the order given
    for (listing, verdict, reasons, number), result in zip(CASES, results, strict=True):
        got = (result["verdict"], result["reasons"], (result["certificate"] or {}).get("certificate_no"))
        assert got == (verdict, reasons, number), listing
        if "number_slipped" in reasons:
            assert result["meant"] == number
    counts = answer.json()["counts"]
    assert sum(counts.values()) == len(CASES) and counts["not_found"] == 3


def test_only_partners_check_listings_and_the_checks_are_kept(client, keys, partner_registry):
    body = {"listings": [{"listing_id": "1", "shop_id": "s", "code": VALID}]}
    assert client.post("/api/v1/listings/check", json=body).status_code == 401
    assert client.post("/api/v1/listings/check", json=body, headers=bearer(keys["admin"])).status_code == 403
    too_many = {"listings": [{"listing_id": str(n), "shop_id": "s", "code": VALID} for n in range(501)]}
    assert client.post("/api/v1/listings/check", json=too_many, headers=bearer(keys["shopee"])).status_code == 400
    assert client.post("/api/v1/listings/check", json=body, headers=bearer(keys["shopee"])).status_code == 200
    with Session(partner_registry) as session:
        assert session.execute(select(func.count()).select_from(ListingCheck)).scalar_one() == 1


@pytest.mark.parametrize("partner", ["shopee", "lazada"])
def test_a_number_listed_for_several_brands_or_devices_is_shown_to_inspectors(client, keys, partner):
    listings = [{"listing_id": f"{partner}{n}", "shop_id": f"shop{n}", "code": REALME, "brand": brand,
                 "model": model} for n, (brand, model) in enumerate(
        [("realme", "RMX3085"), ("Oppo", "CPH2001"), ("Vivo", "V2027"), ("realme", "RMX3085")])]
    listings += [{"listing_id": f"{partner}v{n}", "shop_id": f"shop{n}", "code": VALID, "brand": "Samsung",
                  "model": "SM-A546E"} for n in range(3)]
    assert client.post("/api/v1/listings/check", json={"listings": listings},
                       headers=bearer(keys[partner])).status_code == 200
    shared = client.get("/api/v1/listings/shared?min_shops=5", headers=bearer(keys["inspector"]))
    assert shared.status_code == 200, shared.text
    assert [s["certificate_no"] for s in shared.json()] == [REALME]  # three shops selling Samsung: normal
    entry = shared.json()[0]
    assert entry["brands"] == ["Oppo", "realme", "Vivo"] and entry["mismatched_shops"] == 2 and entry["shops"] == 4
    assert client.get("/api/v1/listings/shared", headers=bearer(keys[partner])).status_code == 403


def test_a_batch_built_to_explode_the_lookups_is_answered(client, keys):
    """Every code number-shaped and unknown (hundreds of neighbours each), every model all
    misreadable characters (hundreds of readings each): still one answer per listing, not a 5xx
    from a statement past the database's parameter limit."""
    listings = [{"listing_id": str(n), "shop_id": "s", "code": f"A{n:04d}0101240E01A2", "brand": "Samsung",
                 "model": "OOSSIIBB0055118" + str(n % 10)} for n in range(500)]
    answer = client.post("/api/v1/listings/check", json={"listings": listings}, headers=bearer(keys["shopee"]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"] == {"not_found": 500}


def test_inspectors_see_the_shared_numbers_on_a_page(client, keys):
    listings = [{"listing_id": str(n), "shop_id": f"shop{n}", "code": REALME, "brand": brand, "model": "RMX3085"}
                for n, brand in enumerate(["realme", "Oppo"])]
    client.post("/api/v1/listings/check", json={"listings": listings}, headers=bearer(keys["shopee"]))
    login(client, keys["inspector"])
    page = client.get("/staff/listings")
    assert page.status_code == 200 and REALME in page.text and "Oppo, realme" in page.text

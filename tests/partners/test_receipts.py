"""Signed receipts: checked with an independent JOSE library (PyJWT) against the published keys,
refused when a byte changes, still valid after a key rotation, and checked offline by the CLI."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import jwt
import pytest

from registry.receipts import ReceiptInvalid, ReceiptKeys, verify_receipt
from registry.settings import get_settings
from tests.partners.conftest import bearer

VALID = "A0412150324AE01A2"


def independent_check(token: str, jwks: dict) -> dict:
    """PyJWT alone: the key named by the header, from the published set, EdDSA only."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwt.PyJWKSet.from_dict(jwks).keys if k.key_id == kid)
    return jwt.decode(token, key.key, algorithms=["EdDSA"], options={"verify_iat": True})


def flipped(token: str, part: int) -> str:
    """The receipt with one byte of its payload (1) or signature (2) changed."""
    pieces = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(pieces[part] + "=" * (-len(pieces[part]) % 4)))
    raw[len(raw) // 2] ^= 0x01
    pieces[part] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    return ".".join(pieces)


def test_a_verify_answer_as_a_receipt(client, keys):
    answer = client.get(f"/api/v1/verify/{VALID}?receipt=true").json()
    jwks = client.get("/.well-known/jwks.json").json()
    payload = independent_check(answer["receipt"], jwks)
    assert payload["code"] == VALID and payload["status"] == "valid" and payload["matches"] == answer["matches"]
    assert isinstance(payload["cursor"], int) and payload["cursor"] > 0 and payload["iss"].startswith("http")
    assert jwt.get_unverified_header(answer["receipt"])["alg"] == "EdDSA"
    for part in (1, 2):
        with pytest.raises(jwt.InvalidTokenError):
            independent_check(flipped(answer["receipt"], part), jwks)
        with pytest.raises(ReceiptInvalid):
            verify_receipt(flipped(answer["receipt"], part), jwks)
    assert "receipt" not in client.get(f"/api/v1/verify/{VALID}").json()  # only when asked


def test_bulk_verify_and_listing_checks_as_receipts(client, keys):
    bulk = client.post("/api/v1/verify", json={"codes": [VALID, "nothing"], "receipt": True}).json()
    jwks = client.get("/.well-known/jwks.json").json()
    payload = independent_check(bulk["receipt"], jwks)
    assert payload["found"] == 1 and [r["code"] for r in payload["results"]] == [VALID, "nothing"]
    checked = client.post("/api/v1/listings/check", headers=bearer(keys["shopee"]), json={
        "receipt": True, "listings": [{"listing_id": "1", "shop_id": "s", "code": VALID, "model": "SM-A546E"}]})
    payload = independent_check(checked.json()["receipt"], jwks)
    assert payload["results"][0]["verdict"] == "ok" and payload["counts"] == {"ok": 1}


def test_old_receipts_verify_after_a_rotation_and_offline(client, keys, tmp_path):
    old = client.get(f"/api/v1/verify/{VALID}?receipt=true").json()["receipt"]
    run = [sys.executable, "-m", "cli.main"]
    rotated = subprocess.run([*run, "keys", "rotate"], capture_output=True, text=True, check=True)
    assert "now signed with key" in rotated.stdout
    new = client.get(f"/api/v1/verify/{VALID}?receipt=true").json()["receipt"]
    assert jwt.get_unverified_header(new)["kid"] != jwt.get_unverified_header(old)["kid"]
    jwks = client.get("/.well-known/jwks.json").json()
    assert len(jwks["keys"]) == 2 and all("d" not in key for key in jwks["keys"])  # public halves only
    for token in (old, new):
        assert independent_check(token, jwks)["code"] == VALID
    saved = tmp_path / "receipt.json"
    saved.write_text(json.dumps({"code": VALID, "receipt": old}))
    checked = subprocess.run([*run, "receipt", "verify", str(saved)], capture_output=True, text=True)
    assert checked.returncode == 0 and json.loads(checked.stdout)["code"] == VALID, checked.stderr
    saved.write_text(flipped(old, 1))
    refused = subprocess.run([*run, "receipt", "verify", str(saved)], capture_output=True, text=True)
    assert refused.returncode == 1 and "NOT VALID" in refused.stderr
    other = ReceiptKeys(tmp_path / "elsewhere")
    other.ensure()
    (tmp_path / "other.jwks").write_text(json.dumps(other.public_set()))
    saved.write_text(old)
    stranger = subprocess.run([*run, "receipt", "verify", str(saved), "--jwks", str(tmp_path / "other.jwks")],
                              capture_output=True, text=True)
    assert stranger.returncode == 1  # signed by a key that set does not hold
    assert get_settings().receipt_key_dir.exists()

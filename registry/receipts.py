"""Signed receipts: what the registry answered, when, at which change, signed so that a
customs officer or a court can check it later without asking us.

A receipt is a compact JWS (RFC 7515) signed with Ed25519 (``alg`` ``EdDSA``, the name every
JOSE library verifies today; RFC 9864's ``Ed25519`` names the same signature). Its payload
is the answer with ``iat`` (seconds since 1970) and ``cursor`` (the last history event the
registry had), and its header names the key (``kid``). Keys live in the data dir, one JWK
file each; ``hopquy keys rotate`` adds one and makes it current, and every key ever used
stays published at ``/.well-known/jwks.json``, so an old receipt still verifies.
"""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey

ALG = "EdDSA"
TYP = "hopquy-receipt+jws"
CURRENT = "current"


class ReceiptInvalid(ValueError):
    """A receipt that does not verify: altered, signed by an unknown key, or not a receipt."""


@contextmanager
def _edsa() -> Iterator[None]:
    with warnings.catch_warnings():  # joserfc warns that RFC 9864 prefers the name Ed25519
        warnings.simplefilter("ignore")
        yield


class ReceiptKeys:
    """The signing keys in a folder: the current one signs, all of them verify."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._current: tuple[float, OKPKey] | None = None

    def rotate(self) -> str:
        """A new key, made current; the kid (the day and a random part)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        kid = f"{datetime.now(UTC):%Y-%m-%d}-{secrets.token_hex(4)}"
        key = OKPKey.generate_key("Ed25519", parameters={"kid": kid, "use": "sig", "alg": ALG}, private=True)
        path = self.folder / f"{kid}.jwk.json"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(orjson.dumps(key.as_dict(private=True)))
        pointer = self.folder / f".{CURRENT}.{kid}"
        pointer.write_text(kid)
        pointer.replace(self.folder / CURRENT)  # atomic: a signer reads the old kid or the new one
        return kid

    def ensure(self) -> None:
        """A first key, if the folder has none."""
        if not (self.folder / CURRENT).exists():
            self.rotate()

    def current(self) -> OKPKey:
        pointer = self.folder / CURRENT
        if not pointer.exists():
            self.ensure()
        changed = pointer.stat().st_mtime
        if self._current is None or self._current[0] != changed:
            kid = pointer.read_text().strip()
            self._current = (changed, OKPKey.import_key(orjson.loads((self.folder / f"{kid}.jwk.json").read_bytes())))
        return self._current[1]

    def public_set(self) -> dict[str, Any]:
        """Every key's public half, newest first: the JWKS that verifies any receipt."""
        keys = []
        for path in sorted(self.folder.glob("*.jwk.json"), reverse=True) if self.folder.exists() else []:
            keys.append(OKPKey.import_key(orjson.loads(path.read_bytes())).as_dict(private=False))
        return {"keys": keys}

    def sign(self, answer: dict[str, Any], cursor: int, issuer: str | None = None, now: datetime | None = None) -> str:
        """A receipt of ``answer``: its fields, ``iat``, ``cursor`` and ``iss`` (the registry's address)."""
        key = self.current()
        payload = {**answer, "iat": int((now or datetime.now(UTC)).timestamp()), "cursor": cursor}
        if issuer:
            payload["iss"] = issuer
        with _edsa():
            return jws.serialize_compact({"alg": ALG, "kid": key.kid, "typ": TYP}, orjson.dumps(payload), key,
                                         algorithms=[ALG])


def verify_receipt(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """The payload of a receipt signed by one of ``jwks``'s keys, or ``ReceiptInvalid``."""
    try:
        keys = KeySet.import_key_set(jwks)
        with _edsa():
            verified = jws.deserialize_compact(token.strip(), keys, algorithms=[ALG])
        return orjson.loads(verified.payload)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise ReceiptInvalid(f"the receipt does not verify: {exc}") from exc

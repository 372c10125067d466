"""``hopquy keys rotate`` and ``hopquy receipt verify``: the keys that sign receipts, and a
receipt checked offline."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from registry.receipts import ReceiptInvalid, ReceiptKeys, verify_receipt
from registry.settings import get_settings


@click.group("keys")
def keys_command() -> None:
    """The keys that sign receipts (in the data dir)."""


@keys_command.command("rotate")
def rotate_command() -> None:
    """Make a new signing key current; the old ones stay published, so their receipts still verify."""
    keys = ReceiptKeys(get_settings().receipt_key_dir)
    kid = keys.rotate()
    click.echo(f"receipts are now signed with key {kid}; {len(keys.public_set()['keys'])} key(s) published "
               "at /.well-known/jwks.json")


@keys_command.command("list")
def list_command() -> None:
    """The key ids, newest first; the current one marked."""
    keys = ReceiptKeys(get_settings().receipt_key_dir)
    published = keys.public_set()["keys"]
    current = keys.current().kid if published else None
    for key in published:
        click.echo(f"{key['kid']}{'  (current)' if key['kid'] == current else ''}")


@click.group("receipt")
def receipt_command() -> None:
    """Signed receipts of verify answers and listing checks."""


@receipt_command.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--jwks", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="the registry's /.well-known/jwks.json, saved; default: this registry's own keys")
def verify_command(file: Path, jwks: Path | None) -> None:
    """Check a receipt (the compact JWS alone, or a JSON answer holding it as "receipt") and
    print what it says; exit 1 when it does not verify."""
    text = file.read_text(encoding="utf-8").strip()
    if text.startswith("{"):
        text = orjson.loads(text).get("receipt") or ""
    key_set = orjson.loads(jwks.read_bytes()) if jwks else ReceiptKeys(get_settings().receipt_key_dir).public_set()
    try:
        payload = verify_receipt(text, key_set)
    except ReceiptInvalid as exc:
        click.echo(f"NOT VALID: {exc}", err=True)
        sys.exit(1)
    click.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
    click.echo("the signature is valid: the registry said this at the time in iat (seconds since 1970, UTC)",
               err=True)

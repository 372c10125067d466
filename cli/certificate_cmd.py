"""``hopquy certificate``: what an admin does to one certificate from the server's shell."""

from __future__ import annotations

import getpass

import click
from sqlmodel import Session

from cli.context import engine_for
from registry.access import Staff
from registry.errors import Refused
from registry.ownership import Transfer, transfer


@click.group("certificate")
def certificate_command() -> None:
    """One certificate: transfer it to another source."""


@certificate_command.command("transfer")
@click.argument("number")
@click.option("--to", "to_source", required=True, help="the source (certification body) it belongs to from now on")
@click.option("--reason", required=True, help="why: the decision or handover behind it")
def transfer_command(number: str, to_source: str, reason: str) -> None:
    """Transfer certificate NUMBER to another source: only that source's feeds may change it then."""
    admin = Staff(0, f"shell:{getpass.getuser()}", "admin", None)  # the audit log names who ran it
    with Session(engine_for()) as session:
        try:
            event = transfer(session, Transfer(number, to_source, reason), admin)
        except Refused as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
        before, after = event.changes["source"]
        click.echo(f"{number}: {before} -> {after}")

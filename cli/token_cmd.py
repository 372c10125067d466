"""``hopquy token``: create, list and revoke the API tokens of admins, inspectors and importers."""

from __future__ import annotations

import click
from sqlmodel import Session

from cli.context import engine_for
from registry.access import create_token, list_tokens, revoke_token
from registry.oversight_models import ROLES


@click.group("token")
def token_command() -> None:
    """API tokens (stored only as hashes; a secret is shown once, when created)."""


@token_command.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", required=True, help="whose token: a person or a system")
@click.option("--team", help="inspectors of one team see each other's inspections")
@click.option("--source", "sources", multiple=True,
              help="an importer's source (certification body); repeat for several; required for importers")
def create(role: str, name: str, team: str | None, sources: tuple[str, ...]) -> None:
    """Create a token and print its secret (once: it cannot be shown again)."""
    with Session(engine_for()) as session:
        try:
            token, secret = create_token(session, role, name, team, sources=sources)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        session.commit()
        click.echo(f"token {token.id} for {token.name} ({role}); keep this secret, it is shown only once:", err=True)
        click.echo(secret)


@token_command.command("list")
def list_command() -> None:
    """Every token: id, role, name, team, sources, created, last used, revoked."""
    with Session(engine_for()) as session:
        for t in list_tokens(session):
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "live"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            click.echo(
                f"{t.id}\t{t.role}\t{t.name}\t{t.team or '-'}\t{','.join(t.sources) or '-'}\t"
                f"created {t.created_at:%Y-%m-%d}\tused {used}\t{state}"
            )


@token_command.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke a token at once; its browser sessions end with it."""
    with Session(engine_for()) as session:
        try:
            token = revoke_token(session, token_id)
        except LookupError as exc:
            raise click.UsageError(str(exc)) from exc
        session.commit()
        click.echo(f"token {token.id} ({token.name}) is revoked")

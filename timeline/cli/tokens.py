"""Commands for the tokens of `timeline serve`, each with its scopes: create, revoke, list."""

from enum import StrEnum
from typing import Annotated

import typer

from timeline.cli._app import Subcommands, app, env_of

token_app = typer.Typer(
    cls=Subcommands,
    help="The tokens that read and write through `timeline serve`: create, revoke, list.",
    no_args_is_help=True,
)


class Scope(StrEnum):
    read = "read"
    read_all = "read:all"
    write = "write"
    admin = "admin"


app.add_typer(token_app, name="token")

NAME = typer.Argument(metavar="NAME", help="Who holds it: a person, a newsroom, a script.")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, NAME],
    scope: Annotated[
        list[Scope] | None,
        typer.Option(
            "--scope",
            help="What it may do (repeat): read (what is public as of today), read:all "
            "(viewpoints, events not public yet, the raw log), write (record), admin "
            "(list the tokens) [default: write, which reads the public view too].",
        ),
    ] = None,
) -> None:
    """Grant NAME a new token with its scopes and print it, once: only its hash is kept
    (in a record of the log, which says who was granted what, and when). A running
    `timeline serve` checks tokens on every request; it mounts writes only if a token
    that writes was in force when it started.

    Example: timeline token create newsroom-desk --scope read:all --scope write
    """

    env = env_of(ctx)
    scopes = tuple(str(s) for s in scope) if scope else ("write",)
    token = env.timeline("write").create_token(name, scopes=scopes)
    typer.echo(token)
    typer.echo(
        f"Granted a token to {name.strip()!r} ({', '.join(scopes)}): it is shown this "
        "once; give it as 'Authorization: Bearer TOKEN'",
        err=True,
    )


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, name: Annotated[str, NAME]) -> None:
    """Withdraw NAME's token, by appending a revocation: it writes no more.

    Example: timeline token revoke newsroom-desk
    """

    env = env_of(ctx)
    record = env.timeline("write").revoke_token(name)
    typer.echo(f"Revoked the token of {name.strip()!r} (seq {record.seq})")


@token_app.command("list")
def token_list(ctx: typer.Context) -> None:
    """Every token granted, by name, with its scopes and when it was granted and revoked
    (never the token itself).

    Example: timeline token list
    """
    from timeline.core.codec import format_recorded_at

    found = env_of(ctx).timeline().tokens()
    if not found:
        typer.echo("No token was ever granted: `timeline serve` takes no writes.")
        return
    for g in found:
        revoked = "in force" if g.revoked is None else f"revoked {format_recorded_at(g.revoked)}"
        scopes = ", ".join(g.scopes)
        typer.echo(f"{g.name}  {scopes}  granted {format_recorded_at(g.granted)}  {revoked}")

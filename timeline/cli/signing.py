"""Commands for the log's signed checkpoints: key create, checkpoint, checkpoints."""

from __future__ import annotations

from typing import Annotated

import typer

from timeline.cli._app import TextOrJson, app, env_of, write

key_app = typer.Typer(
    help="The key that signs the log's checkpoints: create.", no_args_is_help=True
)
app.add_typer(key_app, name="key")

KEY_FILE = typer.Option(
    "--key",
    metavar="FILE",
    envvar="TIMELINE_KEY",
    show_envvar=True,
    help="The signing key's file [default: signing.key in the per-user data folder].",
)


@key_app.command("create")
def key_create(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="The key's name, and the log's in its checkpoints: a schema-less URL by "
            "custom (example.org/timeline).",
        ),
    ],
    key: Annotated[str | None, KEY_FILE] = None,
) -> None:
    """Make an Ed25519 key that signs this log's checkpoints: its private half goes to
    FILE (readable by you only; never overwritten: keep it, and a copy), its public half
    into the log, where a reader of a checkpoint finds it. Prints the public key (a
    verifier key, as Go's sumdb/note writes it) to hand to readers.

    Example: timeline key create example.org/timeline --key signing.key
    """
    verifier = env_of(ctx).timeline("write").create_key(name, key)
    typer.echo(f"Created a signing key for {verifier.name}; its public key, now in the log:")
    typer.echo(verifier.text)


@app.command()
def checkpoint(ctx: typer.Context, key: Annotated[str | None, KEY_FILE] = None) -> None:
    """Sign the log as it stands (its Merkle tree's size and root, RFC 9162) with your
    key, as a C2SP tlog-checkpoint, and append the checkpoint to the log. Prints the
    signed note: publish it, and a reader holding your public key can check that the
    log later extends it.

    Example: timeline checkpoint --key signing.key
    """
    signed, new = env_of(ctx).timeline("write").checkpoint(key)
    if not new:
        typer.echo(
            f"Nothing recorded since the checkpoint at seq {signed.seq} (the first "
            f"{signed.size} records): it stands, nothing signed"
        )
        return
    typer.echo(f"Signed the log's first {signed.size} records (checkpoint at seq {signed.seq}):")
    typer.echo("")
    typer.echo(signed.note, nl=False)


@app.command()
def checkpoints(
    ctx: typer.Context,
    fmt: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
) -> None:
    """The checkpoints the log holds: for each, the records it signs, its root, the day
    and the key that signed it.

    Example: timeline checkpoints
    """
    from timeline.formats.signing import checkpoints_json, checkpoints_text

    found = env_of(ctx).timeline().checkpoints()
    if fmt is TextOrJson.json:
        write(checkpoints_json(found), as_json=True)
    else:
        write(checkpoints_text(found))

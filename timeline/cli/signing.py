"""Commands for the log's signed checkpoints: key create, checkpoint, checkpoints."""

from enum import StrEnum
from typing import Annotated

import typer

from timeline.cli._app import Subcommands, app, env_of, write
from timeline.core.errors import TimelineError

key_app = typer.Typer(
    cls=Subcommands,
    help="The keys that sign the log's checkpoints: create, list.",
    no_args_is_help=True,
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
    to FILE.pub, to hand to readers, and into the log, where a reader of a checkpoint
    finds it. Prints the public key (a verifier key, as Go's sumdb/note writes it).

    Example: timeline key create example.org/timeline --key signing.key
    """
    tl = env_of(ctx).timeline("write")
    verifier = tl.create_key(name, key)
    _, public = tl.key_files(key)
    typer.echo(
        f"Created a signing key for {verifier.name}; its public key, in the log and {public}:"
    )
    typer.echo(verifier.text)


@key_app.command("list")
def key_list(ctx: typer.Context) -> None:
    """The public keys the log publishes, one per line, in order: what a reader passes
    to `timeline verify-proof --key` (trust one only from its owner, not from a log
    that could have been replaced).

    Example: timeline key list
    """
    for verifier in env_of(ctx).timeline().published_keys():
        write(verifier.text + "\n")


class Every(StrEnum):
    day = "day"


@app.command()
def checkpoint(
    ctx: typer.Context,
    key: Annotated[str | None, KEY_FILE] = None,
    every: Annotated[
        Every | None,
        typer.Option(
            help="Sign only if this key signed no checkpoint today (the clock's day): "
            "run it as often as you like, from cron or a timer; one a day is signed.",
        ),
    ] = None,
) -> None:
    """Sign the log as it stands (its Merkle tree's size and root, RFC 9162) with your
    key, as a C2SP tlog-checkpoint, and append the checkpoint to the log. Prints the
    signed note: publish it, and a reader holding your public key can check that the
    log later extends it.

    Example: timeline checkpoint --key signing.key
    """
    tl = env_of(ctx).timeline("write")
    signed, new = tl.checkpoint(key, daily=every is Every.day)
    if not new:
        if signed.seq == tl.head():
            typer.echo(
                f"Nothing recorded since the checkpoint at seq {signed.seq} (the first "
                f"{signed.size} records): it stands, nothing signed"
            )
        else:
            typer.echo(
                f"Signed today already: the checkpoint at seq {signed.seq} (the first "
                f"{signed.size} records); nothing signed until tomorrow"
            )
        return
    typer.echo(f"Signed the log's first {signed.size} records (checkpoint at seq {signed.seq}):")
    typer.echo("")
    typer.echo(signed.note, nl=False)


class CheckpointFormat(StrEnum):
    text = "text"
    json = "json"
    note = "note"


@app.command()
def checkpoints(
    ctx: typer.Context,
    fmt: Annotated[
        CheckpointFormat,
        typer.Option(
            "--format",
            help="Output format; note: one checkpoint's signed note, exactly as a reader "
            "checks it (`timeline verify --against`).",
        ),
    ] = CheckpointFormat.text,
    size: Annotated[
        int | None,
        typer.Option(
            metavar="SIZE",
            help="Only the checkpoint of this size [default: all; with --format note, the latest].",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", metavar="FILE", help="Write here [default: stdout]."),
    ] = None,
) -> None:
    """The checkpoints the log holds: for each, the records it signs, its root, the day
    and the key that signed it.

    Example: timeline checkpoints
    """
    from timeline.formats.signing import checkpoints_json, checkpoints_text

    found = env_of(ctx).timeline().checkpoints(size)
    if fmt is CheckpointFormat.note:
        if not found:
            raise TimelineError("the log holds no checkpoint: `timeline checkpoint` signs one")
        text = found[-1].note
    else:
        text = checkpoints_json(found) if fmt is CheckpointFormat.json else checkpoints_text(found)
    if output is not None:
        from timeline.cli.export import emit

        emit([text.encode()], output)
    else:
        write(text, as_json=fmt is CheckpointFormat.json)


@app.command()
def prove(
    ctx: typer.Context,
    record: Annotated[
        str | None,
        typer.Argument(metavar="THREAD/ID", help="The record to prove was in the log."),
    ] = None,
    consistency: Annotated[
        int | None,
        typer.Option(
            metavar="OLD_SIZE",
            help="Instead: prove that the log at its checkpoint of this size is a prefix "
            "of the log at a later one (--checkpoint, or the latest).",
        ),
    ] = None,
    checkpoint: Annotated[
        int | None,
        typer.Option(metavar="SIZE", help="The checkpoint to prove against [default: the latest]."),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", metavar="FILE", help="Write here [default: stdout]."),
    ] = None,
) -> None:
    """Write a proof bundle (JSON) that anyone holding your public key checks with no
    database: THREAD/ID was among the records a signed checkpoint covers (the record,
    its Merkle audit path, the checkpoint), or, with --consistency, that the log at an
    older checkpoint is a prefix of the log at a newer one.

    Example: timeline prove russia-nato-security-guarantees/el-pais-publishes -o proof.json
    """
    from timeline.cli.export import emit
    from timeline.core.codec import pretty

    if (record is None) == (consistency is None):
        raise TimelineError("name a record (THREAD/ID), or --consistency OLD_SIZE, not both")
    tl = env_of(ctx).timeline()
    if consistency is not None:
        bundle = tl.prove_consistency(consistency, checkpoint)
    else:
        bundle = tl.prove(str(record), checkpoint=checkpoint)
    emit([(pretty(bundle) + "\n").encode()], output)


@app.command("verify-proof")
def verify_proof(
    bundle: Annotated[str, typer.Argument(metavar="BUNDLE", help="A file `timeline prove` wrote.")],
    key: Annotated[
        list[str] | None,
        typer.Option(
            metavar="VKEY|FILE",
            help="A public key you trust (name+id+key, as `timeline key create` prints it, "
            "or its FILE.pub; repeat). Without one, the bundle's own keys are tried and the "
            "exit is 2: that proves nothing of who signed.",
        ),
    ] = None,
) -> None:
    """Check a proof bundle with no database and no network: the record's hash, its
    audit path to the checkpoint's root and the checkpoint's signature (or both
    checkpoints and the path between them). Exit 1 if it does not hold; 2 if it holds
    only with the keys the bundle names (no --key: anyone can make a key of any name).

    Example: timeline verify-proof proof.json --key signing.key.pub
    """
    from timeline.api import verify_proof as check
    from timeline.cli._app import read_text_file, verifier_keys

    proved, trusted = check(read_text_file(bundle), verifier_keys(key))
    if proved.record is not None:
        what = (
            f"{proved.record} (seq {proved.seq}) is among the first {proved.size} records of "
            f"{proved.origin}, as {proved.key} signed"
        )
    else:
        what = (
            f"the first {proved.old_size} records of {proved.origin} are the first "
            f"{proved.old_size} of its {proved.size}, as {proved.key} signed"
        )
    # the names in a bundle are the bundle maker's: printed as text, never as terminal codes
    if trusted:
        write(f"Verified: {what}\n")
        return
    # anyone can make a key of any name: without one the reader trusts, nothing is proven
    write(f"Not verified (no --key): with the keys the bundle names, {what}\n")
    raise typer.Exit(2)

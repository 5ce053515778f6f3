"""Commands that look after the database: rebuild, verify, restore, db upgrade|current|grant."""

import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer

from timeline.cli._app import app, db_app, env_of
from timeline.cli._env import Env
from timeline.core.progress import named


class Projection(StrEnum):
    states = "states"
    checkpoints = "checkpoints"
    search = "search"
    tree = "tree"


@app.command()
def rebuild(
    ctx: typer.Context,
    only: Annotated[
        list[Projection] | None,
        typer.Option(
            "--only",
            help="Rebuild this projection (repeat for more), whether or not it is out of step.",
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Rebuild every projection, in step or not.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Rebuild even when the projections folded records the log lacks."
        ),
    ] = False,
) -> None:
    """Replay from the log the projections out of step with it, each on its own: the
    thread states, checkpoints, search index and Merkle tree. Out of step: made by
    another version of timeline, found wrong by `timeline verify`, behind the log, or a
    rebuild of them stopped half-way, which goes on from where it stood.

    Example: timeline rebuild --only search
    """
    bar: Any = None

    def step(names: Sequence[str], done: int, total: int) -> None:
        nonlocal bar
        if not sys.stderr.isatty():
            return
        if bar is None or bar.label != named(names) or done < bar.pos:  # (a next stage)
            if bar is not None:
                bar.__exit__(None, None, None)
            bar = typer.progressbar(length=total, label=named(names), file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        passes = (
            env_of(ctx)
            .timeline("write")
            .rebuild([p.value for p in only or ()], every=every, force=force, step=step)
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if not passes:
        typer.echo(
            "Nothing to rebuild: every projection is in step with the log "
            "(`timeline rebuild --all` replays them all the same)"
        )
    for p in passes:
        threads = f"{p.threads} thread{'s' if p.threads != 1 else ''}"
        records = f"{p.records} record{'s' if p.records != 1 else ''}"
        how = "Finished rebuilding" if p.resumed else "Rebuilt"
        typer.echo(f"{how} {named(p.names)} of {threads} from {records}")


@app.command()
def verify(
    ctx: typer.Context,
    expect: Annotated[
        str | None,
        typer.Option(
            metavar="DIGEST",
            help="A digest published earlier (`timeline digest`): the log must still extend "
            "it, so nothing then recorded was removed, rolled back or rewritten.",
        ),
    ] = None,
    against: Annotated[
        str | None,
        typer.Option(
            metavar="CHECKPOINT_FILE",
            help="A signed checkpoint kept earlier (`timeline checkpoints --format note`, "
            "or the service's /api/v1/checkpoint): the log must still extend it.",
        ),
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option(
            metavar="VKEY|FILE",
            help="With --against: a public key you trust to have signed it, or its FILE.pub "
            "(repeat); the keys the log publishes are tried too.",
        ),
    ] = None,
) -> None:
    """Check the log has not been tampered with: every hash chain, the sequence numbers,
    the database's pages and indexes (the search index too), the Merkle tree, the input
    rules, and the projection table against a replay; print the log digest. Exit 1 if
    anything is wrong.

    Example: timeline verify --expect 27:0a1b...
    """
    from timeline.cli._app import read_text_file, verifier_keys

    note = read_text_file(against) if against is not None else None
    tl = env_of(ctx).timeline()
    # this machine's clock (see restore)
    result = tl.verify(expect=expect, against=note, keys=verifier_keys(key))
    for finding in result.findings:
        typer.echo(str(finding))
    for what in result.unchecked:
        typer.echo(f"Note: not checked: {what}", err=True)
    summary = (
        f"{result.records} records in {result.threads} thread{'s' if result.threads != 1 else ''}"
    )
    if result.findings:
        n = len(result.findings)
        typer.echo(f"Error: {n} problem{'s' if n != 1 else ''} in {summary}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Verified {summary}: hash chains intact, sequence complete, projections match")
    if against is not None:
        typer.echo(f"The log extends the checkpoint in {against}")
    typer.echo(f"Digest: {result.digest}")


@app.command()
def digest(ctx: typer.Context) -> None:
    """Print the log digest: the record count and one SHA-256 over every thread's chain
    head. Publish it beside an export; `timeline verify --expect DIGEST` later shows the
    log still holds everything it then held, unchanged.

    Example: timeline digest
    """
    typer.echo(env_of(ctx).timeline().digest())


def restore_file(env: Env, path: str) -> None:
    n = env.timeline("write").restore(path)  # this machine's clock, not TIMELINE_NOW
    typer.echo(f"Restored {n} records from {path}")


@app.command()
def restore(
    ctx: typer.Context,
    path: Annotated[
        str, typer.Argument(metavar="FILE", help="A backup (`timeline export jsonl`).")
    ],
) -> None:
    """Restore a backup made by `timeline export jsonl` into an empty database, exactly:
    the same records, recorded_at and hashes (a backup whose hashes do not match is refused).

    Example: timeline --db restored.db restore backup.jsonl
    """
    restore_file(env_of(ctx), path)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the database schema up to date (timeline also does this on open).

    Example: timeline db upgrade
    """
    tl = env_of(ctx).timeline("write")  # opening applies any pending migration
    typer.echo(f"Database {tl.name} is at schema {tl.schema_revision()} (head)")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the database's location, schema revision and size, without changing it.

    Example: timeline db current
    """
    tl = env_of(ctx).timeline("inspect")
    revision = tl.schema_revision()
    if revision is None:
        typer.echo(f"{tl.name}: no timeline schema yet, 0 records")
    else:
        typer.echo(f"{tl.name}: schema {revision}, {tl.count()} records")


@db_app.command("grant")
def db_grant(
    ctx: typer.Context,
    role: Annotated[str, typer.Argument(metavar="ROLE", help="A PostgreSQL role.")],
) -> None:
    """Let ROLE read and append, but never update or delete the log (PostgreSQL): run it
    as the owner, then give writers ROLE.

    Example: timeline --db postgresql://owner@db.example/timeline db grant newsroom
    """
    tl = env_of(ctx).timeline()
    tl.grant_appender(role)
    typer.echo(
        f"{role} may read and append to {tl.name}; UPDATE, DELETE and TRUNCATE on "
        "events are refused to it"
    )

"""Commands that append what amends or names: correct, retract, retitle, alias."""

from typing import Annotated, Any

import typer

from timeline.cli import _complete as complete
from timeline.cli._app import app, env_of
from timeline.cli._fields import split_known_to, split_position, split_source
from timeline.cli.record import ALLOW_FUTURE
from timeline.core.errors import TimelineError
from timeline.core.model import EVENT_TYPES, STATUSES, Correction, Retraction


def _record(ctx: typer.Context, fields: dict[str, Any], allow_future: bool) -> None:
    """Append the correction or retraction the options describe, and say what it is."""
    result = (
        env_of(ctx)
        .timeline("write")
        .amend({k: v for k, v in fields.items() if v is not None}, allow_future=allow_future)
    )
    for warning in result.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    record = result.record
    e = record.entry
    if not isinstance(e, Correction | Retraction):  # what record_amendment appends
        raise TypeError(f"{e.key} is not an amendment")
    typer.echo(
        f"Recorded {e.key}: {e.kind} of {e.target} (seq {record.seq}, known {e.known.isoformat()})"
    )


@app.command()
def correct(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="THREAD/ID", help="The event to correct.")],
    date: Annotated[str | None, typer.Option(metavar="EDTF", help="Corrected date (EDTF).")] = None,
    event_known: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="Corrected day the event became public (YYYY-MM-DD)."),
    ] = None,
    event_type: Annotated[
        str | None,
        typer.Option("--type", metavar="TYPE", help=f"Corrected type: {', '.join(EVENT_TYPES)}."),
    ] = None,
    actor: Annotated[
        list[str] | None,
        typer.Option(metavar="ACTOR", help="Corrected parties (repeat; replaces them all)."),
    ] = None,
    title: Annotated[str | None, typer.Option(metavar="TEXT", help="Corrected title.")] = None,
    summary: Annotated[str | None, typer.Option(metavar="TEXT", help="Corrected summary.")] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(metavar="NAME=URL", help="Corrected sources (repeat; replaces them all)."),
    ] = None,
    status: Annotated[
        str | None, typer.Option(metavar="STATUS", help=f"Corrected status: {', '.join(STATUSES)}.")
    ] = None,
    position: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ACTOR|ISSUE|STANCE", help="Corrected positions (repeat; replaces them all)."
        ),
    ] = None,
    ref: Annotated[
        list[str] | None,
        typer.Option(metavar="THREAD/ID", help="Corrected refs (repeat; replaces them all)."),
    ] = None,
    known_to: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ACTOR=DATE",
            help="Corrected known_to (repeat; replaces the whole mapping).",
        ),
    ] = None,
    known: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Day the correction became public [default: the event's known day: a "
            "data-entry fix that applies in every view].",
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Why the correction was made.")
    ] = None,
    correction_id: Annotated[
        str | None,
        typer.Option("--id", metavar="KEY", help="Key of the correction [default: generated]."),
    ] = None,
    allow_future: Annotated[bool, ALLOW_FUTURE] = False,
) -> None:
    """Correct fields of a recorded event, by appending a correction.

    Example: timeline correct russia-nato-security-guarantees/geneva-ssd --date 2022-01-10
    """
    changes: dict[str, Any] = {
        "date": date,
        "known": event_known,
        "type": event_type,
        "actors": actor,
        "title": title,
        "summary": summary,
        "status": status,
        "sources": None if source is None else [split_source(s) for s in source],
        "positions": None if position is None else [split_position(p) for p in position],
        "refs": ref,
        "known_to": None if known_to is None else split_known_to(known_to),
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise TimelineError("say what to correct, e.g. --date or --title (see --help)")
    fields = {
        "type": "correction",
        "corrects": target,
        "set": changes,
        "known": known,
        "note": note,
        "id": correction_id,
    }
    _record(ctx, fields, allow_future)


@app.command()
def retract(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="THREAD/ID", help="The event to retract.")],
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why the event is withdrawn.")],
    known: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Day the retraction became public [default: the event's known day: it never "
            "shows in any view].",
        ),
    ] = None,
    retraction_id: Annotated[
        str | None,
        typer.Option("--id", metavar="KEY", help="Key of the retraction [default: generated]."),
    ] = None,
    allow_future: Annotated[bool, ALLOW_FUTURE] = False,
) -> None:
    """Withdraw a recorded event (a rumour later denied, a false report), by appending a
    retraction.

    Example: timeline retract russia-nato-security-guarantees/geneva-ssd --reason "duplicate"
    """
    fields = {
        "type": "retraction",
        "retracts": target,
        "reason": reason,
        "known": known,
        "id": retraction_id,
    }
    _record(ctx, fields, allow_future)


@app.command()
def retitle(
    ctx: typer.Context,
    thread: Annotated[
        str,
        typer.Argument(
            metavar="THREAD", autocompletion=complete.threads, help="The thread's slug."
        ),
    ],
    title: Annotated[str, typer.Argument(metavar="TITLE", help="Its new title (one line).")],
) -> None:
    """Name a thread anew, by appending a title record: every view shows the new title
    at once (a title is a label, not news); `history` lists each title it had, and
    `--recorded-before` an earlier moment shows the title of then.

    Example: timeline retitle russia-nato-security-guarantees "Russia–NATO: the draft treaties"
    """
    record = env_of(ctx).timeline("write").retitle(thread, title)
    if record is None:
        typer.echo(f"{thread} is already titled that; nothing recorded")
        return
    typer.echo(
        f"Recorded {record.entry.key}: {thread} is now titled {title.strip()!r} (seq {record.seq})"
    )


@app.command()
def alias(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(metavar="ALIAS", autocompletion=complete.actors, help="The other name."),
    ],
    canonical: Annotated[
        str,
        typer.Argument(
            metavar="CANONICAL", autocompletion=complete.actors, help="The name views show."
        ),
    ],
    known: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Day the names were found to be one, for the log [default: today]; the "
            "alias applies on every day.",
        ),
    ] = None,
) -> None:
    """Make ALIAS another name of the actor every view shows as CANONICAL, by appending
    an alias record: parties, positions, known_to and filters (--actor, --as) take either
    name. Records keep the names as recorded; --recorded-before an earlier moment shows
    the names as they were.

    Example: timeline alias US "United States"
    """
    record = env_of(ctx).timeline("write").alias(name, canonical, known=known)
    if record is None:
        typer.echo(
            f"{name.strip()!r} is already an alias of {canonical.strip()!r}; nothing recorded"
        )
        return
    typer.echo(
        f"Recorded {record.entry.key}: {name.strip()!r} is shown as {canonical.strip()!r} "
        f"(seq {record.seq})"
    )

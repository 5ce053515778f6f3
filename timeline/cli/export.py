"""Commands that export: ics, jsonl (the lossless backup), timelinejs, events (to share)."""

import sys
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

import typer

from timeline.cli._app import Subcommands, app, env_of, needs_day
from timeline.cli._fields import (
    ACTOR_FILTER,
    AS,
    AT_CHECKPOINT,
    ISSUE_FILTER,
    SINCE,
    STATUS_FILTER,
    TEXT_FILTER,
    THREADS,
    TYPE_FILTER,
    UNTIL,
    event_filter,
)

export_app = typer.Typer(
    cls=Subcommands,
    help="Export events: iCalendar, a JSON Lines backup, TimelineJS.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")

_OUTPUT = typer.Option("-o", "--output", metavar="FILE", help="Write here [default: stdout].")
_ASOF = typer.Option(
    metavar="DATE",
    help="Only what was publicly known on DATE (YYYY-MM-DD, 'today' or 'yesterday'), as "
    "known then.",
)


def emit(data: Iterable[bytes], output: str | None) -> None:
    """Write the pieces to stdout as they come, or to ``-o FILE`` safely
    (``_output.write_output``)."""
    if output is None:
        for chunk in data:
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        return
    from timeline.cli._output import write_output

    write_output(output, data)


@export_app.command("ics")
def export_ics(
    ctx: typer.Context,
    thread: Annotated[list[str] | None, THREADS] = None,
    asof: Annotated[str | None, _ASOF] = None,
    since: Annotated[str | None, SINCE] = None,
    until: Annotated[str | None, UNTIL] = None,
    output: Annotated[str | None, _OUTPUT] = None,
    viewer: Annotated[str | None, AS] = None,
    actor: Annotated[list[str] | None, ACTOR_FILTER] = None,
    types: Annotated[list[str] | None, TYPE_FILTER] = None,
    issue: Annotated[str | None, ISSUE_FILTER] = None,
    status: Annotated[str | None, STATUS_FILTER] = None,
    words: Annotated[str | None, TEXT_FILTER] = None,
    at_checkpoint: Annotated[int | None, AT_CHECKPOINT] = None,
) -> None:
    """An iCalendar (RFC 5545) file that calendars accept: one all-day event per event.
    Cut at a signed checkpoint (--at-checkpoint, or the latest when nothing but
    checkpoints followed it), it names it in X-TIMELINE-CHECKPOINT.

    Example: timeline export ics --asof 2022-02-02 -o feed.ics
    """
    needs_day(viewer, asof, "--asof")
    data = (
        env_of(ctx)
        .timeline()
        .export_chunks(
            "ics",
            threads=thread,
            as_of=asof,
            since=since,
            until=until,
            viewer=viewer,
            only=event_filter(actor, types, issue, status, words),
            at_checkpoint=at_checkpoint,
        )
    )
    emit(data, output)


@export_app.command("timelinejs")
def export_timelinejs(
    ctx: typer.Context,
    thread: Annotated[list[str] | None, THREADS] = None,
    asof: Annotated[str | None, _ASOF] = None,
    output: Annotated[str | None, _OUTPUT] = None,
    viewer: Annotated[str | None, AS] = None,
    actor: Annotated[list[str] | None, ACTOR_FILTER] = None,
    types: Annotated[list[str] | None, TYPE_FILTER] = None,
    issue: Annotated[str | None, ISSUE_FILTER] = None,
    status: Annotated[str | None, STATUS_FILTER] = None,
    words: Annotated[str | None, TEXT_FILTER] = None,
    at_checkpoint: Annotated[int | None, AT_CHECKPOINT] = None,
) -> None:
    """A TimelineJS (Knight Lab) JSON file: one slide per known event. Cut at a signed
    checkpoint (--at-checkpoint, or the latest when nothing but checkpoints followed
    it), it names it in "checkpoint".

    Example: timeline export timelinejs --thread russia-nato-security-guarantees -o t.json
    """
    needs_day(viewer, asof, "--asof")
    only = event_filter(actor, types, issue, status, words)
    chunks = (
        env_of(ctx)
        .timeline()
        .export_chunks(
            "timelinejs",
            threads=thread,
            as_of=asof,
            viewer=viewer,
            only=only,
            at_checkpoint=at_checkpoint,
        )
    )
    emit(chunks, output)


@export_app.command("jsonl")
def export_jsonl(
    ctx: typer.Context,
    output: Annotated[str | None, _OUTPUT] = None,
) -> None:
    """Every record as appended, in seq order, with recorded_at and hashes: a lossless
    backup that `timeline import --restore FILE` puts back exactly.

    Example: timeline export jsonl -o backup.jsonl
    """
    emit(env_of(ctx).timeline().export_chunks("jsonl"), output)


class ShareFormat(StrEnum):
    jsonl = "jsonl"
    yaml = "yaml"
    csv = "csv"


@export_app.command("events")
def export_events(
    ctx: typer.Context,
    thread: Annotated[list[str] | None, THREADS] = None,
    since: Annotated[str | None, SINCE] = None,
    until: Annotated[str | None, UNTIL] = None,
    fmt: Annotated[
        ShareFormat,
        typer.Option(
            "--format",
            help="jsonl (any threads), yaml (one thread's file) or csv (a spreadsheet, a "
            "row an entry, which `timeline import` reads back).",
        ),
    ] = ShareFormat.jsonl,
    output: Annotated[str | None, _OUTPUT] = None,
) -> None:
    """Event files that `timeline import` takes: the events with their corrections and
    retractions, in the shape a person writes them, and the events they refer to.
    Importing the file elsewhere adds what is new, skips what is there, names conflicts.

    Example: timeline export events --thread russia-nato-security-guarantees --format yaml
    """
    tl = env_of(ctx).timeline()
    chunks = tl.share(fmt.value, threads=thread, since=since, until=until)
    emit(chunks, output)

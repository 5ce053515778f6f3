"""Commands that read: asof, threads, log, history, diff, secrets, lag, actors, issues."""

from enum import StrEnum
from typing import Annotated, Literal

import typer

from timeline.cli import _complete as complete
from timeline.cli._app import (
    Format,
    HistoryFormat,
    ListFormat,
    LogFormat,
    TextOrJson,
    ThreadsFormat,
    app,
    env_of,
    needs_day,
    parse_timestamp,
    write,
)
from timeline.cli._fields import (
    ACTOR_FILTER,
    AS,
    AT_CHECKPOINT,
    ISSUE_FILTER,
    SINCE,
    STATUS_FILTER,
    TEXT_FILTER,
    THREAD_ACTOR,
    THREAD_ISSUE,
    THREAD_STATUS,
    THREAD_TEXT,
    THREAD_TYPE,
    THREADS,
    TYPE_FILTER,
    UNTIL,
    event_filter,
)

_RECORDED_BEFORE = typer.Option(
    metavar="TIMESTAMP",
    help="Only records this database held at that time (recorded_at <= it), e.g. "
    "2026-11-28T09:30:00Z: what the command would have printed then.",
)

DAY_HELP = "YYYY-MM-DD, 'today' or 'yesterday'."


@app.command()
def asof(
    ctx: typer.Context,
    date: Annotated[str, typer.Argument(metavar="DATE", help=DAY_HELP)],
    thread: Annotated[list[str] | None, THREADS] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
    recorded_before: Annotated[str | None, _RECORDED_BEFORE] = None,
    viewer: Annotated[str | None, AS] = None,
    actor: Annotated[list[str] | None, THREAD_ACTOR] = None,
    types: Annotated[list[str] | None, THREAD_TYPE] = None,
    issue: Annotated[str | None, THREAD_ISSUE] = None,
    status: Annotated[str | None, THREAD_STATUS] = None,
    words: Annotated[str | None, THREAD_TEXT] = None,
    at_checkpoint: Annotated[int | None, AT_CHECKPOINT] = None,
) -> None:
    """Where each negotiation stood, as publicly known at the end of DATE (or as one actor
    knew it, with --as).

    Example: timeline asof 2022-01-28 --as Russia
    """
    from timeline.core.dates import parse_day
    from timeline.formats import render

    env = env_of(ctx)
    tl = env.timeline()
    day = parse_day(date, "date", today=env.today)
    before = parse_timestamp(recorded_before, "--recorded-before")
    only = event_filter(actor, types, issue, status, words)
    at_seq = None if at_checkpoint is None else tl.at_checkpoint(at_checkpoint)
    states = tl.as_of(
        day, thread=thread, recorded_before=before, viewer=viewer, only=only, at_seq=at_seq
    )
    empty = not states and tl.is_empty(before)
    if fmt is Format.json:
        write(render.asof_json(day, states, viewer), as_json=True)
    elif fmt is Format.markdown:
        write(render.asof_markdown(day, states, empty=empty, viewer=viewer))
    else:
        write(render.asof_text(day, states, empty=empty, viewer=viewer))


@app.command()
def threads(
    ctx: typer.Context,
    fmt: Annotated[
        ThreadsFormat, typer.Option("--format", help="Output format.")
    ] = ThreadsFormat.text,
) -> None:
    """Every thread with its title, status, event count, first and last date today.

    Example: timeline threads
    """
    from timeline.formats import render

    states = env_of(ctx).timeline().threads("today")
    if fmt is ThreadsFormat.json:
        write(render.threads_json(states), as_json=True)
    elif fmt is ThreadsFormat.markdown:
        write(render.threads_markdown(states))
    elif fmt is ThreadsFormat.csv:
        from timeline.formats import tables

        write(tables.threads_csv(states), as_csv=True)
    else:
        write(render.threads_text(states))


@app.command()
def log(
    ctx: typer.Context,
    thread: Annotated[list[str] | None, THREADS] = None,
    since: Annotated[str | None, SINCE] = None,
    until: Annotated[str | None, UNTIL] = None,
    known_by: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Only events publicly known by this day (YYYY-MM-DD, 'today' or 'yesterday'); "
            "corrections and retractions as known then.",
        ),
    ] = None,
    recorded_before: Annotated[str | None, _RECORDED_BEFORE] = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="The records as appended, corrections and retractions as their own "
            "records, in seq order.",
        ),
    ] = False,
    fmt: Annotated[LogFormat, typer.Option("--format", help="Output format.")] = LogFormat.text,
    viewer: Annotated[str | None, AS] = None,
    actor: Annotated[list[str] | None, ACTOR_FILTER] = None,
    types: Annotated[list[str] | None, TYPE_FILTER] = None,
    issue: Annotated[str | None, ISSUE_FILTER] = None,
    status: Annotated[str | None, STATUS_FILTER] = None,
    words: Annotated[str | None, TEXT_FILTER] = None,
    code: Annotated[
        list[str] | None,
        typer.Option(
            metavar="CODE",
            help="Only events a dataset gave this code (repeat: any): 046, or a prefix (04: "
            "every consultation), or scheme:code (plover:CONSULT).",
        ),
    ] = None,
) -> None:
    """Events in timeline order: date, known (when later), type, thread/id, actors, title;
    corrected values, with corrections and retractions marked.

    Example: timeline log --thread russia-nato-security-guarantees --since 2022-01
    """
    from timeline.formats import render

    needs_day(viewer, known_by, "--known-by")
    only = event_filter(actor, types, issue, status, words)
    if code:
        from timeline.core.filters import EventFilter

        only = (only or EventFilter()).with_codes(code)
    tl = env_of(ctx).timeline()
    read = tl.raw_log if raw else tl.log
    items = read(
        thread=thread,
        since=since,
        until=until,
        known_by=known_by,
        recorded_before=parse_timestamp(recorded_before, "--recorded-before"),
        viewer=viewer,
        only=only,
    )
    if fmt is LogFormat.json:
        write(render.log_json(items), as_json=True)
    elif fmt is LogFormat.jsonl:
        write(render.log_jsonl(items), as_json=True)
    elif fmt is LogFormat.csv:
        from timeline.formats import tables

        write(tables.log_csv(items), as_csv=True)
    elif fmt is LogFormat.markdown:
        from timeline.formats import tables

        write(tables.log_markdown(items))
    else:
        write(render.log_text(items, empty=not items and tl.is_empty()))


@app.command()
def history(
    ctx: typer.Context,
    thread: Annotated[
        str,
        typer.Argument(
            metavar="THREAD", autocompletion=complete.threads, help="The thread's slug."
        ),
    ],
    fmt: Annotated[
        HistoryFormat, typer.Option("--format", help="Output format.")
    ] = HistoryFormat.text,
    actor: Annotated[list[str] | None, ACTOR_FILTER] = None,
    types: Annotated[list[str] | None, TYPE_FILTER] = None,
    issue: Annotated[str | None, ISSUE_FILTER] = None,
    status: Annotated[str | None, STATUS_FILTER] = None,
    words: Annotated[str | None, TEXT_FILTER] = None,
) -> None:
    """A thread's whole story: every event with its three times (happened, known,
    recorded), corrections and retractions inline, and each status change.

    Example: timeline history russia-nato-security-guarantees
    """
    from timeline.formats import changes

    only = event_filter(actor, types, issue, status, words)
    story = env_of(ctx).timeline().history(thread, only=only)
    if fmt is HistoryFormat.json:
        write(changes.history_json(story), as_json=True)
    elif fmt is HistoryFormat.markdown:
        write(changes.history_markdown(story))
    else:
        write(changes.history_text(story))


@app.command()
def diff(
    ctx: typer.Context,
    start: Annotated[str, typer.Argument(metavar="D1", help=DAY_HELP)],
    end: Annotated[str, typer.Argument(metavar="D2", help=DAY_HELP)],
    thread: Annotated[list[str] | None, THREADS] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
    viewer: Annotated[str | None, AS] = None,
    actor: Annotated[list[str] | None, ACTOR_FILTER] = None,
    types: Annotated[list[str] | None, TYPE_FILTER] = None,
    issue: Annotated[str | None, ISSUE_FILTER] = None,
    status: Annotated[str | None, STATUS_FILTER] = None,
    words: Annotated[str | None, TEXT_FILTER] = None,
    at_checkpoint: Annotated[int | None, AT_CHECKPOINT] = None,
) -> None:
    """What became known after D1, up to and including D2: threads that appeared, status
    changes, positions added, changed or dropped, events newly known, retracted or corrected.

    Example: timeline diff 2022-02-01 2022-02-02
    """
    from timeline.formats import changes

    only = event_filter(actor, types, issue, status, words)
    tl = env_of(ctx).timeline()
    at_seq = None if at_checkpoint is None else tl.at_checkpoint(at_checkpoint)
    result = tl.diff(start, end, thread=thread, viewer=viewer, only=only, at_seq=at_seq)
    if fmt is Format.json:
        write(changes.diff_json(result), as_json=True)
    elif fmt is Format.markdown:
        write(changes.diff_markdown(result))
    else:
        write(changes.diff_text(result))


@app.command()
def secrets(
    ctx: typer.Context,
    date: Annotated[str, typer.Argument(metavar="DATE", help=DAY_HELP)],
    thread: Annotated[list[str] | None, THREADS] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
    actor: Annotated[list[str] | None, ACTOR_FILTER] = None,
    types: Annotated[list[str] | None, TYPE_FILTER] = None,
    issue: Annotated[str | None, ISSUE_FILTER] = None,
    status: Annotated[str | None, STATUS_FILTER] = None,
    words: Annotated[str | None, TEXT_FILTER] = None,
) -> None:
    """What at least one actor knew by the end of DATE and the public did not: each event
    with who knew it and since when, how many days it had been secret, and the day it
    became public; by thread, then date.

    Example: timeline secrets 2022-01-28
    """
    from timeline.core.dates import parse_day
    from timeline.formats import disclosure

    env = env_of(ctx)
    day = parse_day(date, "date", today=env.today)
    only = event_filter(actor, types, issue, status, words)
    found = env.timeline().secrets(day, thread=thread, only=only)
    if fmt is TextOrJson.json:
        write(disclosure.secrets_json(day, found), as_json=True)
    else:
        write(disclosure.secrets_text(day, found))


class LagBy(StrEnum):
    thread = "thread"
    code = "code"


@app.command()
def lag(
    ctx: typer.Context,
    thread: Annotated[list[str] | None, THREADS] = None,
    actor: Annotated[
        str | None,
        typer.Option(metavar="ACTOR", help="Only events this actor is a party to."),
    ] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
    by: Annotated[
        LagBy,
        typer.Option(
            help="Group by thread, or by the code a dataset gave the events (cameo 046), "
            "across the threads.",
        ),
    ] = LagBy.thread,
) -> None:
    """Disclosure lag per thread, for events that became public after their date: how
    many, the median and longest lag in days, and the five longest hidden. An imprecise
    date counts from the end of its interval (2022-01: from 31 January).

    Example: timeline lag --thread russia-nato-security-guarantees
    """
    from timeline.formats import disclosure

    found = env_of(ctx).timeline().lag(thread=thread, actor=actor, by=by.value)
    if fmt is TextOrJson.json:
        write(disclosure.lag_json(found), as_json=True)
    else:
        write(disclosure.lag_text(found))


@app.command()
def upcoming(
    ctx: typer.Context,
    date: Annotated[str, typer.Argument(metavar="DATE", help=DAY_HELP)] = "today",
    thread: Annotated[list[str] | None, THREADS] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
) -> None:
    """Scheduled events announced by the end of DATE that had not happened by then (talks
    called off or moved count as the corrections say), by date: threads in which nothing
    has happened yet included.

    Example: timeline upcoming 2021-12-28
    """
    from timeline.core.dates import parse_day
    from timeline.formats.agenda import upcoming_json, upcoming_text

    env = env_of(ctx)
    day = parse_day(date, "date", today=env.today)
    found = env.timeline().upcoming(day, thread=thread)
    if fmt is TextOrJson.json:
        write(upcoming_json(day, found), as_json=True)
    else:
        write(upcoming_text(day, found))


_NAMES_ASOF = typer.Option(
    metavar="DATE",
    help="Only events publicly known by DATE (YYYY-MM-DD, 'today' or 'yesterday'), as then.",
)


def _names(
    ctx: typer.Context, kind: Literal["actors", "issues"], asof: str | None, fmt: ListFormat
) -> None:
    from timeline.core.dates import parse_day
    from timeline.formats.names import names_csv, names_json, names_markdown, names_text

    env = env_of(ctx)
    day = None if asof is None else parse_day(asof, "--asof", today=env.today)
    found = env.timeline().names(kind, day)
    if fmt is ListFormat.json:
        write(names_json(kind, found, day), as_json=True)
    elif fmt is ListFormat.csv:
        write(names_csv(kind, found), as_csv=True)
    elif fmt is ListFormat.markdown:
        write(names_markdown(kind, found, day))
    else:
        write(names_text(kind, found, day))


@app.command()
def actors(
    ctx: typer.Context,
    asof: Annotated[str | None, _NAMES_ASOF] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = ListFormat.text,
) -> None:
    """Every actor (a party to an event, or a position's holder) with how many events and
    threads it appears in, and the dates of its first and last event.

    Example: timeline actors --asof 2022-01-28
    """
    _names(ctx, "actors", asof, fmt)


@app.command()
def issues(
    ctx: typer.Context,
    asof: Annotated[str | None, _NAMES_ASOF] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = ListFormat.text,
) -> None:
    """Every issue a stance was recorded on, with how many events and threads record one,
    and the dates of the first and last.

    Example: timeline issues
    """
    _names(ctx, "issues", asof, fmt)

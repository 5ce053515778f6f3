"""The `timeline` command: parse options, call one use case, render. The only module that
prints, exits or reads the environment.

Heavy imports (SQLAlchemy, Alembic, YAML) happen inside the commands, so that
`timeline --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from timeline import __version__
from timeline.errors import ImportErrors, TimelineError

try:  # recent typer carries its own copy of click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - older typer depends on click itself
    from click.exceptions import ClickException  # type: ignore[no-redef]

if TYPE_CHECKING:
    from timeline.store import EventStore


class _Group(TyperGroup):
    """Every error ends here: one ``Error: ...`` line per problem on stderr, non-zero exit."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            rv = super().main(args=args, prog_name=prog_name or "timeline",
                              complete_var=complete_var, standalone_mode=False, **extra)
        except ImportErrors as e:
            for p in e.problems:
                typer.echo(f"Error: {p}", err=True)
            if len(e.problems) > 1:
                typer.echo(f"Error: {len(e.problems)} problems; nothing was imported", err=True)
            sys.exit(1)
        except TimelineError as e:
            _fail(str(e))
        except ClickException as e:
            # typer validates choices through pydantic, which prefixes "Value error, "
            typer.echo(f"Error: {e.format_message().replace('Value error, ', '')}", err=True)
            sys.exit(e.exit_code)
        except typer.Abort:
            typer.echo("Error: aborted", err=True)
            sys.exit(1)
        code = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    sys.exit(code)


app = typer.Typer(
    cls=_Group,
    help="An append-only record of diplomatic events: what was publicly known, when.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
db_app = typer.Typer(help="Database schema: upgrade it or show its revision.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ThreadsFormat(StrEnum):
    text = "text"
    json = "json"


class LogFormat(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


@dataclass
class Env:
    """What the commands share: where the database is and what time it is."""

    db: str | None
    now: dt.datetime  # aware, UTC
    today: dt.date
    _store: EventStore | None = None

    def store(self) -> EventStore:
        if self._store is None:
            from timeline.db import resolve_url
            from timeline.service import open_store
            from timeline.settings import default_db_url

            if self.db:
                self._store = open_store(resolve_url(self.db))
            else:
                self._store = open_store(default_db_url(), create_dirs=True)
        return self._store


def _clock() -> tuple[dt.datetime, dt.date]:
    """Now (UTC) and today's date; TIMELINE_NOW (ISO timestamp) overrides the clock.

    TIMELINE_NOW without an offset is UTC. Today is the date where the clock is:
    the local date for the real clock, the timestamp's own date for TIMELINE_NOW.
    """
    value = os.environ.get("TIMELINE_NOW")
    if not value:
        now = dt.datetime.now().astimezone()
        return now.astimezone(dt.UTC), now.date()
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        _fail(f"TIMELINE_NOW={value!r} is not an ISO timestamp (e.g. 2022-02-02T12:00:00Z)")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC), when.date()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"timeline {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", envvar="TIMELINE_DB", metavar="PATH|URL", show_envvar=True,
        help="Database: an SQLite file path or an SQLAlchemy URL "
             "[default: timeline.db in the per-user data folder]")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """An append-only record of diplomatic events: what was publicly known, when.

    Example: timeline asof 2022-02-02
    """
    now, today = _clock()
    ctx.obj = Env(db=db, now=now, today=today)


def _env(ctx: typer.Context) -> Env:
    env = ctx.find_root().obj
    assert isinstance(env, Env)
    return env


def _day(value: str, today: dt.date, what: str) -> dt.date:
    from timeline.dates import parse_day

    if value == "today":
        return today
    return parse_day(value, what)


def _span(value: str | None, end: bool, what: str) -> dt.date | None:
    """--since/--until take any EDTF date: --until 2022-01 means through 31 January."""
    if value is None:
        return None
    from timeline.dates import parse_edtf
    from timeline.errors import InvalidDate

    try:
        d = parse_edtf(value)
    except InvalidDate as e:
        raise InvalidDate(f"{what}: {e}") from None
    return d.last if end else d.first


def _write(text: str) -> None:
    typer.echo(text, nl=False)


# ---- add ------------------------------------------------------------------------------


def _split_source(value: str) -> dict[str, str]:
    name, sep, url = value.partition("=")
    return {"name": name.strip(), "url": url.strip()} if sep else {"name": value.strip()}


def _split_position(value: str) -> dict[str, str]:
    parts = value.split("|")
    if len(parts) != 3:
        raise TimelineError(f"--position {value!r}: expected 'ACTOR|ISSUE|STANCE'")
    return dict(zip(("actor", "issue", "stance"), (p.strip() for p in parts), strict=True))


@app.command()
def add(
    ctx: typer.Context,
    thread: Annotated[str | None, typer.Option(help="Thread slug, e.g. russia-nato-talks.")] = None,
    event_id: Annotated[str | None, typer.Option(
        "--id", help="Short key, unique in the thread [default: from date and title].")] = None,
    date: Annotated[str | None, typer.Option(
        help="When it happened (EDTF): 2022-01-26, 2021-12, 2022, 2022-02~ ...")] = None,
    known: Annotated[str | None, typer.Option(
        help="Day it became public (YYYY-MM-DD) [default: last day of --date].")] = None,
    event_type: Annotated[str | None, typer.Option("--type", help="Event type.")] = None,
    actor: Annotated[list[str] | None, typer.Option(help="A party (repeat).")] = None,
    title: Annotated[str | None, typer.Option(help="One line saying what happened.")] = None,
    summary: Annotated[str | None, typer.Option(help="Longer free text.")] = None,
    source: Annotated[list[str] | None, typer.Option(
        metavar="NAME=URL", help="A source (repeat); URL optional.")] = None,
    status: Annotated[str | None, typer.Option(
        help="Thread status from this event on.")] = None,
    position: Annotated[list[str] | None, typer.Option(
        metavar="ACTOR|ISSUE|STANCE", help="A stance taken (repeat).")] = None,
    ref: Annotated[list[str] | None, typer.Option(
        metavar="THREAD/ID", help="An earlier event this one refers to (repeat).")] = None,
    thread_title: Annotated[str | None, typer.Option(
        help="Name (or rename) the thread.")] = None,
) -> None:
    """Record one event. Prompts for missing required fields when run in a terminal.

    Example: timeline add --thread russia-nato-security-guarantees --date 2022-01-26
    --type response --actor "United States" --actor NATO
    --title "US and NATO deliver written replies to Russia"
    """
    from timeline.model import EVENT_TYPES
    from timeline.service import add_event

    env = _env(ctx)
    if sys.stdin.isatty():
        thread = thread or typer.prompt("Thread (slug)")
        date = date or typer.prompt("Date (EDTF, e.g. 2022-01-26)")
        event_type = event_type or typer.prompt(f"Type ({', '.join(EVENT_TYPES)})")
        actor = actor or [a.strip() for a in typer.prompt("Actors (comma-separated)").split(",")]
        title = title or typer.prompt("Title")
    missing = [f"--{n}" for n, v in (("thread", thread), ("date", date), ("type", event_type),
                                     ("actor", actor), ("title", title)) if not v]
    if missing:
        raise TimelineError(f"missing {', '.join(missing)} (required when not run in a terminal)")
    fields: dict[str, Any] = {
        "thread": thread, "id": event_id, "date": date, "known": known, "type": event_type,
        "actors": actor, "title": title, "summary": summary, "status": status,
        "sources": [_split_source(s) for s in source or []],
        "positions": [_split_position(p) for p in position or []],
        "refs": list(ref or []),
    }
    result = add_event(env.store(), {k: v for k, v in fields.items() if v is not None},
                       env.now, thread_title=thread_title)
    r = result.record
    note = f"; new thread {r.event.thread}" if result.new_thread else ""
    typer.echo(f"Recorded {r.event.key} (seq {r.seq}, known {r.event.known.isoformat()}){note}")


# ---- import ---------------------------------------------------------------------------


def bundled_events_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / "events", here.parent / "events"):
        if candidate.is_dir():
            return candidate
    raise TimelineError("the bundled events are missing from this installation")


@app.command("import")
def import_(
    ctx: typer.Context,
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="PATH...", help="Event files or folders (*.yaml, *.yml, *.json, *.jsonl).")] = None,
    bundled: Annotated[bool, typer.Option(
        "--bundled", help="Import the events that ship with timeline.")] = False,
) -> None:
    """Import event files: all or nothing, and re-importing the same events is harmless.

    Example: timeline import events/
    """
    from timeline.service import import_paths

    env = _env(ctx)
    targets = list(paths or [])
    if bundled:
        targets.append(str(bundled_events_dir()))
    if not targets:
        raise TimelineError("name at least one PATH, or use --bundled")
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if total < 5000 or not sys.stderr.isatty():
            return
        if bar is None:
            bar = typer.progressbar(length=total, label="Recording events", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        result = import_paths(env.store(), targets, env.now, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for w in result.warnings:
        typer.echo(f"Warning: {w}", err=True)
    files = f"{result.files} file{'s' if result.files != 1 else ''}"
    new = f"; new threads: {', '.join(result.new_threads)}" if result.new_threads else ""
    typer.echo(f"Imported {files}: {result.added} added, {result.present} already present{new}")


# ---- reading --------------------------------------------------------------------------


@app.command()
def asof(
    ctx: typer.Context,
    date: Annotated[str, typer.Argument(metavar="DATE", help="YYYY-MM-DD or 'today'.")],
    thread: Annotated[str | None, typer.Option(help="Only this thread.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
) -> None:
    """Where each negotiation stood, as publicly known at the end of DATE.

    Example: timeline asof 2022-02-02 --format json
    """
    from timeline.formats import render
    from timeline.service import as_of

    env = _env(ctx)
    day = _day(date, env.today, "date")
    store = env.store()
    states = as_of(store, day, thread)
    if fmt is Format.json:
        _write(render.asof_json(day, states))
    elif fmt is Format.markdown:
        _write(render.asof_markdown(day, states, empty=not states and store.count() == 0))
    else:
        _write(render.asof_text(day, states, empty=not states and store.count() == 0))


@app.command()
def threads(
    ctx: typer.Context,
    fmt: Annotated[ThreadsFormat, typer.Option("--format", help="Output format.")]
    = ThreadsFormat.text,
) -> None:
    """Every thread with its title, current status, event count, first and last date.

    Example: timeline threads
    """
    from timeline.formats import render
    from timeline.service import threads as list_threads

    states = list_threads(_env(ctx).store())
    _write(render.threads_json(states) if fmt is ThreadsFormat.json
           else render.threads_text(states))


@app.command()
def log(
    ctx: typer.Context,
    thread: Annotated[str | None, typer.Option(help="Only this thread.")] = None,
    since: Annotated[str | None, typer.Option(
        help="Events that happened on or after this date (EDTF).")] = None,
    until: Annotated[str | None, typer.Option(
        help="Events that happened on or before this date (EDTF; 2022-01 = to 31 Jan).")] = None,
    known_by: Annotated[str | None, typer.Option(
        help="Only events publicly known by this day (YYYY-MM-DD or 'today').")] = None,
    fmt: Annotated[LogFormat, typer.Option("--format", help="Output format.")] = LogFormat.text,
) -> None:
    """Events in timeline order: date, known (when later), type, thread/id, actors, title.

    Example: timeline log --thread russia-nato-security-guarantees --since 2022-01
    """
    from timeline.formats import render
    from timeline.service import log as read_log

    env = _env(ctx)
    store = env.store()
    records = read_log(
        store, thread=thread, since=_span(since, False, "--since"),
        until=_span(until, True, "--until"),
        known_by=None if known_by is None else _day(known_by, env.today, "--known-by"))
    if fmt is LogFormat.json:
        _write(render.log_json(records))
    elif fmt is LogFormat.jsonl:
        _write(render.log_jsonl(records))
    else:
        _write(render.log_text(records, empty=not records and store.count() == 0))


@app.command()
def rebuild(ctx: typer.Context) -> None:
    """Drop the projection table and replay it from the log.

    Example: timeline rebuild
    """
    from timeline.service import rebuild as rebuild_states

    count, n = rebuild_states(_env(ctx).store())
    typer.echo(f"Rebuilt {n} thread{'s' if n != 1 else ''} from {count} records")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the database schema up to date (timeline also does this on open).

    Example: timeline db upgrade
    """
    from timeline.db import current_revision

    store = _env(ctx).store()  # opening applies any pending migration
    typer.echo(f"Database {store.name} is at schema {current_revision(store.engine)} (head)")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the database's location and schema revision.

    Example: timeline db current
    """
    from timeline.db import current_revision

    store = _env(ctx).store()
    typer.echo(f"{store.name}: schema {current_revision(store.engine)}, "
               f"{store.count()} records")


def main() -> None:
    app()

"""Commands that record events: add, import (correct and retract are in ``amend``)."""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from timeline.cli import _complete as complete
from timeline.cli._app import app, env_of
from timeline.cli._fields import split_known_to, split_position, split_source
from timeline.core.dates import parse_edtf
from timeline.core.errors import TimelineError
from timeline.core.model import EVENT_TYPES, STATUSES, is_slug

if TYPE_CHECKING:
    from timeline.api import CodedImport, ImportResult
    from timeline.cli._env import Env

# ---- add ------------------------------------------------------------------------------


def _ask(label: str, check: Callable[[str], Any]) -> Any:
    """Prompt until the answer passes ``check`` (which says what is wrong, and is asked
    again), instead of failing at the end."""

    def value(text: str) -> Any:
        try:
            return check(text)
        except (ValueError, TimelineError) as e:
            raise typer.BadParameter(str(e)) from None

    return typer.prompt(label, value_proc=value)


def _slug(text: str) -> str:
    if not is_slug(text.strip()):
        raise ValueError(f"{text.strip()!r} is not a slug: lowercase letters, digits and '-'")
    return text.strip()


def _type(text: str) -> str:
    if text.strip() not in EVENT_TYPES:
        raise ValueError(f"unknown type {text.strip()!r}")
    return text.strip()


def _actors(text: str) -> list[str]:
    names = [a.strip() for a in text.split(",") if a.strip()]
    if not names:
        raise ValueError("name at least one actor")
    return names


ALLOW_FUTURE = typer.Option(
    "--allow-future", help="Accept a known day after today (a scheduled publication)."
)


@app.command()
def add(
    ctx: typer.Context,
    thread: Annotated[
        str | None,
        typer.Option(
            metavar="SLUG",
            autocompletion=complete.threads,
            help="Thread slug, e.g. russia-nato-talks.",
        ),
    ] = None,
    event_id: Annotated[
        str | None,
        typer.Option(
            "--id",
            metavar="KEY",
            help="Short key, unique in the thread [default: from date and title].",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            metavar="EDTF", help="When it happened (EDTF): 2022-01-26, 2021-12, 2022, 2022-02~ ..."
        ),
    ] = None,
    known: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="Day it became public (YYYY-MM-DD) [default: last day of --date]."
        ),
    ] = None,
    event_type: Annotated[
        str | None,
        typer.Option(
            "--type",
            metavar="TYPE",
            autocompletion=complete.types,
            help=f"Event type: {', '.join(EVENT_TYPES)}.",
        ),
    ] = None,
    actor: Annotated[
        list[str] | None,
        typer.Option(metavar="ACTOR", autocompletion=complete.actors, help="A party (repeat)."),
    ] = None,
    title: Annotated[
        str | None, typer.Option(metavar="TEXT", help="One line saying what happened.")
    ] = None,
    summary: Annotated[str | None, typer.Option(metavar="TEXT", help="Longer free text.")] = None,
    source: Annotated[
        list[str] | None, typer.Option(metavar="NAME=URL", help="A source (repeat); URL optional.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            metavar="STATUS",
            autocompletion=complete.statuses,
            help=f"Thread status from this event on: {', '.join(STATUSES)}.",
        ),
    ] = None,
    position: Annotated[
        list[str] | None,
        typer.Option(metavar="ACTOR|ISSUE|STANCE", help="A stance taken (repeat)."),
    ] = None,
    ref: Annotated[
        list[str] | None,
        typer.Option(metavar="THREAD/ID", help="An earlier event this one refers to (repeat)."),
    ] = None,
    known_to: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ACTOR=DATE",
            help="An actor that knew of it before the public, and since when (repeat).",
        ),
    ] = None,
    thread_title: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Name (or rename) the thread.")
    ] = None,
    scheduled: Annotated[
        bool,
        typer.Option(
            "--scheduled",
            help="Announced in advance: --known is the day it was announced [default: today].",
        ),
    ] = False,
    allow_future: Annotated[bool, ALLOW_FUTURE] = False,
) -> None:
    """Record one event. Prompts for missing required fields when run in a terminal.

    Example: timeline add --thread russia-nato-security-guarantees --date 2022-01-26
    --type response --actor "United States" --actor NATO
    --title "US and NATO deliver written replies to Russia"
    """
    env = env_of(ctx)
    if sys.stdin.isatty():
        from timeline.core.validate import text_field

        thread = thread or _ask("Thread (slug)", _slug)
        date = date or _ask("Date (EDTF, e.g. 2022-01-26)", lambda v: parse_edtf(v).text)
        event_type = event_type or _ask(f"Type ({', '.join(EVENT_TYPES)})", _type)
        actor = actor or _ask("Actors (comma-separated)", _actors)
        title = title or _ask("Title", lambda v: text_field(v, "the title", one_line=True))
    missing = [
        f"--{n}"
        for n, v in (
            ("thread", thread),
            ("date", date),
            ("type", event_type),
            ("actor", actor),
            ("title", title),
        )
        if not v
    ]
    if missing:
        raise TimelineError(f"missing {', '.join(missing)} (required when not run in a terminal)")
    if scheduled and known is None:
        known = env.today.isoformat()
    fields: dict[str, Any] = {
        "thread": thread,
        "id": event_id,
        "date": date,
        "known": known,
        "scheduled": scheduled or None,
        "type": event_type,
        "actors": actor,
        "title": title,
        "summary": summary,
        "status": status,
        "sources": [split_source(s) for s in source or []],
        "positions": [split_position(p) for p in position or []],
        "refs": list(ref or []),
        "known_to": split_known_to(known_to or []),
    }
    result = env.timeline("write").add(
        {k: v for k, v in fields.items() if v is not None},
        thread_title=thread_title,
        allow_future=allow_future,
    )
    r = result.record
    for warning in result.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    if result.already:
        typer.echo(f"Already recorded {r.event.key} (seq {r.seq}); nothing added")
        return
    note = f"; new thread {r.event.thread}" if result.new_thread else ""
    e = r.event
    known = f"known {e.known.isoformat()}"
    if e.announced is not None:
        known = f"scheduled for {e.date.text}, announced {e.announced.isoformat()}"
    typer.echo(f"Recorded {e.key} (seq {r.seq}, {known}){note}")


# ---- correct, retract ------------------------------------------------------------------


# ---- import ---------------------------------------------------------------------------


class ImportFormat(StrEnum):
    events = "events"
    csv = "csv"
    gdelt = "gdelt"
    icews = "icews"
    polecat = "polecat"


class ThreadBy(StrEnum):
    dyad = "dyad"


_CODED: dict[ImportFormat, Literal["gdelt", "icews", "polecat"]] = {
    ImportFormat.gdelt: "gdelt",
    ImportFormat.icews: "icews",
    ImportFormat.polecat: "polecat",
}


@dataclass(frozen=True)
class CodedOptions:
    thread: str | None
    thread_by: ThreadBy | None
    rules: str | None
    codes: str | None
    countries: str | None
    encoding: str | None
    max_bad: int
    dry_run: bool


@app.command("import")
def import_(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATH...", help="Event files or folders (*.yaml, *.yml, *.json, *.jsonl)."
        ),
    ] = None,
    bundled: Annotated[
        bool, typer.Option("--bundled", help="Import the events that ship with timeline.")
    ] = False,
    restore: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Deprecated: use `timeline restore FILE` (the same).",
        ),
    ] = None,
    allow_future: Annotated[bool, ALLOW_FUTURE] = False,
    known_by: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Only what was public by this day (events, corrections, retractions); "
            "the rest is counted, and a later import adds it: a story recorded as it "
            "became known.",
        ),
    ] = None,
    fmt: Annotated[
        ImportFormat,
        typer.Option(
            "--format",
            help="events: event files (a *.csv one a spreadsheet of them); csv: every file "
            "a spreadsheet; gdelt: GDELT 2.0 event exports (.CSV, or .zip as "
            "GDELT publishes them); icews: ICEWS event files; polecat: POLECAT files (PLOVER "
            "events). A coded file may be - (stdin).",
        ),
    ] = ImportFormat.events,
    thread: Annotated[
        str | None,
        typer.Option(metavar="SLUG", help="Coded data: record every event in this thread."),
    ] = None,
    thread_by: Annotated[
        ThreadBy | None,
        typer.Option(help="Coded data: one thread per set of parties' countries (rus-ukr)."),
    ] = None,
    rules: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Coded data: a YAML file of rules (countries, codes, words in the sources "
            "-> thread and title); events no rule takes are counted and listed.",
        ),
    ] = None,
    codes: Annotated[
        str | None,
        typer.Option(
            metavar="CODES",
            help="Coded data: only these CAMEO roots or codes, comma-separated (03,04,057), "
            "or PLOVER events for POLECAT (consult,agree) [default: the diplomatic ones: "
            "roots 01-06, 08, 10-12, 16].",
        ),
    ] = None,
    actor_country: Annotated[
        str | None,
        typer.Option(
            metavar="COUNTRIES",
            help="Coded data: only events with a party of one of these countries, "
            "comma-separated, as the dataset writes them (RUS,UKR; Ukraine).",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Coded data: the files' encoding [default: the dataset's: ISO-8859-1 for "
            "POLECAT, UTF-8 for the others].",
        ),
    ] = None,
    max_bad: Annotated[
        int,
        typer.Option(metavar="N", min=0, help="Coded data: past N bad rows, nothing is imported."),
    ] = 100,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Coded data: read, fold and count; write nothing."),
    ] = False,
) -> None:
    """Import event files: all or nothing, and re-importing the same events is harmless.
    With --format gdelt, icews or polecat, machine-coded event data: its rows folded
    into the events they report, each recorded once, put in a thread (--thread,
    --thread-by dyad, --rules FILE).

    Example: timeline import events/
    """
    env = env_of(ctx)
    coded = CodedOptions(thread, thread_by, rules, codes, actor_country, encoding, max_bad, dry_run)
    if fmt not in (ImportFormat.events, ImportFormat.csv):
        if bundled or restore is not None or known_by is not None or allow_future:
            raise TimelineError(
                "--bundled, --restore, --known-by and --allow-future are for event files, "
                "not coded data"
            )
        return _import_coded(env, fmt, list(paths or []), coded)
    if coded != CodedOptions(None, None, None, None, None, None, 100, False):
        raise TimelineError(
            "--thread, --thread-by, --rules, --codes, --actor-country, --encoding, --max-bad "
            "and --dry-run are for coded data: add --format gdelt, icews or polecat"
        )
    if restore is not None:
        return _restore_deprecated(env, restore, bool(paths or bundled))
    targets = list(paths or [])
    if bundled:
        from timeline.api import bundled_events

        targets.append(str(bundled_events()))
    if not targets:
        raise TimelineError("name at least one PATH, or use --bundled")
    _import_events(env, targets, allow_future, known_by, fmt is ImportFormat.csv)


def _restore_deprecated(env: "Env", backup: str, more: bool) -> None:
    from timeline.cli.admin import restore_file

    if more:
        raise TimelineError("--restore takes one backup file and nothing else")
    restore_file(env, backup)
    typer.echo("Warning: `import --restore` is deprecated; use `timeline restore FILE`", err=True)


def _import_events(
    env: "Env", targets: list[str], allow_future: bool, known_by: str | None, spreadsheets: bool
) -> None:
    bar: Any = None

    def progress(done: int, total: int) -> None:  # characters of the files read
        nonlocal bar
        if total < 5_000_000 or not sys.stderr.isatty():
            return
        if bar is None:
            bar = typer.progressbar(length=total, label="Importing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        result = env.timeline("write").import_paths(
            targets,
            progress=progress,
            allow_future=allow_future,
            known_by=known_by,
            spreadsheets=spreadsheets,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    _summary(result, known_by)


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'s' if n != 1 else ''}"


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _import_coded(env: "Env", fmt: ImportFormat, paths: list[str], o: CodedOptions) -> None:
    if not paths:
        raise TimelineError("name at least one FILE (or - for standard input)")
    report = env.timeline("write").import_coded(
        paths,
        format=_CODED[fmt],
        thread=o.thread,
        thread_by=None if o.thread_by is None else "dyad",
        rules=o.rules,
        codes=_split(o.codes) if o.codes is not None else None,
        countries=_split(o.countries),
        encoding=o.encoding,
        max_bad=o.max_bad,
        dry_run=o.dry_run,
    )
    _coded_warnings(report)
    _coded_summary(report, o)


_SHOWN = 10  # bad rows, events no rule takes: named one by one, the rest counted


def _coded_warnings(report: "CodedImport") -> None:
    shown = _SHOWN
    for warning in report.result.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    for problem in report.bad[:shown]:
        typer.echo(f"Warning: {problem}: skipped", err=True)
    if len(report.bad) > shown:
        typer.echo(f"Warning: {len(report.bad) - shown} more bad rows skipped", err=True)
    if report.replaced:
        typer.echo(
            f"Warning: {report.replaced} characters the encoding could not read are U+FFFD "
            "(another --encoding?)",
            err=True,
        )


def _coded_summary(report: "CodedImport", o: CodedOptions) -> None:
    shown = _SHOWN
    r, n = report.result, report.rows
    left = [f"{report.folded:,} repeating another's event (folded into it)"]
    left.append(f"{report.outside:,} outside the codes")
    if o.countries:
        left.append(f"{report.other_parties:,} of other countries")
    left.append(f"{len(report.bad):,} bad")
    if report.mention_files:
        files = _count(report.mention_files, "Mentions file")
        typer.echo(f"Read {_count(report.mentions, 'mention')} in {files} beside the exports")
    events = _count(report.events, "event")
    typer.echo(f"Read {_count(n, 'row')}: {events}; rows " + ", ".join(left))
    if report.unmatched:
        n = len(report.unmatched)
        typer.echo(f"Not recorded: {_count(n, 'event')} no rule takes:")
        for title in report.unmatched[:shown]:
            typer.echo(f"  {title}")
        if n > shown:
            typer.echo(f"  and {n - shown:,} more")
    if report.no_country:
        typer.echo(
            f"Not recorded: {report.no_country:,} events with no party of a known country "
            "(no dyad thread takes them; --thread takes all)"
        )
    done = "Would import" if o.dry_run else "Imported"
    typer.echo(
        f"{done} {_count(r.added, 'event')}, {r.present:,} already present"
        f"{_new_threads(r.new_threads)}"
    )


def _summary(result: "ImportResult", known_by: str | None) -> None:
    for w in result.warnings:
        typer.echo(f"Warning: {w}", err=True)
    files = f"{result.files} file{'s' if result.files != 1 else ''}"
    typer.echo(
        f"Imported {files}: {result.added} added, {result.present} already present"
        f"{_new_threads(result.new_threads)}"
    )
    if result.later:
        n = result.later
        typer.echo(f"Left for later: {n} record{'s' if n != 1 else ''} known after {known_by}")


_SHOWN_THREADS = 10  # a large import names its first new threads, then counts the rest


def _new_threads(slugs: list[str]) -> str:
    if not slugs:
        return ""
    more = len(slugs) - _SHOWN_THREADS
    named = ", ".join(slugs[:_SHOWN_THREADS]) + (f" and {more} more" if more > 0 else "")
    return f"; {len(slugs)} new threads: {named}" if more > 0 else f"; new threads: {named}"

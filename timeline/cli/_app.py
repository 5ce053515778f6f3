"""The Typer app, its error handling, and what every command shares (database, clock).

The CLI package is the only place that prints, exits or reads the environment.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer
from typer._click.exceptions import (  # typer >= 0.26 carries its own click
    ClickException,
    NoArgsIsHelpError,
)
from typer.core import TyperGroup

from timeline._version import __version__
from timeline.cli._env import Env
from timeline.core.errors import ImportErrors, TimelineError, UnreadableRecord

# `timeline --help` lists the commands in these panels, in this order; each command's
# first sentence whole (a test holds every command to one panel)
PANELS = (
    ("Record", ("add", "import", "correct", "retract", "retitle", "alias")),
    (
        "Read",
        (
            "asof",
            "threads",
            "log",
            "history",
            "diff",
            "secrets",
            "lag",
            "upcoming",
            "actors",
            "issues",
            "report",
        ),
    ),
    ("Export and serve", ("export", "serve")),
    ("Prove", ("checkpoint", "checkpoints", "prove", "verify-proof", "key")),
    ("Admin", ("verify", "digest", "rebuild", "restore", "db", "token")),
)


def _first_sentences(group: TyperGroup, ctx: Any, names: Sequence[str]) -> list[tuple[str, str]]:
    """Each command's name and the first sentence of its help, whole (click cuts it)."""
    rows = []
    for name in names:
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            rows.append((name, command.get_short_help_str(limit=300)))
    return rows


class Subcommands(TyperGroup):
    """A command of commands (``db``, ``token``...): each listed with its first sentence
    whole."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = _first_sentences(self, ctx, self.list_commands(ctx))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class _Group(TyperGroup):
    """Every error ends here: one ``Error: ...`` line per problem on stderr, non-zero exit."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The commands by panel (``PANELS``), each with its first sentence whole."""
        for panel, names in PANELS:
            rows = _first_sentences(self, ctx, names)
            if rows:
                with formatter.section(panel):
                    formatter.write_dl(rows)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        _DEBUG.on = False
        _RUN.env = None
        with _warnings_as_lines():
            return self._main(
                args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra
            )

    def _main(
        self,
        args: Sequence[str] | None,
        prog_name: str | None,
        complete_var: str | None,
        standalone_mode: bool,
        windows_expand_args: bool,
        **extra: Any,
    ) -> Any:
        try:
            _name_values(self)
            rv = super().main(
                args=args,
                prog_name=prog_name or "timeline",
                complete_var=complete_var,
                windows_expand_args=windows_expand_args,
                standalone_mode=False,
                **extra,
            )
        except ImportErrors as e:
            _discard()
            _problems(e)
        except TimelineError as e:
            _discard()
            _fail(str(e))
        except NoArgsIsHelpError as e:
            # asked for nothing (`timeline`, `timeline token`): the help is the answer
            typer.echo(e.ctx.get_help())
            sys.exit(0)
        except ClickException as e:
            # typer validates choices through pydantic, which prefixes "Value error, "
            typer.echo(f"Error: {e.format_message().replace('Value error, ', '')}", err=True)
            sys.exit(e.exit_code)
        except typer.Abort:
            _discard()
            typer.echo("Error: aborted", err=True)
            sys.exit(1)
        except Exception as e:  # the last resort: one line, unless asked for the traceback
            if _DEBUG.on or os.environ.get("TIMELINE_DEBUG") == "1":
                raise
            _discard()
            _fail(_unexpected(e))
        _close()
        code = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


def _show_warning(
    message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any
) -> None:
    if issubclass(category, UnreadableRecord):
        typer.echo(f"Warning: {message}", err=True)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, *args[:2]))


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """A record the log holds but cannot read is left out of every answer with an
    ``UnreadableRecord`` warning: one ``Warning: ...`` line on stderr for each record,
    once per command, never Python's ``file:line`` form."""
    with warnings.catch_warnings():
        warnings.simplefilter("default", UnreadableRecord)
        warnings.showwarning = _show_warning
        yield


# What each option's value is, for help ("--date DATE"), instead of a Python type.
_METAVARS = {
    "thread": "THREAD",
    "event_id": "ID",
    "correction_id": "ID",
    "retraction_id": "ID",
    "known": "DAY",
    "event_known": "DAY",
    "known_by": "DAY",
    "event_type": "TYPE",
    "actor": "NAME",
    "title": "TEXT",
    "summary": "TEXT",
    "thread_title": "TEXT",
    "reason": "TEXT",
    "note": "TEXT",
    "since": "DATE",
    "until": "DATE",
    "date": "DATE",
    "status": "STATUS",
}


def _name_values(command: Any) -> None:
    """Give every option that takes text a metavar, in this command and those below."""
    for param in getattr(command, "params", ()):
        kind = getattr(param, "type_descriptor", None)
        text = kind is not None and not getattr(kind, "is_choice", True)
        if param.param_type_name == "argument" and text:
            param.display_type_rich = lambda ctx: None  # its metavar says it: DATE, FILE
        elif text and not getattr(param, "is_flag", True) and param.metavar is None:
            param.metavar = _METAVARS.get(param.name, param.name.upper())
    for sub in getattr(command, "commands", {}).values():
        _name_values(sub)


class _DEBUG:
    on = False  # --debug, for this run


class _RUN:
    env: Env | None = None  # the running command's, once the app's callback made it


def _discard() -> None:
    if _RUN.env is not None:
        _RUN.env.close(failed=True)


def _close() -> None:
    if _RUN.env is not None:
        _RUN.env.close()


MAX_PROBLEMS = 20


def _problems(e: ImportErrors) -> NoReturn:
    """Every problem on its own line, the first MAX_PROBLEMS of them, then the count."""
    for p in e.problems[:MAX_PROBLEMS]:
        typer.echo(f"Error: {p}", err=True)
    hidden = len(e.problems) - MAX_PROBLEMS
    if hidden > 0:
        typer.echo(f"Error: ... and {hidden} more", err=True)
    if len(e.problems) > 1:
        typer.echo(f"Error: {len(e.problems)} problems; nothing was imported", err=True)
    sys.exit(1)


def _unexpected(e: Exception) -> str:
    """One line for an error no command turned into a TimelineError."""
    hint = " (--debug or TIMELINE_DEBUG=1 shows the traceback)"
    if isinstance(e, OSError):
        where = f" {e.filename}" if e.filename else ""
        return f"cannot access{where}: {e.strerror or e}{hint}"
    from timeline.api import database_error

    reason = database_error(e)
    if reason is not None:
        return f"the database failed: {reason}{hint}"
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return f"unexpected {type(e).__name__}: {first}{hint}"


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    sys.exit(code)


app = typer.Typer(
    cls=_Group,
    help="An append-only record of diplomatic events: what was publicly known, when.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
db_app = typer.Typer(
    cls=Subcommands,
    help="The database: upgrade its schema, show its revision, grant a role.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ThreadsFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    csv = "csv"


class LogFormat(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    markdown = "markdown"


class ListFormat(StrEnum):  # a table of names, or of coming events
    text = "text"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class HistoryFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


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
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return when.astimezone(dt.UTC), when.date()
    except (ValueError, OverflowError):
        _fail(f"TIMELINE_NOW={value!r} is not an ISO timestamp (e.g. 2022-02-02T12:00:00Z)")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"timeline {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="TIMELINE_DB",
            metavar="PATH|URL",
            show_envvar=True,
            help="Database: an SQLite file path or an SQLAlchemy URL "
            "[default: timeline.db in the per-user data folder]",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Show the traceback of an unexpected error (also TIMELINE_DEBUG=1)."
        ),
    ] = False,
) -> None:
    """An append-only record of diplomatic events: what was publicly known, when.

    Example: timeline asof 2022-02-02
    """
    _DEBUG.on = debug
    now, today = _clock()
    ctx.obj = _RUN.env = Env(db=db, now=now, today=today)


def env_of(ctx: typer.Context) -> Env:
    env = ctx.find_root().obj
    if not isinstance(env, Env):  # only if a command is run outside this app
        raise TypeError("timeline's commands need the app's context (timeline.cli.app)")
    return env


def write(text: str, *, as_json: bool = False, as_csv: bool = False) -> None:
    """Print a command's output; data never reaches the terminal as control characters
    (``render.visible``; JSON keeps its meaning, with them as escapes; CSV has each field
    escaped by its renderer, and its CRLF line ends kept)."""
    from timeline.formats.render import json_visible, visible

    # color=True: nothing to strip (an escape character is shown as \x1b already), so
    # that click does not scan the whole output for colour codes again
    if as_csv:
        typer.echo(text, nl=False, color=True)
    else:
        typer.echo(json_visible(text) if as_json else visible(text), nl=False, color=True)


def needs_day(viewer: str | None, day: str | None, option: str) -> None:
    """``--as`` is a viewpoint on a day: refuse it without one, naming the options."""
    if viewer is not None and day is None:
        raise TimelineError(f"--as needs {option}: a viewpoint is what an actor knew on a day")


def parse_timestamp(value: str | None, what: str) -> dt.datetime | None:
    """An ISO timestamp (UTC if it has no offset); a bare date means that day's start."""
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip())
        return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise TimelineError(
            f"{what} {value!r}: expected an ISO timestamp such as 2026-11-28T09:30:00Z"
        ) from None


def read_text_file(path: str) -> str:
    """The UTF-8 text of the file a user named, or one line saying why not."""
    from pathlib import Path

    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise TimelineError(f"cannot read {path}: {e}") from None


def verifier_keys(given: list[str] | None) -> list[str]:
    """The public keys a user named with ``--key``: each a verifier key, or a file of
    them, one per line (as ``key create`` writes ``FILE.pub`` and ``key list`` prints)."""
    from pathlib import Path

    found: list[str] = []
    for value in given or ():
        if Path(value).is_file():
            found += [line.strip() for line in read_text_file(value).splitlines() if line.strip()]
        else:
            found.append(value)
    return found

"""Options that carry structured values: ``--source NAME=URL``, ``--position
ACTOR|ISSUE|STANCE``, ``--known-to ACTOR=DATE`` -> the fields of an event file; and the
filters every reading command takes (``--actor``, ``--type``, ``--issue``, ``--status``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from timeline.cli import _complete as complete
from timeline.core.errors import TimelineError

if TYPE_CHECKING:
    from timeline.core.filters import EventFilter

__all__ = [
    "ACTOR_FILTER",
    "AS",
    "AT_CHECKPOINT",
    "ISSUE_FILTER",
    "SINCE",
    "STATUS_FILTER",
    "TEXT_FILTER",
    "THREADS",
    "THREAD_ACTOR",
    "THREAD_ISSUE",
    "THREAD_STATUS",
    "THREAD_TEXT",
    "THREAD_TYPE",
    "TYPE_FILTER",
    "UNTIL",
    "event_filter",
    "split_known_to",
    "split_position",
    "split_source",
]

AT_CHECKPOINT = typer.Option(
    "--at-checkpoint",
    metavar="SIZE",
    help="From the log as its signed checkpoint of this size holds it (`timeline "
    "checkpoints`): the same answer, however the log grows, that a reader of the "
    "checkpoint can reproduce.",
)
THREADS = typer.Option(
    "--thread",
    metavar="SLUG",
    autocompletion=complete.threads,
    help="Only this thread (repeat for several).",
)
AS = typer.Option(
    "--as",
    metavar="ACTOR",
    autocompletion=complete.actors,
    help="As this actor knew it on the day asked: what was public, and what it was privy "
    "to (its own acts, and events whose known_to names it).",
)
SINCE = typer.Option(metavar="EDTF", help="Events that happened on or after this date (EDTF).")
UNTIL = typer.Option(
    metavar="EDTF", help="Events that happened on or before this date (EDTF; 2022-01 = to 31 Jan)."
)
ACTOR_FILTER = typer.Option(
    "--actor",
    metavar="ACTOR",
    autocompletion=complete.actors,
    help="Only events this actor is a party to or takes a stance in (repeat: any).",
)
TYPE_FILTER = typer.Option(
    "--type",
    metavar="TYPE",
    autocompletion=complete.types,
    help="Only events of this type (repeat: any).",
)
ISSUE_FILTER = typer.Option(
    "--issue", metavar="ISSUE", help="Only events with a stance on this issue."
)
STATUS_FILTER = typer.Option(
    "--status",
    metavar="STATUS",
    autocompletion=complete.statuses,
    help="Only events that set this status.",
)
TEXT_FILTER = typer.Option(
    "--text",
    metavar="WORDS",
    help="Only events whose title, summary, stances or source names hold every word "
    "(a word finds the words it begins; accents aside), as they read on the view's day.",
)
# asof shows threads: the same options keep whole threads
THREAD_ACTOR = typer.Option(
    "--actor",
    metavar="ACTOR",
    autocompletion=complete.actors,
    help="Only threads with this actor among the parties (repeat: any).",
)
THREAD_TYPE = typer.Option(
    "--type",
    metavar="TYPE",
    autocompletion=complete.types,
    help="Only threads with a known event of this type (repeat: any).",
)
THREAD_ISSUE = typer.Option(
    "--issue", metavar="ISSUE", help="Only threads with a stance on this issue."
)
THREAD_STATUS = typer.Option(
    "--status",
    metavar="STATUS",
    autocompletion=complete.statuses,
    help="Only threads in this status.",
)
THREAD_TEXT = typer.Option(
    "--text", metavar="WORDS", help="Only threads with a known event whose text holds every word."
)


def event_filter(
    actor: list[str] | None,
    types: list[str] | None,
    issue: str | None,
    status: str | None,
    words: str | None = None,
) -> EventFilter | None:
    """The filter the options ask for (None: none)."""
    from timeline.core.filters import EventFilter

    found = EventFilter.of(actor, types, issue, status, words)
    return found if found else None


def split_source(value: str) -> dict[str, str]:
    name, sep, url = value.partition("=")
    return {"name": name.strip(), "url": url.strip()} if sep else {"name": value.strip()}


def split_known_to(values: list[str]) -> dict[str, str]:
    """``--known-to ACTOR=DATE`` (repeated) -> ``{actor: date}``."""
    out: dict[str, str] = {}
    for value in values:
        actor, sep, date = value.rpartition("=")
        if not sep or not actor.strip() or not date.strip():
            raise TimelineError(f"--known-to {value!r}: expected 'ACTOR=DATE'")
        if actor.strip() in out:
            raise TimelineError(f"--known-to names {actor.strip()!r} twice")
        out[actor.strip()] = date.strip()
    return out


def split_position(value: str) -> dict[str, str]:
    parts = value.split("|")
    if len(parts) != 3:
        raise TimelineError(f"--position {value!r}: expected 'ACTOR|ISSUE|STANCE'")
    return dict(zip(("actor", "issue", "stance"), (p.strip() for p in parts), strict=True))

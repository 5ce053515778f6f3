"""What every read use case shares: naming the threads asked for, checking that the
threads, actors and issues named exist, and the batch size of a read of whole threads."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence

from timeline.errors import TimelineError, UnknownName, UnknownThread
from timeline.filters import EventFilter
from timeline.store import Reader

__all__ = [
    "EXPORT_BATCH",
    "Threads",
    "check_range",
    "only_threads",
    "require_actor",
    "require_filter",
    "require_name",
    "require_threads",
]


def require_threads(r: Reader, threads: Iterable[str]) -> None:
    wanted = list(threads)
    known = r.horizons(wanted)
    for thread in wanted:
        if thread not in known:
            raise UnknownThread(f"unknown thread {thread!r}; `timeline threads` lists them")


Threads = str | Sequence[str] | None  # one thread, several, or all (None)


def only_threads(thread: Threads) -> list[str] | None:
    if not thread:
        return None
    return [thread] if isinstance(thread, str) else list(dict.fromkeys(thread))


def check_range(since: dt.date | None, until: dt.date | None) -> None:
    if since is not None and until is not None and until < since:
        raise TimelineError(
            f"--until ends ({until.isoformat()}) before --since begins ({since.isoformat()})"
        )


def require_name(wanted: Iterable[str], names: set[str], what: str) -> None:
    """Names the log has, or an error that suggests the closest ones it does."""
    for name in wanted:
        if name in names:
            continue
        same = [n for n in sorted(names) if n.casefold() == name.casefold()]
        close = same or difflib.get_close_matches(name, sorted(names), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(n) for n in close)}?" if close else ""
        raise UnknownName(f"no {what} {name!r} in the log{hint}")


def require_actor(r: Reader, viewer: str | None) -> None:
    """An actor the log names, or an error that suggests the closest names it has."""
    if viewer is not None:
        require_name([viewer], r.actor_names(), "actor")


def require_filter(r: Reader, only: EventFilter | None) -> None:
    """The actors and the issue a filter names must be in the log."""
    if only is not None and only.actors:
        require_name(only.actors, r.actor_names(), "actor")
    if only is not None and only.issue is not None:
        require_name([only.issue], r.issue_names(), "issue")


EXPORT_BATCH = 10_000  # events read at a time by an export (whole threads): bounded memory

"""What every read use case shares: naming the threads asked for, checking that the
threads, actors and issues named exist, and the batch size of a read of whole threads."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from timeline.core.errors import TimelineError, UnknownName, UnknownThread
from timeline.core.filters import EventFilter
from timeline.core.model import Key, is_slug
from timeline.core.names import Names
from timeline.core.search import query_words

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from timeline.storage import Reader
    from timeline.storage.plain import PlainReader

__all__ = [
    "EXPORT_BATCH",
    "Readable",
    "Threads",
    "check_range",
    "names_of",
    "narrowed",
    "only_threads",
    "pinned",
    "require_actor",
    "require_filter",
    "require_name",
    "require_threads",
    "search_for",
]


class Readable(Protocol):
    """A store whose reads include those of a ``PlainReader``: an ``EventStore``, or a
    ``Snapshot`` (which loads no SQLAlchemy)."""

    def reading(self) -> AbstractContextManager[PlainReader]: ...


def names_of(
    r: PlainReader, recorded_before: dt.datetime | None = None, through_seq: int | None = None
) -> Names:
    """The actor aliases recorded (by a moment, or up to a seq, if given): what every
    view applies."""
    return Names.of(r.log.alias_records(recorded_before, through_seq))


def require_threads(r: PlainReader, threads: Iterable[str]) -> None:
    """Threads the log has, or UnknownThread. A name that is not a slug is none of them,
    and never reaches the database (PostgreSQL refuses text holding NUL outright)."""
    wanted = list(threads)
    for thread in wanted:
        if not is_slug(thread):
            raise UnknownThread(f"unknown thread {thread!r}; `timeline threads` lists them")
    known = r.projections.horizons(wanted)
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


def _names_standing(r: PlainReader, names: Iterable[str]) -> tuple[set[str], set[str]]:
    """The parties and the issues of the threads, as they stand, that may name one of
    ``names``: the names asked for are almost always among them, found without reading
    the log (its every payload, for the ``known_to`` names) or every thread's state."""
    states = r.projections.states_naming(names)
    return {a for s in states for a in s.parties}, {p.issue for s in states for p in s.positions}


def require_actor(r: PlainReader, viewer: str | None) -> None:
    """An actor the log names, or an error that suggests the closest names it has."""
    if viewer is not None and viewer not in _names_standing(r, [viewer])[0]:
        require_name([viewer], r.names.actor_names(), "actor")


def require_filter(r: PlainReader, only: EventFilter | None) -> None:
    """The actors and the issue a filter names must be in the log."""
    if only is None or not (only.actors or only.issue is not None):
        return
    asked = [*only.actors, *([] if only.issue is None else [only.issue])]
    parties, issues = _names_standing(r, asked)
    if any(a not in parties for a in only.actors):
        require_name(only.actors, r.names.actor_names(), "actor")
    if only.issue is not None and only.issue not in issues:
        require_name([only.issue], r.names.issue_names(), "issue")


EXPORT_BATCH = 10_000  # events read at a time by an export (whole threads): bounded memory


def search_for(
    r: Reader,
    only: EventFilter | None,
    days: Sequence[dt.date | None],
    *,
    any_version: bool = False,
    recorded_before: dt.datetime | None = None,
    through_seq: int | None = None,
) -> EventFilter | None:
    """The filter with its ``--text`` search run against the index: the events whose text
    read so on one of ``days`` (None: as it reads now), or in any version. The index is
    the log's as it is now: it cannot answer for what the database held earlier."""
    if only is None or only.text is None:
        return only
    if recorded_before is not None:
        raise TimelineError(
            "--text searches the log as this database holds it now; it cannot be "
            "combined with --recorded-before"
        )
    if through_seq is not None:
        raise TimelineError(
            f"a text search reads the log as it is now; it cannot be pinned to seq {through_seq}"
        )
    words = query_words(only.text)
    found: set[Key] = set()
    for day in days:
        found |= r.search.find(words, day, any_version=any_version)
    return only.searched(found)


def narrowed(threads: list[str] | None, only: EventFilter | None) -> list[str] | None:
    """The threads to read (None: all): after a search, only those it found events in."""
    if only is None or only.found is None:
        return threads
    found = {key.thread for key in only.found}
    return sorted(found if threads is None else found & set(threads))


def pinned(r: Reader, at_seq: int | None) -> int | None:
    """The seq an answer is pinned to (``at_seq``), or None when that is the log's head
    in this snapshot: then the stored projections are the answer as it stood there."""
    if at_seq is None:
        return None
    head = r.log.head()
    if not 0 <= at_seq <= head:
        raise TimelineError(f"at_seq {at_seq} is not a position of the log (0..{head})")
    return None if at_seq == head else at_seq

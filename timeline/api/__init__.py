"""The library face: what a Python program needs to use timeline without the CLI.

Every function takes an open ``EventStore`` (``open_store``) and returns the same value
objects the CLI renders (``ThreadState``, ``Record``, ``EventView``, ``History``,
``Diff``...). Dates may be given as ``datetime.date`` or ``YYYY-MM-DD`` text; ``now``
(when something is recorded) defaults to the current UTC time. The exports are in
``exports``, writes from elsewhere and their tokens in ``access``; every name is
importable from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from timeline import usecases
from timeline.api._common import Day, ExportFormat, day_of, maybe_day_of, now_of, span_of
from timeline.api.access import create_token, record, revoke_token, token_holder, tokens
from timeline.api.exports import export, export_chunks, share
from timeline.core.amend import EventView
from timeline.core.catalog import Name
from timeline.core.errors import TimelineError
from timeline.core.filters import EventFilter
from timeline.core.model import Event, Hidden, Record, ThreadState
from timeline.core.viewpoints import Lag, Secret
from timeline.core.views import Diff, History
from timeline.storage import EventStore
from timeline.usecases import Bearer, Grant, ImportResult, Recent, VerifyResult

__all__ = [
    "Bearer",
    "EventFilter",
    "EventStore",
    "ExportFormat",
    "Grant",
    "add",
    "alias",
    "as_of",
    "bundled_events",
    "create_token",
    "diff",
    "digest",
    "export",
    "export_chunks",
    "head",
    "history",
    "import_paths",
    "lag",
    "log",
    "names",
    "open_store",
    "quick_problems",
    "recent",
    "record",
    "records_after",
    "retitle",
    "revoke_token",
    "secrets",
    "share",
    "threads",
    "token_holder",
    "tokens",
    "upcoming",
    "verify",
]


def open_store(
    db: str | Path | None = None, *, busy_timeout: float | None = None, read_only: bool = False
) -> EventStore:
    """Open the database ``db`` (an SQLite file path or an SQLAlchemy URL; None: the
    per-user default), creating or migrating its schema as needed — or, ``read_only``,
    an existing timeline database at the current schema, changing nothing."""
    access: Literal["read", "write"] = "read" if read_only else "write"
    if db is None:
        from timeline.storage.settings import default_db_url

        return usecases.open_store(
            default_db_url(), access=access, create_dirs=True, busy_timeout=busy_timeout
        )
    return usecases.open_store(str(db), access=access, busy_timeout=busy_timeout)


def bundled_events() -> Path:
    """The folder of event files that ships with timeline (the El País story)."""
    here = Path(__file__).resolve().parent.parent  # the timeline package
    for candidate in (here / "_data" / "events", here.parent / "events"):
        if candidate.is_dir():
            return candidate
    raise TimelineError("the bundled events are missing from this installation")


def add(
    store: EventStore,
    fields: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
    thread_title: str | None = None,
    allow_future: bool = False,
) -> Record:
    """Record one event given as the fields of an event file (``id`` may be left out);
    the same event again returns the recorded one. A known day after ``now``'s date is
    refused unless ``allow_future``."""
    result = usecases.add_event(store, fields, now_of(now), thread_title, allow_future=allow_future)
    return result.record


def alias(
    store: EventStore,
    name: str,
    canonical: str,
    *,
    known: Day | None = None,
    now: dt.datetime | None = None,
) -> Record | None:
    """Make ``name`` an alias of the actor shown as ``canonical`` (see ``aliases``);
    None when it is one already."""
    day = maybe_day_of(known, "known")
    return usecases.record_alias(store, name, canonical, now_of(now), day)


def retitle(
    store: EventStore, thread: str, title: str, *, now: dt.datetime | None = None
) -> Record | None:
    """Name a thread anew with a title record (None: it has that title already)."""
    return usecases.retitle(store, thread, title, now_of(now))


def import_paths(
    store: EventStore,
    paths: Iterable[str | Path],
    *,
    now: dt.datetime | None = None,
    allow_future: bool = False,
) -> ImportResult:
    """Import event files and folders, all or nothing (raises ``ImportErrors``)."""
    files = [str(p) for p in paths]
    return usecases.import_paths(store, files, now_of(now), allow_future=allow_future)


def as_of(
    store: EventStore,
    day: Day,
    *,
    thread: str | Sequence[str] | None = None,
    recorded_before: dt.datetime | None = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
    at_seq: int | None = None,
) -> list[ThreadState]:
    """Where each thread stood, as publicly known at the end of ``day`` — or as the actor
    ``viewer`` knew it then (public knowledge and what it was privy to); ``only``: the
    threads an ``EventFilter`` asks about; ``at_seq``: from the log as it stood when its
    last record was that one (``head``), the same answer however the log grows."""
    d = day_of(day, "date")
    return usecases.as_of(store, d, thread, recorded_before, viewer, only, at_seq)


def threads(store: EventStore, day: Day) -> list[ThreadState | Hidden]:
    """Every thread as it stands on ``day`` (what has happened and was public by then),
    sorted by slug; a thread that shows no event then as ``Hidden``: all its events
    retracted, or all still ahead."""
    return usecases.threads(store, day_of(day, "day"))


def head(store: EventStore) -> int:
    """The log's last seq, its position (0 if empty): seq runs 1, 2, 3... in commit
    order, so an answer pinned to it (``at_seq``) never changes."""
    return usecases.head(store)


def records_after(
    store: EventStore,
    after: int = 0,
    limit: int = 100,
    *,
    thread: str | Sequence[str] | None = None,
    only: EventFilter | None = None,
    known_by: Day | None = None,
) -> list[Record]:
    """The log a page at a time: the first ``limit`` records with seq > ``after``, as
    appended, in seq order (``only``: the events it matches as recorded, with their
    corrections and retractions; ``known_by``: only what was known by then, a text
    search matching the texts as they read then)."""
    day = maybe_day_of(known_by, "known_by")
    return usecases.records_after(store, after, limit, thread, only, day)


def names(
    store: EventStore, kind: Literal["actors", "issues"], day: Day | None = None
) -> list[Name]:
    """Every actor (or issue) of the events known on ``day`` (all if None), as corrected
    then, retracted ones left out: ``timeline actors`` and ``issues``."""
    return usecases.names(store, kind, maybe_day_of(day, "day"))


def log(
    store: EventStore,
    *,
    thread: str | Sequence[str] | None = None,
    since: Day | None = None,
    until: Day | None = None,
    known_by: Day | None = None,
    recorded_before: dt.datetime | None = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
) -> list[EventView[Record]]:
    """Events in timeline order, with their corrections and retractions as known by
    ``known_by`` (all if None; known to ``viewer``, when given); ``only``: those an
    ``EventFilter`` keeps."""
    return usecases.log(
        store,
        thread=thread,
        since=span_of(since, False, "since"),
        until=span_of(until, True, "until"),
        known_by=maybe_day_of(known_by, "known_by"),
        recorded_before=recorded_before,
        viewer=viewer,
        only=only,
    )


def recent(store: EventStore, *, per_thread: int, known_by: Day) -> Recent:
    """Each thread's latest ``per_thread`` events (by date) publicly known by
    ``known_by``, as amended then, with each thread's count and the days they span: a
    page of every thread, read without decoding the whole log."""
    return usecases.recent(store, per_thread, day_of(known_by, "known_by"))


def history(store: EventStore, thread: str, *, only: EventFilter | None = None) -> History:
    """A thread's whole story, in the order things became known (``only``: the events an
    ``EventFilter`` keeps)."""
    return usecases.history(store, thread, only)


def diff(
    store: EventStore,
    start: Day,
    end: Day,
    *,
    thread: str | Sequence[str] | None = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
    at_seq: int | None = None,
) -> Diff:
    """What became known after ``start``, up to and including ``end`` (to ``viewer``;
    about what ``only`` asks; from the log as it stood at ``at_seq``, see ``as_of``)."""
    d1, d2 = day_of(start, "start"), day_of(end, "end")
    if d2 < d1:
        raise TimelineError(f"D2 ({d2.isoformat()}) is before D1 ({d1.isoformat()})")
    return usecases.diff(store, d1, d2, thread, viewer, only, at_seq)


def secrets(
    store: EventStore,
    day: Day,
    *,
    thread: str | Sequence[str] | None = None,
    only: EventFilter | None = None,
) -> list[Secret]:
    """What at least one actor knew by the end of ``day`` and the public did not."""
    return usecases.secrets(store, day_of(day, "date"), thread, only)


def lag(
    store: EventStore, *, thread: str | Sequence[str] | None = None, actor: str | None = None
) -> list[Lag]:
    """Disclosure lag per thread: events made public after their date (see ``Lag``)."""
    return usecases.lag(store, thread, actor)


def upcoming(
    store: EventStore, day: Day, *, thread: str | Sequence[str] | None = None
) -> list[Event]:
    """Scheduled events announced by the end of ``day`` that had not happened by then."""
    return usecases.upcoming(store, day_of(day, "date"), thread)


def verify(
    store: EventStore, *, expect: str | None = None, now: dt.datetime | None = None
) -> VerifyResult:
    """Check every hash chain, the sequence numbers, the database's pages and the
    projection table; ``expect``: a digest published earlier that the log must extend;
    ``now``: the clock no ``recorded_at`` may lie after (default: this machine's)."""
    return usecases.verify(store, expect, now)


def quick_problems(store: EventStore) -> list[str]:
    """``verify``'s quick checks (the database's pages, the search engine, every seq
    held): a line for each problem, [] if none. For a health check."""
    return usecases.quick_problems(store)


def digest(store: EventStore) -> str:
    """The log digest, ``N:hex`` (see ``chain.log_digest``)."""
    return usecases.digest(store)

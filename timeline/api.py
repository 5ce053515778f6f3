"""The library face: what a Python program needs to use timeline without the CLI.

Every function takes an open ``EventStore`` (``open_store``) and returns the same value
objects the CLI renders (``ThreadState``, ``Record``, ``EventView``, ``History``,
``Diff``...). Dates may be given as ``datetime.date`` or ``YYYY-MM-DD`` text; ``now``
(when something is recorded) defaults to the current UTC time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from timeline import queries, service
from timeline.amend import EventView
from timeline.dates import parse_bound, parse_day
from timeline.errors import TimelineError
from timeline.filters import EventFilter
from timeline.formats.share import SharedThread
from timeline.model import Event, Hidden, Record, ThreadState
from timeline.service import Grant, ImportResult, VerifyResult
from timeline.store import EventStore
from timeline.viewpoints import Lag, Secret
from timeline.views import Diff, History

__all__ = [
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
    "open_store",
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

ExportFormat = Literal["ics", "jsonl", "timelinejs"]
Day = dt.date | str


def _day(value: Day, what: str) -> dt.date:
    return value if isinstance(value, dt.date) else parse_day(value, what)


def _maybe_day(value: Day | None, what: str) -> dt.date | None:
    return None if value is None else _day(value, what)


def _span(value: Day | None, end: bool, what: str) -> dt.date | None:
    """``since``/``until`` take any EDTF date: an ``until`` of 2022-01 means through 31 January."""
    if value is None or isinstance(value, dt.date):
        return value
    return parse_bound(value, end=end, what=what)


def _now(now: dt.datetime | None) -> dt.datetime:
    return dt.datetime.now(dt.UTC) if now is None else now.astimezone(dt.UTC)


def open_store(
    db: str | Path | None = None, *, busy_timeout: float | None = None, read_only: bool = False
) -> EventStore:
    """Open the database ``db`` (an SQLite file path or an SQLAlchemy URL; None: the
    per-user default), creating or migrating its schema as needed — or, ``read_only``,
    an existing timeline database at the current schema, changing nothing."""
    access: Literal["read", "write"] = "read" if read_only else "write"
    if db is None:
        from timeline.settings import default_db_url

        return service.open_store(
            default_db_url(), access=access, create_dirs=True, busy_timeout=busy_timeout
        )
    return service.open_store(str(db), access=access, busy_timeout=busy_timeout)


def bundled_events() -> Path:
    """The folder of event files that ships with timeline (the El País story)."""
    here = Path(__file__).resolve().parent
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
    result = service.add_event(store, fields, _now(now), thread_title, allow_future=allow_future)
    return result.record


def record(
    store: EventStore,
    fields: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
    recorded_by: str | None = None,
    expected: int | None = None,
    thread_title: str | None = None,
) -> tuple[Record, bool]:
    """Record one event, correction or retraction given as an event file writes it (by
    its ``type``): (its record, whether it is new). The same entry again returns the
    recorded one (a client may retry); a different one under a recorded key raises
    ``KeyTaken``. ``expected``: the thread's version the writer read (``ConflictError``
    if it has moved on); ``recorded_by``: the name of the token it came with."""
    result = service.record_entry(
        store,
        fields,
        _now(now),
        recorded_by=recorded_by,
        expected=expected,
        thread_title=thread_title,
    )
    return result.record, not result.already


def create_token(store: EventStore, name: str, *, now: dt.datetime | None = None) -> str:
    """A new token that may write through ``timeline serve``, granted to ``name`` by a
    record that keeps only its hash: returned once, stored nowhere."""
    return service.create_token(store, name, _now(now))


def revoke_token(store: EventStore, name: str, *, now: dt.datetime | None = None) -> Record:
    """Withdraw ``name``'s token, by a revocation record."""
    return service.revoke_token(store, name, _now(now))


def tokens(store: EventStore) -> list[Grant]:
    """Every token granted, in order, with its revocation if any."""
    return service.grants(store)


def token_holder(store: EventStore, token: str) -> tuple[str | None, bool]:
    """(the name of the token in force that ``token`` is, or None; whether it is one that
    was revoked), checked in constant time."""
    return service.token_holder(store, token)


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
    day = _maybe_day(known, "known")
    return service.record_alias(store, name, canonical, _now(now), day)


def retitle(
    store: EventStore, thread: str, title: str, *, now: dt.datetime | None = None
) -> Record | None:
    """Name a thread anew with a title record (None: it has that title already)."""
    return service.retitle(store, thread, title, _now(now))


def import_paths(
    store: EventStore,
    paths: Iterable[str | Path],
    *,
    now: dt.datetime | None = None,
    allow_future: bool = False,
) -> ImportResult:
    """Import event files and folders, all or nothing (raises ``ImportErrors``)."""
    files = [str(p) for p in paths]
    return service.import_paths(store, files, _now(now), allow_future=allow_future)


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
    d = _day(day, "date")
    return queries.as_of(store, d, thread, recorded_before, viewer, only, at_seq)


def threads(store: EventStore) -> list[ThreadState | Hidden]:
    """Every thread as it stands (all its events), sorted by slug; a thread whose events
    were all retracted as ``Hidden``. The largest ``max_seq`` among them is the head of
    the log they were read from."""
    return queries.threads(store)


def head(store: EventStore) -> int:
    """The log's last seq, its position (0 if empty): seq runs 1, 2, 3... in commit
    order, so an answer pinned to it (``at_seq``) never changes."""
    return queries.head(store)


def records_after(
    store: EventStore,
    after: int = 0,
    limit: int = 100,
    *,
    thread: str | Sequence[str] | None = None,
    only: EventFilter | None = None,
) -> list[Record]:
    """The log a page at a time: the first ``limit`` records with seq > ``after``, as
    appended, in seq order (``only``: the events it matches as recorded, with their
    corrections and retractions)."""
    return queries.records_after(store, after, limit, thread, only)


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
    return queries.log(
        store,
        thread=thread,
        since=_span(since, False, "since"),
        until=_span(until, True, "until"),
        known_by=_maybe_day(known_by, "known_by"),
        recorded_before=recorded_before,
        viewer=viewer,
        only=only,
    )


def history(store: EventStore, thread: str, *, only: EventFilter | None = None) -> History:
    """A thread's whole story, in the order things became known (``only``: the events an
    ``EventFilter`` keeps)."""
    return queries.history(store, thread, only)


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
    d1, d2 = _day(start, "start"), _day(end, "end")
    if d2 < d1:
        raise TimelineError(f"D2 ({d2.isoformat()}) is before D1 ({d1.isoformat()})")
    return queries.diff(store, d1, d2, thread, viewer, only, at_seq)


def secrets(
    store: EventStore,
    day: Day,
    *,
    thread: str | Sequence[str] | None = None,
    only: EventFilter | None = None,
) -> list[Secret]:
    """What at least one actor knew by the end of ``day`` and the public did not."""
    return queries.secrets(store, _day(day, "date"), thread, only)


def lag(
    store: EventStore, *, thread: str | Sequence[str] | None = None, actor: str | None = None
) -> list[Lag]:
    """Disclosure lag per thread: events made public after their date (see ``Lag``)."""
    return queries.lag(store, thread, actor)


def upcoming(
    store: EventStore, day: Day, *, thread: str | Sequence[str] | None = None
) -> list[Event]:
    """Scheduled events announced by the end of ``day`` that had not happened by then."""
    return queries.upcoming(store, _day(day, "date"), thread)


def verify(store: EventStore, *, expect: str | None = None) -> VerifyResult:
    """Check every hash chain, the sequence numbers, the database's pages and the
    projection table; ``expect``: a digest published earlier that the log must extend."""
    return service.verify(store, expect)


def digest(store: EventStore) -> str:
    """The log digest, ``N:hex`` (see ``chain.log_digest``)."""
    return service.digest(store)


def _names(
    store: EventStore, threads: Sequence[str] | None, day: dt.date | None, viewer: str | None
) -> tuple[str, str]:
    """A calendar's (or timeline's) name and description."""
    name = "timeline: diplomatic events"
    if threads and len(threads) == 1:
        state = {s.thread: s for s in queries.threads(store)}.get(threads[0])
        name = f"timeline: {state.title or state.thread}" if state else f"timeline: {threads[0]}"
    desc = "Dated diplomatic events recorded with timeline"
    if day is not None and viewer is not None:
        desc += f", as known to {viewer} on {day.isoformat()}"
    elif day is not None:
        desc += f", as publicly known on {day.isoformat()}"
    return name, desc


def export_chunks(
    store: EventStore,
    fmt: ExportFormat,
    *,
    threads: Sequence[str] | None = None,
    as_of: Day | None = None,
    since: Day | None = None,
    until: Day | None = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
    now: dt.datetime | None = None,
) -> Iterator[bytes]:
    """The export a piece at a time, from one read of the log, whatever its size: ``jsonl``
    (the lossless backup; it takes no filter), ``ics`` (iCalendar) and ``timelinejs``
    (TimelineJS JSON); these two come a batch of threads at a time, each batch's
    events by date. ``viewer``: what that actor knew on ``as_of``. ``now``: today, for
    a calendar without ``as_of`` (a scheduled event is tentative until its day)."""
    if fmt == "jsonl":
        from timeline.formats.backup import backup_lines

        with store.reading() as r:
            for line in backup_lines(r.iter_records()):
                yield line.encode("utf-8")
        return
    day = _maybe_day(as_of, "as_of")
    batches = queries.export_batches(
        store,
        threads=list(threads or ()) or None,
        as_of=day,
        since=_span(since, False, "since"),
        until=_span(until, True, "until"),
        viewer=viewer,
        only=only,
    )
    name, desc = _names(store, threads, day, viewer)
    if fmt == "ics":
        from timeline.formats.ics import calendar_chunks

        yield from calendar_chunks(batches, name, desc, day or _now(now).date())
    elif fmt == "timelinejs":
        from timeline.formats.timelinejs import timeline_chunks

        headline = name.removeprefix("timeline: ")
        yield from (piece.encode() for piece in timeline_chunks(batches, headline, desc))
    else:
        raise TimelineError(f"unknown export format {fmt!r} (valid: ics, jsonl, timelinejs)")


def export(
    store: EventStore,
    fmt: ExportFormat,
    *,
    threads: Sequence[str] | None = None,
    as_of: Day | None = None,
    since: Day | None = None,
    until: Day | None = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """The export as bytes (see ``export_chunks``)."""
    chunks = export_chunks(
        store,
        fmt,
        threads=threads,
        as_of=as_of,
        since=since,
        until=until,
        viewer=viewer,
        only=only,
        now=now,
    )
    return b"".join(chunks)


def share(
    store: EventStore,
    fmt: Literal["jsonl", "yaml"] = "jsonl",
    *,
    threads: Sequence[str] | None = None,
    since: Day | None = None,
    until: Day | None = None,
) -> Iterator[bytes]:
    """Event files that ``timeline import`` takes (``formats.share``): the events of
    ``threads`` (all if None) overlapping [since, until] with their corrections and
    retractions, and the events they refer to. YAML holds one thread: name it."""
    wanted = list(dict.fromkeys(threads or ())) or None
    if fmt == "yaml" and (wanted is None or len(wanted) != 1):
        raise TimelineError(
            "--format yaml writes one thread's file: name it with --thread, "
            "or use --format jsonl for several"
        )
    found = queries.shared(store, wanted, _span(since, False, "since"), _span(until, True, "until"))
    return _shared_chunks(found, wanted[0] if fmt == "yaml" and wanted else None)


def _shared_chunks(found: list[SharedThread], yaml_of: str | None) -> Iterator[bytes]:
    from timeline.formats.share import shared_jsonl, shared_yaml

    if yaml_of is not None:
        yield shared_yaml(found, yaml_of).encode()
    else:
        yield from (line.encode() for line in shared_jsonl(found))

"""The one front door: ``Timeline``, an open database with every use case by name.

The CLI and the web service call nothing else of the library (import-linter holds them
to it). A ``Timeline`` takes days as the caller has them (``Day``: a date, YYYY-MM-DD,
or 'today' by its clock), checks the rules every front end shares, and picks how to
read: the public state of the record (``as_of`` without a viewpoint, ``threads``,
``upcoming``) from a plain-driver ``Snapshot`` when the database has not been opened
otherwise, so that a command answering only that never loads SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from timeline import usecases
from timeline.api._days import Clock, Day
from timeline.core.errors import Missing, TimelineError
from timeline.core.model import Key, is_slug

if TYPE_CHECKING:
    from timeline.core.filters import EventFilter
    from timeline.core.model import Event, EventView, Hidden, Record, ThreadState
    from timeline.core.names import Name
    from timeline.core.signing import VerifierKey
    from timeline.core.viewpoints import Lag, Secret
    from timeline.core.views import Diff, History, Report
    from timeline.storage import EventStore
    from timeline.usecases import (
        AddResult,
        Bearer,
        CodedImport,
        Grant,
        ImportResult,
        Readable,
        Rebuilt,
        Recent,
        SignedCheckpoint,
        VerifyResult,
        Window,
    )
    from timeline.usecases.exporting import ExportFormat

__all__ = ["Access", "Timeline"]

Access = Literal["write", "read", "inspect"]
Threads = str | Sequence[str] | None
T = TypeVar("T")


class Timeline:
    """A timeline database, opened on first use (see ``timeline.api.open``); close it
    with ``close()`` or a ``with`` block."""

    def __init__(
        self,
        url: str,
        *,
        access: Access = "write",
        busy_timeout: float | None = None,
        create_dirs: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self.url = url
        self.clock = clock or Clock()
        self._access: Access = access
        self._busy_timeout = busy_timeout
        self._create_dirs = create_dirs
        self._store: EventStore | None = None
        self._new_file: Path | None = None

    @classmethod
    def over(cls, store: EventStore, clock: Clock | None = None) -> Timeline:
        """A Timeline over a store already open (closing it closes the store)."""
        opened = cls(store.engine.url.render_as_string(hide_password=False), clock=clock)
        opened._store = store
        return opened

    # ---- opening and closing ------------------------------------------------------

    @property
    def store(self) -> EventStore:
        """The database, opened now if it was not: ``write`` creates or migrates it,
        ``read`` needs an existing timeline database at the current schema and changes
        nothing, ``inspect`` takes it as it is."""
        if self._store is None:
            path = usecases.sqlite_file(self.url)
            if self._access == "write" and path is not None and not path.exists():
                self._new_file = path  # removed again by a failed close
            self._store = usecases.open_store(
                self.url,
                access=self._access,
                create_dirs=self._create_dirs,
                busy_timeout=self._busy_timeout,
            )
        return self._store

    def connect(self) -> Timeline:
        """Open the database now rather than on first use (a service does, so that a
        database it cannot open stops it at the start, not at its first request)."""
        self.store  # noqa: B018 - the property opens it
        return self

    @property
    def name(self) -> str:
        """The database, as messages name it (no password)."""
        return self.store.name

    def _answer(self, use: Callable[[Readable], T]) -> T:
        """``use`` on a ``Snapshot`` if the database is not open yet and one opens (it
        reads without loading SQLAlchemy), else, or when the snapshot cannot read it, on
        the store (whose errors say what is wrong)."""
        if self._store is None and self._access == "read":
            from timeline.storage import Snapshot, Unavailable
            from timeline.storage.settings import BUSY_TIMEOUT_S

            timeout = BUSY_TIMEOUT_S if self._busy_timeout is None else self._busy_timeout
            try:
                snapshot = Snapshot.open(self.url, timeout)
            except Unavailable:
                pass
            else:
                try:
                    return use(snapshot)
                except Unavailable:
                    pass
                finally:
                    snapshot.close()
        return use(self.store)

    def close(self, *, failed: bool = False) -> None:
        """Close the database's connections (SQLite folds its write-ahead log back into
        the file when the last one closes). ``failed``: after a write that failed, also
        remove the SQLite file this Timeline created if it holds nothing, so that a
        refused import or restore leaves no empty database behind."""
        store, path = self._store, self._new_file
        if store is None:
            return
        empty = False
        if failed and path is not None:
            try:
                empty = usecases.count(store) == 0
            except TimelineError:
                empty = False
        store.close()
        self._store = None
        if empty and path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    def __enter__(self) -> Timeline:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(failed=error is not None)

    # ---- reads -------------------------------------------------------------------

    def as_of(
        self,
        day: Day,
        *,
        thread: Threads = None,
        recorded_before: dt.datetime | None = None,
        viewer: str | None = None,
        only: EventFilter | None = None,
        at_seq: int | None = None,
    ) -> list[ThreadState]:
        """Where each thread stood, as publicly known at the end of ``day`` — or as the
        actor ``viewer`` knew it then (public knowledge and what it was privy to);
        ``only``: the threads an ``EventFilter`` asks about; ``recorded_before``: from
        what this database held then; ``at_seq``: from the log as it stood when its last
        record was that one (``head``), the same answer however the log grows."""
        d = self.clock.day(day, "date")
        if recorded_before is None and only is None and at_seq is None:
            if viewer is None:
                return self._answer(lambda store: usecases.stored_as_of(store, d, thread))
            return self._answer(lambda store: usecases.viewpoint_as_of(store, d, viewer, thread))
        return usecases.as_of(self.store, d, thread, recorded_before, viewer, only, at_seq)

    def is_empty(self, recorded_before: dt.datetime | None = None) -> bool:
        """Does the log hold no record (none recorded before that moment, if given)? What
        a front end asks after an empty answer, to say why it is empty."""
        return self._answer(lambda store: usecases.count(store, recorded_before) == 0)

    def threads(self, day: Day = "today") -> list[ThreadState | Hidden]:
        """Every thread as it stands on ``day`` (what has happened and was public by
        then), sorted by slug; a thread that shows no event then as ``Hidden``: all its
        events retracted, or all still ahead."""
        d = self.clock.day(day, "day")
        return self._answer(lambda store: usecases.threads(store, d))

    def thread_slugs(self) -> list[str]:
        """Every thread's slug, sorted."""
        return self._answer(usecases.thread_slugs)

    def actor_names(self) -> list[str]:
        """Every name the log gives an actor, as recorded and as corrected, sorted."""
        return usecases.actor_names(self.store)

    def upcoming(self, day: Day = "today", *, thread: Threads = None) -> list[Event]:
        """Scheduled events announced by the end of ``day`` that had not happened then."""
        d = self.clock.day(day, "date")
        return self._answer(lambda store: usecases.upcoming(store, d, thread))

    def head(self) -> int:
        """The log's last seq, its position (0 if empty): seq runs 1, 2, 3... in commit
        order, so an answer pinned to it (``at_seq``) never changes."""
        return usecases.head(self.store)

    def standing(self) -> tuple[int, int]:
        """What every answer depends on: the log's last seq, and how many rebuilds of
        its projections have finished (a rebuild may mend what they said)."""
        return usecases.standing(self.store)

    def records_after(
        self,
        after: int = 0,
        limit: int = 100,
        *,
        thread: Threads = None,
        only: EventFilter | None = None,
        known_by: Day | None = None,
    ) -> list[Record]:
        """The log a page at a time: the first ``limit`` records with seq > ``after``,
        in seq order (``only``: the events it matches as recorded, with their
        corrections and retractions; ``known_by``: only what was known by then, a text
        search matching the texts as they read then)."""
        day = self.clock.maybe_day(known_by, "known_by")
        return usecases.records_after(self.store, after, limit, thread, only, day)

    def names(self, kind: Literal["actors", "issues"], day: Day | None = None) -> list[Name]:
        """Every actor (or issue) of the events known on ``day`` (all if None), as
        corrected then, retracted ones left out: ``timeline actors`` and ``issues``."""
        return usecases.names(self.store, kind, self.clock.maybe_day(day, "day"))

    def log(
        self,
        *,
        thread: Threads = None,
        since: Day | None = None,
        until: Day | None = None,
        known_by: Day | None = None,
        recorded_before: dt.datetime | None = None,
        viewer: str | None = None,
        only: EventFilter | None = None,
    ) -> list[EventView[Record]]:
        """Events in timeline order, with their corrections and retractions as known by
        ``known_by`` (all if None; known to ``viewer``, who needs a ``known_by``);
        ``since``/``until`` any EDTF date (an ``until`` of 2022-01 means through 31
        January); ``only``: those an ``EventFilter`` keeps."""
        return usecases.log(self.store, **self._log_query(locals()))

    def raw_log(
        self,
        *,
        thread: Threads = None,
        since: Day | None = None,
        until: Day | None = None,
        known_by: Day | None = None,
        recorded_before: dt.datetime | None = None,
        viewer: str | None = None,
        only: EventFilter | None = None,
    ) -> list[Record]:
        """The records as appended, corrections and retractions as their own, in seq
        order (the same filters as ``log``, names as recorded)."""
        return usecases.raw_log(self.store, **self._log_query(locals()))

    def _log_query(self, given: Mapping[str, Any]) -> dict[str, Any]:
        if given["viewer"] is not None and given["known_by"] is None:
            raise TimelineError("viewer needs known_by: a viewpoint is what an actor knew on a day")
        return {
            "thread": given["thread"],
            "since": self.clock.span(given["since"], False, "since"),
            "until": self.clock.span(given["until"], True, "until"),
            "known_by": self.clock.maybe_day(given["known_by"], "known_by"),
            "recorded_before": given["recorded_before"],
            "viewer": given["viewer"],
            "only": given["only"],
        }

    def recent(self, *, per_thread: int, known_by: Day) -> Recent:
        """Each thread's latest ``per_thread`` events (by date) publicly known by
        ``known_by``, as amended then, with each thread's count and the days they span."""
        return usecases.recent(self.store, per_thread, self.clock.day(known_by, "known_by"))

    def window(
        self,
        *,
        known_by: Day,
        since: Day,
        until: Day,
        thread: Threads = None,
        only: EventFilter | None = None,
        budget: int = 800,
    ) -> Window:
        """What a timeline draws between ``since`` and ``until`` (days), as publicly known
        by ``known_by``: the events drawn on their own and, for a thread with more than
        its share of ``budget`` items, the rest counted by calendar unit (a week, a
        month, a year...) in clusters."""
        if budget < 1:
            raise TimelineError(f"a window draws at least one item, not {budget}")
        threads = [thread] if isinstance(thread, str) else None if thread is None else thread
        threads = None if threads is None else list(dict.fromkeys(threads))
        return usecases.window(
            self.store,
            self.clock.day(known_by, "known_by"),
            self.clock.day(since, "since"),
            self.clock.day(until, "until"),
            threads or None,
            only,
            budget,
        )

    def event(self, key: Key | str, *, known_by: Day | None = None) -> EventView[Record] | None:
        """One event (``thread/id``), as publicly known by ``known_by`` (None: with every
        amendment recorded), with its corrections and retraction then; None when it was
        not known then. An unknown thread is an error, an unknown id None."""
        try:
            found = key if isinstance(key, Key) else Key.parse(key)
        except ValueError as e:
            raise TimelineError(str(e)) from None
        day = self.clock.maybe_day(known_by, "known_by")
        return usecases.event_as_known(self.store, found, day)

    def known_lately(
        self, *, limit: int = 50, known_by: Day = "today", thread: Threads = None
    ) -> list[EventView[Record]]:
        """The ``limit`` events (of ``thread``, one or several; None: all) that became
        public last by ``known_by``, latest first, as amended then (retracted ones left
        out): what a feed of news follows."""
        threads = [thread] if isinstance(thread, str) else None if thread is None else list(thread)
        day = self.clock.day(known_by, "known_by")
        return usecases.known_lately(self.store, limit, day, threads)

    def published(
        self, day: Day = "today"
    ) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """What the public view names on ``day``: the threads with an event public (or
        announced) by then, and the actors (under each of their names) and issues of
        those events: what a service checks a request's names against."""
        d = self.clock.day(day, "day")
        return self._answer(lambda store: usecases.published(store, d))

    def history(self, thread: str, *, only: EventFilter | None = None) -> History:
        """A thread's whole story, in the order things became known (``only``: the events
        an ``EventFilter`` keeps)."""
        return usecases.history(self.store, thread, only)

    def diff(
        self,
        start: Day,
        end: Day,
        *,
        thread: Threads = None,
        viewer: str | None = None,
        only: EventFilter | None = None,
        at_seq: int | None = None,
    ) -> Diff:
        """What became known after ``start``, up to and including ``end`` (to ``viewer``;
        about what ``only`` asks; from the log as it stood at ``at_seq``, see ``as_of``)."""
        d1, d2 = self.clock.day(start, "D1"), self.clock.day(end, "D2")
        if d2 < d1:
            raise TimelineError(f"D2 ({d2.isoformat()}) is before D1 ({d1.isoformat()})")
        return usecases.diff(self.store, d1, d2, thread, viewer, only, at_seq)

    def secrets(
        self, day: Day, *, thread: Threads = None, only: EventFilter | None = None
    ) -> list[Secret]:
        """What at least one actor knew by the end of ``day`` and the public did not."""
        return usecases.secrets(self.store, self.clock.day(day, "date"), thread, only)

    def lag(
        self,
        *,
        thread: Threads = None,
        actor: str | None = None,
        by: Literal["thread", "code"] = "thread",
    ) -> list[Lag]:
        """Disclosure lag per thread (``by`` code: per code a dataset gave the events,
        ``cameo 046``): events made public after their date (see ``Lag``)."""
        return usecases.lag(self.store, thread, actor, by)

    def report(
        self, thread: str, day: Day, *, at_checkpoint: int | None = None, changes: int = 7
    ) -> Report:
        """A thread's briefing as known at the end of ``day``, with what changed in the
        ``changes`` days before (0: none), from the log as its signed checkpoint of size
        ``at_checkpoint`` holds it (None: the latest, if nothing but checkpoints and keys
        followed it; else the log as it stands, whose digest it then carries). A report
        cut at a checkpoint names it (``Report.checkpoint``)."""
        when = self.clock.day(day, "date")
        if changes < 0:
            raise TimelineError(f"--changes {changes}: a number of days, 0 or more")
        cut = usecases.cut_at(self.store, at_checkpoint)
        at_seq = None if cut is None else cut.size
        made = usecases.report(self.store, thread, when, at_seq, changes)
        return replace(made, checkpoint=cut, digest=None if cut else self.digest())

    # ---- exports -----------------------------------------------------------------

    def export_chunks(
        self,
        fmt: ExportFormat,
        *,
        threads: Sequence[str] | None = None,
        as_of: Day | None = None,
        since: Day | None = None,
        until: Day | None = None,
        viewer: str | None = None,
        only: EventFilter | None = None,
        public: bool = False,
        at_checkpoint: int | None = None,
    ) -> Iterator[bytes]:
        """The export a piece at a time, from one read of the log, whatever its size:
        ``jsonl`` (the lossless backup; it takes no filter), ``ics`` (iCalendar) and
        ``timelinejs``. ``viewer``: what that actor knew on ``as_of`` (which it needs).
        ``public``: as the public view serves events (no ``known_to``).
        ``at_checkpoint``: from the log as its signed checkpoint of that size holds it;
        without one, from the latest if nothing but checkpoints and keys followed it.
        An ics or TimelineJS export cut at a checkpoint names it."""
        from timeline.usecases.exporting import export_chunks

        if viewer is not None and as_of is None:
            raise TimelineError("viewer needs as_of: a viewpoint is what an actor knew on a day")
        return export_chunks(
            self.store,
            fmt,
            threads=threads,
            as_of=self.clock.maybe_day(as_of, "as_of"),
            since=self.clock.span(since, False, "since"),
            until=self.clock.span(until, True, "until"),
            viewer=viewer,
            only=only,
            today=self.clock.today(),
            public=public,
            at_checkpoint=at_checkpoint,
        )

    def export(self, fmt: ExportFormat, **options: Any) -> bytes:
        """The export as bytes (the options of ``export_chunks``)."""
        return b"".join(self.export_chunks(fmt, **options))

    def share(
        self,
        fmt: Literal["jsonl", "yaml", "csv"] = "jsonl",
        *,
        threads: Sequence[str] | None = None,
        since: Day | None = None,
        until: Day | None = None,
    ) -> Iterator[bytes]:
        """Event files that ``import`` takes: the events of ``threads`` (all if None)
        overlapping [since, until] with their corrections and retractions, and the
        events they refer to. YAML holds one thread: name it; CSV is a spreadsheet of
        them (``formats.spreadsheet``)."""
        from timeline.usecases.exporting import share

        start = self.clock.span(since, False, "since")
        end = self.clock.span(until, True, "until")
        return share(self.store, fmt, threads=threads, since=start, until=end)

    # ---- writes ------------------------------------------------------------------

    def add(
        self,
        fields: Mapping[str, Any],
        *,
        thread_title: str | None = None,
        allow_future: bool = False,
    ) -> AddResult:
        """Record one event given as the fields of an event file (``id`` may be left
        out); the same event again returns the recorded one. A known day after today is
        refused unless ``allow_future``."""
        return usecases.add_event(
            self.store,
            fields,
            self.clock.now(),
            thread_title,
            today=self.clock.today(),
            allow_future=allow_future,
        )

    def amend(self, fields: Mapping[str, Any], *, allow_future: bool = False) -> AddResult:
        """Record a correction or retraction given as the fields of an event file."""
        return usecases.record_amendment(
            self.store,
            fields,
            self.clock.now(),
            today=self.clock.today(),
            allow_future=allow_future,
        )

    def record(
        self,
        fields: Mapping[str, Any],
        *,
        recorded_by: str | None = None,
        expected: int | None = None,
        thread_title: str | None = None,
    ) -> tuple[Record, bool]:
        """Record one event, correction or retraction given as an event file writes it
        (by its ``type``): (its record, whether it is new). The same entry again returns
        the recorded one (a client may retry); a different one under a recorded key
        raises ``KeyTaken``. ``expected``: the thread's version the writer read
        (``ConflictError`` if it has moved on); ``recorded_by``: the token's name."""
        result = usecases.record_entry(
            self.store,
            fields,
            self.clock.now(),
            recorded_by=recorded_by,
            expected=expected,
            thread_title=thread_title,
        )
        return result.record, not result.already

    def alias(self, name: str, canonical: str, *, known: Day | None = None) -> Record | None:
        """Make ``name`` an alias of the actor shown as ``canonical`` (see ``core.names``);
        None when it is one already."""
        day = self.clock.maybe_day(known, "known")
        return usecases.record_alias(self.store, name, canonical, self.clock.now(), day)

    def retitle(self, thread: str, title: str) -> Record | None:
        """Name a thread anew with a title record (None: it has that title already)."""
        return usecases.retitle(self.store, thread, title, self.clock.now())

    def import_paths(
        self,
        paths: Iterable[str | Path],
        *,
        allow_future: bool = False,
        known_by: Day | None = None,
        spreadsheets: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportResult:
        """Import event files and folders, all or nothing (raises ``ImportErrors``); a
        file named ``*.csv`` (or any, with ``spreadsheets``) is a spreadsheet of them
        (``formats.spreadsheet``);
        ``known_by``: only what was public by that day (events, corrections and
        retractions; the rest is counted in ``later``, for a later import);
        ``progress(done, total)`` counts the files' characters read."""
        return usecases.import_paths(
            self.store,
            [str(p) for p in paths],
            self.clock.now(),
            progress,
            today=self.clock.today(),
            allow_future=allow_future,
            known_by=self.clock.maybe_day(known_by, "known_by"),
            spreadsheets=spreadsheets,
        )

    def import_coded(
        self,
        paths: Iterable[str | Path],
        *,
        format: Literal["gdelt", "icews", "polecat"],
        thread: str | None = None,
        thread_by: Literal["dyad"] | None = None,
        rules: str | Path | None = None,
        codes: Sequence[str] | None = None,
        countries: Sequence[str] = (),
        encoding: str | None = None,
        max_bad: int = 100,
        dry_run: bool = False,
    ) -> CodedImport:
        """Import machine-coded event data (``format``: a GDELT 2.0 export, an ICEWS
        events file, a POLECAT file; a ``.zip`` of them, or ``-`` for standard input;
        ``encoding``: None, the dataset's own): its rows folded into the events they
        report, all in ``thread``, one thread per set of parties (``thread_by="dyad"``),
        or as the ``rules`` file says (``formats.rules``); only CAMEO ``codes``
        (prefixes; None: the diplomatic roots; PLOVER events for POLECAT) with a party
        of one of ``countries`` (any if empty); all or nothing, and nothing at all past
        ``max_bad`` bad rows. ``dry_run``: the counts, nothing written. Raises
        ``ImportErrors`` or ``TimelineError``."""
        from timeline.usecases.coded import Coding, import_coded

        if thread_by not in (None, "dyad"):
            raise TimelineError(f"--thread-by {thread_by!r}: only dyad")
        coding = Coding(
            format,
            thread,
            thread_by,
            None if rules is None else str(rules),
            None if codes is None else tuple(codes),
            tuple(countries),
            encoding,
            max_bad,
        )
        names = [str(p) for p in paths]
        now, today = self.clock.now(), self.clock.today()
        found = import_coded(self.store, names, coding, now, today=today, dry_run=dry_run)
        if dry_run:  # nothing written: a database this run created goes again
            self.close(failed=True)
        return found

    def restore(self, path: str) -> int:
        """Put a backup (``export jsonl``) back into an empty database, exactly; the
        number of records. Checked against this machine's clock, whatever ``clock``
        says: a stamp in the future is one the world has not reached."""
        return usecases.restore(self.store, path)

    # ---- tokens ------------------------------------------------------------------

    def create_token(self, name: str, *, scopes: tuple[str, ...] = ("write",)) -> str:
        """A new token for ``timeline serve`` holding ``scopes`` (``read``,
        ``read:all``, ``write``, ``admin``), granted to ``name`` by a record that keeps
        only its hash: returned once, stored nowhere."""
        return usecases.create_token(self.store, name, self.clock.now(), scopes)

    def revoke_token(self, name: str) -> Record:
        """Withdraw ``name``'s token, by a revocation record."""
        return usecases.revoke_token(self.store, name, self.clock.now())

    def tokens(self) -> list[Grant]:
        """Every token granted, in order, with its revocation if any."""
        return usecases.grants(self.store)

    def token_holder(self, token: str) -> Bearer:
        """Who ``token`` is (``Bearer``: the token in force it is and its scopes, or
        none, and whether it was revoked), checked in constant time."""
        return usecases.token_holder(self.store, token)

    # ---- signed checkpoints ----------------------------------------------------------

    def create_key(self, name: str, path: str | Path | None = None) -> VerifierKey:
        """A new key that signs this log's checkpoints, named ``name`` (a schema-less URL
        by custom, ``example.org/timeline``): its private half written to ``path`` (by
        default ``signing.key`` in the per-user data folder), readable by its owner only,
        its public half to ``key_files(path)[1]`` and into the log; neither file is ever
        overwritten."""
        return usecases.create_key(self.store, name, _key_path(path), self.clock.now())

    @staticmethod
    def key_files(path: str | Path | None = None) -> tuple[Path, Path]:
        """The files of the signing key ``path`` (None: the default): the private half,
        and the public half beside it (``NAME.pub``), which readers are handed."""
        private = _key_path(path)
        return private, usecases.public_key_path(private)

    def checkpoint(
        self, key: str | Path | None = None, *, daily: bool = False
    ) -> tuple[SignedCheckpoint, bool]:
        """Sign the log's tree head as it stands with the key in the file ``key`` (see
        ``create_key``) and append the checkpoint to the log: (it, True); or, when the
        log's last record is a checkpoint of that key already, (that one, False). With
        ``daily``, (the last one, False) too when that key signed one today (by the
        Timeline's clock): one a day, however often it is asked."""
        now = self.clock.now()
        return usecases.sign_checkpoint(self.store, _key_path(key), now, daily=daily)

    def checkpoints(self, size: int | None = None) -> list[SignedCheckpoint]:
        """Every checkpoint the log holds, in order; or the one of ``size`` (``Missing``
        if the log holds none of that size)."""
        return usecases.signed_checkpoints(self.store, size)

    def prove(
        self,
        record: str,
        *,
        checkpoint: int | None = None,
        shown: Callable[[Record], bool] | None = None,
    ) -> dict[str, Any]:
        """The bundle that shows the record ``record`` (``thread/id``; a key or a
        checkpoint too, as ``_tree/key-1``) among the records a checkpoint signs (the
        one of size ``checkpoint``; None: the latest): check it with ``verify_proof``.
        ``shown``: whether the one asking may see the record whole (see
        ``core.access.provable``); ``Missing`` for one they may not, as for none."""
        thread, _, event_id = record.strip().partition("/")
        if not thread or not event_id:
            raise TimelineError(f"a record is named THREAD/ID, not {record!r}")
        if not (is_slug(thread.lstrip("_")) and is_slug(event_id)):  # never reaches the
            raise Missing(f"no record {record!r} in the log")  # database (NUL, markup...)
        return usecases.prove_inclusion(self.store, Key(thread, event_id), checkpoint, shown)

    def prove_consistency(self, old: int, new: int | None = None) -> dict[str, Any]:
        """The bundle that shows the log at its checkpoint of size ``old`` is a prefix of
        the log at its checkpoint of size ``new`` (None: the latest)."""
        return usecases.prove_consistency(self.store, old, new)

    def at_checkpoint(self, size: int) -> int:
        """The ``at_seq`` of the log at its checkpoint of ``size``: an answer computed
        there (``as_of``, ``diff``) is the one a reader can reproduce from the signed log,
        however it grows."""
        if size not in usecases.checkpoint_sizes(self.store):
            raise TimelineError(
                f"the log holds no checkpoint of size {size}: `timeline checkpoints`"
            )
        return size

    def published_keys(self) -> list[VerifierKey]:
        """The keys that sign the log's checkpoints, as it publishes them."""
        return usecases.keys(self.store)

    # ---- looking after the database ------------------------------------------------

    def verify(
        self,
        *,
        expect: str | None = None,
        now: dt.datetime | None = None,
        against: str | None = None,
        keys: Sequence[str] = (),
    ) -> VerifyResult:
        """Check every hash chain, the sequence numbers, the database's pages, the
        Merkle tree and the projections; ``expect``: a digest published earlier that the
        log must extend; ``now``: the clock no ``recorded_at`` may lie after (default:
        this machine's); ``against``: a signed checkpoint (the note's text) the log must
        extend, opened with the keys the log publishes and ``keys`` (verifier keys)."""
        trusted = [_verifier(k) for k in keys]
        return usecases.verify(self.store, expect, now, against, trusted)

    def quick_problems(self) -> list[str]:
        """``verify``'s quick checks (the database's pages, the search engine, every seq
        held): a line for each problem, [] if none. For a health check."""
        return usecases.quick_problems(self.store)

    def digest(self) -> str:
        """The log digest, ``N:hex`` (see ``chain.log_digest``)."""
        return usecases.digest(self.store)

    def rebuild(
        self,
        only: Sequence[str] = (),
        *,
        every: bool = False,
        force: bool = False,
        step: Callable[[Sequence[str], int, int], None] | None = None,
    ) -> list[Rebuilt]:
        """Replay from the log the projections ``only`` names (``usecases.PROJECTIONS``),
        all of them (``every``), or else those out of step with it, each on its own; a
        rebuild stopped half-way goes on from where it stood. Returns each pass ([]:
        nothing to do). ``step(projections, done, total)`` after each committed step.
        Refused, unless ``force``, when the projections folded records the log no longer
        holds."""
        return usecases.rebuild(self.store, only=only, every=every, force=force, step=step)

    def schema_revision(self) -> str | None:
        """The database's schema revision (None: no timeline schema yet)."""
        return usecases.schema_revision(self.store)

    def count(self) -> int:
        """Records in the log."""
        return usecases.count(self.store)

    def grant_appender(self, role: str) -> None:
        """Let a PostgreSQL ``role`` read and append, but never change or delete the log."""
        usecases.grant_appender(self.store, role)


def _verifier(text: str) -> VerifierKey:
    from timeline.core.signing import SignatureError, VerifierKey

    try:
        return VerifierKey.parse(text)
    except SignatureError as e:
        raise TimelineError(f"--key: {e}") from None


def _key_path(path: str | Path | None) -> Path:
    if path is not None:
        return Path(path)
    from timeline.storage.settings import default_key_path

    return default_key_path()

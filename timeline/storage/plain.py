"""Reads in plain SQL, run by the database driver itself: the reads of an ``asof`` from
the stored projections (states, checkpoints and the records known after them, aliases,
scheduled events). ``Reader`` inherits them; ``snapshot.Snapshot`` serves them on a
connection of its own, so that a whole ``timeline asof`` command never loads
SQLAlchemy (importing it takes longer than the answer). Their SQL runs through a
``driver.Driver``; the reads of the page's window are ``window.WindowReads``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson

from timeline.core.codec import dumps, format_recorded_at
from timeline.core.mapper import (
    FOLD_FIELDS,
    RECORD_FIELDS,
    fold_record_from_values,
    readable,
    record_from_values,
)
from timeline.core.model import (
    ALIASES,
    SYSTEM_THREADS,
    Checkpoint,
    FoldRecord,
    Hidden,
    Key,
    Record,
    ThreadState,
)
from timeline.core.stateform import state_from_json
from timeline.storage import driver
from timeline.storage.driver import Driver, as_day, chunks
from timeline.storage.names import PlainNames
from timeline.storage.progress import Upkeep
from timeline.storage.window import WindowReads

__all__ = ["FOLD_SQL", "SEQ", "THREAD", "PlainLog", "PlainProjections", "PlainReader"]

_RECORD_SQL = ", ".join(RECORD_FIELDS)
# What the projector reads (mapper.FOLD_FIELDS, in order; rows read by position): no
# payload for an event (its columns hold what the projector needs), corrections and
# retractions with theirs.
FOLD_SQL = ", ".join(
    "CASE WHEN kind = 'event' THEN NULL ELSE payload END AS payload" if f == "payload" else f
    for f in FOLD_FIELDS
)
SEQ, THREAD = FOLD_FIELDS.index("seq"), FOLD_FIELDS.index("thread")
_POINT_FIELDS = ("thread", "day", "state", "horizon", "max_seq", "records")


def _point(row: Sequence[Any]) -> Checkpoint:
    thread, day, state, horizon, max_seq, records = row
    parsed = None if state is None else state_from_json(state, "checkpoints")
    return Checkpoint(thread, as_day(day), parsed, as_day(horizon), max_seq, records)


class PlainLog:
    """The log's reads in plain SQL: records by key, by thread and known day, and what
    a replay needs to continue a thread from a checkpoint; ``window``: where events lie
    and how many, for the page's window."""

    def __init__(self, db: Driver) -> None:
        self._db = db
        self.window = WindowReads(db)

    def head(self) -> int:
        """The log's last seq (0 if empty): seq runs 1..n, so it is also the count, read
        from the primary key's end rather than by counting."""
        return int(self._db.rows("SELECT coalesce(max(seq), 0) FROM events")[0][0])

    def count(self, recorded_before: dt.datetime | None = None) -> int:
        """Records in the log (those recorded by a time, if given)."""
        if recorded_before is None:
            return int(self._db.rows("SELECT count(*) FROM events")[0][0])
        sql = f"SELECT count(*) FROM events WHERE recorded_at <= {self._db.mark}"
        return int(self._db.rows(sql, (format_recorded_at(recorded_before),))[0][0])

    def tails(
        self, starts: Mapping[str, dt.date | None], until: dt.date | None = None
    ) -> dict[str, list[FoldRecord]]:
        """What ``projector.project_from`` needs to continue each thread from its day
        (None: from nothing) up to ``until`` (None: today's state): the records known in
        between, every correction and retraction of the thread, and what they amend."""
        db = self._db
        out: dict[str, dict[int, FoldRecord]] = {t: {} for t in starts}
        known = db.known_between(FOLD_SQL, starts.items(), until)
        for record in readable(fold_record_from_values, known):
            out.setdefault(record.entry.thread, {})[record.seq] = record
        targets: set[Key] = set()
        amending = db.of_threads(f"{FOLD_SQL} FROM events", starts, "target IS NOT NULL")
        for record in readable(fold_record_from_values, amending):
            out.setdefault(record.entry.thread, {})[record.seq] = record
            target = getattr(record.entry, "target", None)
            if isinstance(target, Key):
                targets.add(target)
        # the records amended that are not read already (only the threads amended)
        held = {r.entry.key for t in {k.thread for k in targets} for r in out.get(t, {}).values()}
        amended = db.of_keys(FOLD_SQL, (tuple(k) for k in targets - held))
        for record in readable(fold_record_from_values, amended):
            out.setdefault(record.entry.thread, {})[record.seq] = record
        return {t: sorted(out[t].values(), key=lambda r: r.seq) for t in starts}

    def records(
        self,
        threads: Iterable[str] | None = None,
        *,
        known_by: dt.date | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        with_titles: bool = False,
        recorded_before: dt.datetime | None = None,
        through_seq: int | None = None,
    ) -> list[Record]:
        """Whole records in seq order: of ``threads`` (all if None), known by a day,
        overlapping [since, until], up to ``through_seq``. See ``_filtered`` for what each
        filter keeps."""
        filters = (known_by, since, until, with_titles, recorded_before, through_seq)
        rows = self._filtered(_RECORD_SQL, threads, *filters)
        return list(readable(record_from_values, sorted(rows, key=itemgetter(0))))

    def fold_records(
        self,
        threads: Iterable[str] | None = None,
        *,
        known_by: dt.date | None = None,
        with_titles: bool = False,
        recorded_before: dt.datetime | None = None,
        through_seq: int | None = None,
    ) -> list[FoldRecord]:
        """Records as the projector needs them (events without their payloads), in seq
        order, with the same filters as ``records``."""
        filters = (known_by, None, None, with_titles, recorded_before, through_seq)
        rows = self._filtered(FOLD_SQL, threads, *filters)
        return list(readable(fold_record_from_values, sorted(rows, key=itemgetter(SEQ))))

    def _filtered(
        self,
        select: str,
        threads: Iterable[str] | None,
        known_by: dt.date | None,
        since: dt.date | None,
        until: dt.date | None,
        with_titles: bool,
        recorded_before: dt.datetime | None,
        through_seq: int | None,
    ) -> list[Any]:
        """The rows (``select``) of the records of ``threads`` (all if None) known by a
        day, overlapping [since, until], up to a seq.

        ``with_titles`` also keeps not-yet-known records that name their thread, so the
        projector can label a thread with its latest title. ``recorded_before`` keeps
        records this database had at that time (recorded_at <= it). Date filters apply
        to events; corrections and retractions always come along."""
        db, mark = self._db, self._db.mark
        threads = None if threads is None else sorted(set(threads))  # (read twice below)
        where: list[str] = []
        params: list[Any] = []
        if known_by is not None or since is not None or until is not None:
            keep, kept = self._corrected_keep(threads)
            if known_by is not None:
                # a scheduled event is known once announced, before it counts
                titled = " OR thread_title IS NOT NULL" if with_titles else ""
                where.append(f"(known <= {mark} OR announced <= {mark} OR {keep}{titled})")
                params += [db.day(known_by), db.day(known_by), *kept]
            if since is not None:
                where.append(f"(date_last >= {mark} OR {keep})")
                params += [db.day(since), *kept]
            if until is not None:
                where.append(f"(date_first <= {mark} OR {keep})")
                params += [db.day(until), *kept]
        if recorded_before is not None:
            where.append(f"recorded_at <= {mark}")
            params.append(format_recorded_at(recorded_before))
        if through_seq is not None:
            where.append(f"seq <= {mark}")
            params.append(through_seq)
        cond = " AND ".join(where)
        if threads is not None:
            return db.of_threads(f"{select} FROM events", threads, cond, params)
        return db.rows(f"SELECT {select} FROM events" + (f" WHERE {cond}" if cond else ""), params)

    def _corrected_keep(self, threads: Iterable[str] | None) -> tuple[str, list[str]]:
        """The condition (and its parameters) of the rows date filters must keep: every
        amendment, and every corrected event (a correction in effect may move its dates;
        the caller filters again)."""
        db, mark = self._db, self._db.mark
        select, where = "target FROM events", "kind = 'correction'"
        if threads is None:
            rows = db.rows(f"SELECT {select} WHERE {where}")
        else:
            rows = db.of_threads(select, threads, where)
        targets = sorted({Key.stored(t) for (t,) in rows})
        if len(targets) > driver.CHUNK:  # many: let the database match them (a correction is
            # in its target's thread: those of other threads match no row read)
            corrected = f"SELECT {select} WHERE {where}"
            return f"(kind <> 'event' OR thread || '/' || event_id IN ({corrected}))", []
        if not targets:
            return "kind <> 'event'", []
        either = " OR ".join([f"(thread = {mark} AND event_id = {mark})"] * len(targets))
        return f"(kind <> 'event' OR {either})", [v for key in targets for v in key]

    def whole_records(self, threads: Iterable[str]) -> list[Record]:
        """Every whole record of these threads, in seq order (what a viewpoint replays:
        an event's ``known_to`` is in its payload)."""
        rows = self._db.of_threads(f"{_RECORD_SQL} FROM events", threads)
        return list(readable(record_from_values, sorted(rows, key=itemgetter(0))))

    def sizes(self, threads: Iterable[str] | None = None) -> dict[str, int]:
        """How many records each thread (or those asked for) holds; all threads leave out
        the log's own threads (``SYSTEM_THREADS``), which are not negotiations."""
        db, select = self._db, "thread, count(*) FROM events"
        if threads is not None:
            return dict(db.of_threads(select, threads, tail=" GROUP BY thread"))
        system = db.marks(len(SYSTEM_THREADS))
        sql = f"SELECT {select} WHERE thread NOT IN ({system}) GROUP BY thread"
        return dict(db.rows(sql, SYSTEM_THREADS))

    def thread_groups(
        self, threads: Iterable[str] | None, limit: int, after: str = ""
    ) -> Iterator[list[str]]:
        """Threads (all if None; those after the slug ``after``) in slug order, grouped so
        that each group holds about ``limit`` records (a thread larger than that is a
        group of its own): a batch of whole threads to read at a time, in bounded memory."""
        group: list[str] = []
        held = 0
        for slug, size in sorted(self.sizes(threads).items()):
            if slug <= after:
                continue
            if group and held + size > limit:
                yield group
                group, held = [], 0
            group.append(slug)
            held += size
        if group:
            yield group

    def find(self, keys: Iterable[Key]) -> dict[Key, Record]:
        """Stored records for the given keys that exist."""
        rows = self._db.of_keys(_RECORD_SQL, (tuple(k) for k in keys))
        return {r.entry.key: r for r in readable(record_from_values, rows)}

    def amendments_of(self, targets: Iterable[Key]) -> dict[Key, list[Record]]:
        """Corrections and retractions of each target, in seq order."""
        db = self._db
        rows: list[Any] = []
        for chunk in chunks(targets):
            # an amendment lives in its target's thread: (thread, target) is the index
            # on each thread's amendments, where target alone would scan the log
            where = " OR ".join([f"(thread = {db.mark} AND target = {db.mark})"] * len(chunk))
            params = [v for k in chunk for v in (k.thread, str(k))]
            rows += db.rows(f"SELECT {_RECORD_SQL} FROM events WHERE {where}", params)
        out: dict[Key, list[Record]] = {}
        for record in sorted(readable(record_from_values, rows), key=lambda r: r.seq):
            target = getattr(record.entry, "target", None)
            if isinstance(target, Key):
                out.setdefault(target, []).append(record)
        return out

    def event_records(
        self, keys: Iterable[Key], recorded_before: dt.datetime | None = None
    ) -> list[Record]:
        """Some events with every correction and retraction of them (and of their
        corrections), in seq order: all that their views need (those this database held
        at a time, if given)."""
        wanted = set(keys)
        found = {r.seq: r for r in self.find(wanted).values()}
        amendments = [r for rs in self.amendments_of(wanted).values() for r in rs]
        corrections = {r.entry.key for r in amendments if r.kind == "correction"}
        amendments += [r for rs in self.amendments_of(corrections).values() for r in rs]
        found.update((r.seq, r) for r in amendments)
        return [
            r
            for _, r in sorted(found.items())
            if recorded_before is None or r.recorded_at <= recorded_before
        ]

    def scheduled(self, threads: Iterable[str] | None = None) -> list[Key]:
        """The scheduled events of some threads (None: all), whatever their dates (few:
        by the partial index on them)."""
        select, where = "thread, event_id FROM events", "announced IS NOT NULL"
        if threads is None:
            rows = self._db.rows(f"SELECT {select} WHERE {where}")
        else:
            rows = self._db.of_threads(select, threads, where)
        return sorted(Key(thread, event_id) for thread, event_id in rows)

    def latest_events(self, per_thread: int, known_by: dt.date) -> list[Key]:
        """The latest ``per_thread`` events of each thread (by date, then known day and
        seq) known or announced by a day, or corrected (a correction may make one known
        earlier): one scan of the log, with no payload read."""
        db, mark = self._db, self._db.mark
        corrected = (
            "EXISTS (SELECT 1 FROM events c WHERE c.thread = e.thread AND "
            "c.target = e.thread || '/' || e.event_id AND c.kind = 'correction')"
        )
        sql = (
            "SELECT thread, event_id FROM (SELECT e.thread, e.event_id, ROW_NUMBER() OVER "
            "(PARTITION BY e.thread ORDER BY e.date_first DESC, e.known DESC, e.seq DESC) AS n "
            f"FROM events e WHERE e.kind = 'event' AND (e.known <= {mark} OR "
            f"e.announced <= {mark} OR {corrected})) latest WHERE n <= {mark}"
        )
        day = db.day(known_by)
        return sorted(Key(t, i) for t, i in db.rows(sql, (day, day, per_thread)))

    def latest_known(
        self, limit: int, known_by: dt.date, threads: Iterable[str] | None = None
    ) -> list[Key]:
        """The ``limit`` events that became known last by a day (by known day, then
        seq), of some threads (None: all), latest first; no payload read."""
        mark = self._db.mark
        select = "thread, event_id, known, seq FROM events"
        where = f"kind = 'event' AND known <= {mark}"
        day = self._db.day(known_by)
        if threads is None:
            rows = self._db.rows(
                f"SELECT {select} WHERE {where} ORDER BY known DESC, seq DESC LIMIT {mark}",
                (day, limit),
            )
        else:
            rows = self._db.of_threads(select, threads, where, (day,))
        latest = sorted(rows, key=lambda r: (as_day(r[2]), r[3]), reverse=True)[:limit]
        return [Key(t, i) for t, i, _, _ in latest]

    def amended(self, threads: Sequence[str] | None = None) -> set[Key]:
        """The events (of some threads; None: all) that a correction or a retraction
        names, and the corrections a retraction names: few, by the index on them."""
        select, where = "thread, target FROM events", "target IS NOT NULL"
        if threads is None:
            rows = self._db.rows(f"SELECT {select} WHERE {where}")
        else:
            rows = self._db.of_threads(select, threads, where)
        return {Key.stored(target) for _, target in rows}

    def event_spans(self, known_by: dt.date) -> dict[str, tuple[int, dt.date, dt.date]]:
        """For each thread, its events known or announced by a day (as recorded): how
        many, the first day they cover and the latest day one became known by then."""
        mark = self._db.mark
        sql = (
            f"SELECT thread, count(*), min(date_first), max(CASE WHEN known <= {mark} "
            "THEN known ELSE announced END) FROM events WHERE kind = 'event' AND "
            f"(known <= {mark} OR announced <= {mark}) GROUP BY thread"
        )
        day = self._db.day(known_by)
        rows = self._db.rows(sql, (day, day, day))
        return {t: (n, as_day(first), as_day(last)) for t, n, first, last in rows}

    def alias_records(
        self, recorded_before: dt.datetime | None = None, through_seq: int | None = None
    ) -> list[Record]:
        """The ``Alias`` records (those this database held at a time, or up to a seq)."""
        return self.records([ALIASES], recorded_before=recorded_before, through_seq=through_seq)

    def known_after(self, starts: Mapping[str, dt.date | None]) -> dict[str, int]:
        """How many records of each thread are known after its day (None: all)."""
        rows = self._db.known_between("thread, count(*)", starts.items(), None, " GROUP BY thread")
        return dict(rows)

    def fetch_fold_records(self, threads: Sequence[str]) -> Callable[[], list[FoldRecord]]:
        """Every record of some threads, read now in one statement, and made into records
        as the projector needs them, in seq order, when the result is called: a replay
        reads while nothing else runs, and makes the records on the thread that folds
        them."""
        wanted: Any = sorted(threads)
        if self._db.backend == "postgresql":
            where = f"= ANY({self._db.mark})"
        else:  # a JSON array: as many as it takes, in one parameter
            where, wanted = "IN (SELECT value FROM json_each(?))", orjson.dumps(wanted).decode()
        rows = self._db.rows(f"SELECT {FOLD_SQL} FROM events WHERE thread {where}", (wanted,))

        def records() -> list[FoldRecord]:
            return list(readable(fold_record_from_values, sorted(rows, key=itemgetter(SEQ))))

        return records


class PlainProjections:
    """The projections' reads in plain SQL: the thread states and the checkpoints."""

    def __init__(self, db: Driver, upkeep: Upkeep) -> None:
        self._db = db
        self._upkeep = upkeep

    def _states_rows(
        self, select: str, threads: Iterable[str] | None, where: str = ""
    ) -> list[Any]:
        self._upkeep.require("states")
        if threads is not None:
            return self._db.of_threads(f"{select} FROM thread_states", threads, where)
        sql = f"SELECT {select} FROM thread_states"
        return self._db.rows(f"{sql} WHERE {where}" if where else sql)

    def states(self, threads: Iterable[str] | None = None) -> dict[str, ThreadState]:
        """Stored current states (every event), by thread slug, sorted; threads that show
        no event have none."""
        found = (state_from_json(s) for (s,) in self._states_rows("state", threads, "events > 0"))
        return dict(sorted((s.thread, s) for s in found))

    def states_naming(self, names: Iterable[str]) -> list[ThreadState]:
        """The stored current states whose text holds one of ``names`` written as their
        stored form writes a string (``LIKE``): every state that names one as a party
        or an issue, and maybe others, read without decoding every state (checking one
        actor against 1,000 threads' states took 0.15 s of a 0.3 s ``asof --as``)."""
        patterns = sorted({_like(dumps(name)) for name in names})
        if not patterns:
            return []
        self._upkeep.require("states")
        mark = self._db.mark
        like = " OR ".join([f"state LIKE {mark} ESCAPE '\\'"] * len(patterns))
        sql = f"SELECT state FROM thread_states WHERE events > 0 AND ({like})"
        return [state_from_json(s) for (s,) in self._db.rows(sql, patterns)]

    def hidden(self, threads: Iterable[str] | None = None) -> dict[str, Hidden]:
        """Threads of the projection table that show no event (all retracted); with
        ``threads``, those of them as they stand, whatever they show, each as ``Hidden``
        with ``retracted`` saying whether that is why it shows nothing."""
        select = "thread, title, horizon, max_seq, title_seq, events"
        rows = self._states_rows(select, threads, "" if threads is not None else "events = 0")
        return {
            t: Hidden(t, title, as_day(h), seq, title_seq, retracted=events == 0)
            for t, title, h, seq, title_seq, events in rows
        }

    def horizons(self, threads: Iterable[str] | None = None) -> dict[str, dt.date]:
        """Every thread of the projection table (every thread in the log, but during a
        rebuild), or those asked for that exist, with the latest known day among its
        records, sorted by slug (a table's rows come in no order: PostgreSQL's move
        as they are updated)."""
        return {t: as_day(h) for t, h in sorted(self._states_rows("thread, horizon", threads))}

    def titles(self, threads: Iterable[str]) -> dict[str, tuple[str | None, int]]:
        """(title, seq of the record that set it) of each thread."""
        rows = self._states_rows("thread, title, title_seq", threads)
        return {thread: (title, seq) for thread, title, seq in rows}

    def checkpoints_on(self, threads: Iterable[str], day: dt.date) -> dict[str, Checkpoint]:
        """The latest checkpoint of each thread on or before ``day`` (if it has one)."""
        self._upkeep.require("checkpoints")
        db = self._db
        out: dict[str, Checkpoint] = {}
        for chunk in chunks(threads):
            sql = (
                f"SELECT {', '.join('c.' + c for c in _POINT_FIELDS)} "
                "FROM checkpoints c JOIN (SELECT thread, max(day) AS day FROM checkpoints "
                f"WHERE day <= {db.mark} AND thread IN ({db.marks(len(chunk))}) "
                "GROUP BY thread) l ON c.thread = l.thread AND c.day = l.day"
            )
            out.update((row[0], _point(row)) for row in db.rows(sql, (db.day(day), *chunk)))
        return out

    def last_checkpoints(self, threads: Iterable[str]) -> dict[str, Checkpoint]:
        """The latest checkpoint of each thread (if it has one)."""
        return self.checkpoints_on(threads, dt.date.max)

    def all_checkpoints(self) -> dict[str, list[Checkpoint]]:
        """Every checkpoint, by thread, in day order."""
        self._upkeep.require("checkpoints")
        out: dict[str, list[Checkpoint]] = {}
        sql = f"SELECT {', '.join(_POINT_FIELDS)} FROM checkpoints ORDER BY thread, day"
        for row in self._db.rows(sql):
            out.setdefault(row[0], []).append(_point(row))
        return out


class PlainReader:
    """The reads of an ``asof`` from the stored projections, in one transaction: the
    parts of the store a ``Snapshot`` can read (``log``, ``projections``, ``names``), in
    plain SQL."""

    def __init__(self, db: Driver) -> None:
        self._db = db
        self.upkeep = Upkeep(db)
        self.log = PlainLog(db)
        self.projections = PlainProjections(db, self.upkeep)
        self.names = PlainNames(db)

    def revision(self) -> str | None:
        """The schema revision the database is at (Alembic's record of it)."""
        rows = self._db.rows("SELECT version_num FROM alembic_version")
        return str(rows[0][0]) if rows else None


def _like(text: str) -> str:
    """A LIKE pattern (escape: backslash) for any text holding ``text``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"

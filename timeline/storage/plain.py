"""Reads in plain SQL, run by the database driver itself: the reads of an ``asof`` from
the stored projections (states, checkpoints and the records known after them, aliases,
scheduled events). ``Reader`` inherits them; ``snapshot.Snapshot`` serves them on a
connection of its own, so that a whole ``timeline asof`` command never loads
SQLAlchemy (importing it takes longer than the answer).

The SQL is portable; only the parameter mark differs (``?``: sqlite3, ``%s``: psycopg),
and SQLite holds days as ISO text where PostgreSQL has dates (``as_day``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson

from timeline.core.codec import format_recorded_at
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
from timeline.core.window import Spot, Tally, Unit
from timeline.storage.names import PlainNames
from timeline.storage.progress import Upkeep

__all__ = [
    "CHUNK",
    "FOLD_SQL",
    "SEQ",
    "THREAD",
    "Driver",
    "PlainLog",
    "PlainProjections",
    "PlainReader",
    "as_day",
    "chunks",
]

CHUNK = 400  # keys per IN (...) query: well under every backend's bind-parameter limit

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


def as_day(value: dt.date | str) -> dt.date:
    """A day as the driver gives it: a date, or ISO text on SQLite."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _spot(row: Sequence[Any]) -> Spot:
    thread, event_id, first, last, known, announced, kind = row
    return Spot(
        Key(thread, event_id),
        as_day(first),
        as_day(last),
        as_day(known),
        None if announced is None else as_day(announced),
        kind,
    )


def _spot_with_parts(row: Sequence[Any]) -> Spot:
    *where, actors, positions, status = row
    held = [(p[0], p[1]) for p in orjson.loads(positions)] if positions else []
    holders = frozenset(orjson.loads(actors)) | {h for h, _ in held}
    issues = frozenset(issue for _, issue in held)
    return _spot(where)._replace(holders=holders, issues=issues, status=status)


def chunks(keys: Iterable[Any]) -> Iterator[list[Any]]:
    """The sorted, distinct keys, CHUNK at a time: an ``IN (...)`` list short enough for
    every backend."""
    wanted = sorted(set(keys))
    for i in range(0, len(wanted), CHUNK):
        yield wanted[i : i + CHUNK]


class Driver:
    """A DB-API connection (inside the transaction of its user) and its SQL dialect."""

    def __init__(self, connection: Any, backend: str) -> None:
        self.connection = connection
        self.backend = backend
        self.mark = "%s" if backend == "postgresql" else "?"

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """All rows of one statement, as the driver's own tuples."""
        cursor = self.connection.cursor()
        try:
            if params:
                cursor.execute(sql, tuple(params))
            else:  # psycopg reads no placeholders in a statement without parameters
                cursor.execute(sql)
            rows: list[Any] = cursor.fetchall()
            return rows
        finally:
            cursor.close()

    def marks(self, n: int) -> str:
        return ", ".join([self.mark] * n)

    def day(self, value: dt.date) -> Any:
        """A day as a parameter: SQLite compares the ISO text it stores."""
        return value.isoformat() if self.backend == "sqlite" else value

    def of_threads(
        self,
        select: str,
        threads: Iterable[str],
        where: str = "",
        params: Sequence[Any] = (),
        tail: str = "",
    ) -> list[Any]:
        """The rows of ``SELECT select WHERE [where AND] thread IN (...) [tail]`` for
        every thread, a chunk of them at a time (``params``: those of ``where``; a
        ``tail`` such as GROUP BY thread sees one chunk)."""
        out: list[Any] = []
        for chunk in chunks(threads):
            cond = f"{where} AND " if where else ""
            sql = f"SELECT {select} WHERE {cond}thread IN ({self.marks(len(chunk))}){tail}"
            out += self.rows(sql, (*params, *chunk))
        return out

    def of_keys(self, columns: str, keys: Iterable[tuple[str, ...]]) -> list[Any]:
        """The rows (these columns) of the (thread, event_id) keys that exist."""
        wanted = sorted(set(keys))
        if not wanted:
            return []
        if self.backend == "postgresql":  # the keys as two arrays, joined on the index
            sql = (
                f"SELECT {columns} FROM events e JOIN "
                "unnest(%s::text[], %s::text[]) AS k(t, i) "
                "ON e.thread = k.t AND e.event_id = k.i"
            )
            return self.rows(sql, ([t for t, _ in wanted], [i for _, i in wanted]))
        # (thread = ? AND event_id = ?) OR ...: one index search per key (SQLite reads a
        # row-value IN by scanning the whole index)
        out: list[Any] = []
        for chunk in chunks(wanted):
            where = " OR ".join([f"(thread = {self.mark} AND event_id = {self.mark})"] * len(chunk))
            params = [v for key in chunk for v in key]
            out += self.rows(f"SELECT {columns} FROM events WHERE {where}", params)
        return out

    def known_between(
        self,
        select: str,
        ranges: Iterable[tuple[str, dt.date | None]],
        until: dt.date | None,
        tail: str = "",
    ) -> list[Any]:
        """The rows of ``SELECT select FROM events`` (then ``tail``) of the records of
        each thread known after its day (None: from the first) up to ``until`` (None: no
        end), one index range each: on PostgreSQL one query that joins the ranges, given
        as arrays, on the (thread, known) index; elsewhere ORs of ranges, 300 at a time."""
        items = sorted(ranges)
        if not items:
            return []
        if self.backend == "postgresql":
            sql = (
                f"SELECT {select} FROM events JOIN unnest(%s::text[], %s::date[]) AS k(t, a) "
                "ON thread = k.t AND (k.a IS NULL OR known > k.a)"
                + (" AND known <= %s" if until is not None else "")
            )
            arrays = ([t for t, _ in items], [a for _, a in items])  # None: from the first
            return self.rows(sql + tail, (*arrays, *(() if until is None else (until,))))
        out: list[Any] = []
        for i in range(0, len(items), 300):  # three parameters each
            terms, params = [], []
            for thread, after in items[i : i + 300]:
                term, values = [f"thread = {self.mark}"], [thread]
                if after is not None:
                    term.append(f"known > {self.mark}")
                    values.append(self.day(after))
                if until is not None:
                    term.append(f"known <= {self.mark}")
                    values.append(self.day(until))
                terms.append("(" + " AND ".join(term) + ")")
                params += values
            out += self.rows(
                f"SELECT {select} FROM events WHERE {' OR '.join(terms)}{tail}", params
            )
        return out


def _point(row: Sequence[Any]) -> Checkpoint:
    thread, day, state, horizon, max_seq, records = row
    parsed = None if state is None else state_from_json(state, "checkpoints")
    return Checkpoint(thread, as_day(day), parsed, as_day(horizon), max_seq, records)


class PlainLog:
    """The log's reads in plain SQL: records by key, by thread and known day, and what
    a replay needs to continue a thread from a checkpoint."""

    def __init__(self, db: Driver) -> None:
        self._db = db

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

    def spots(
        self,
        known_by: dt.date,
        since: dt.date,
        until: dt.date,
        threads: Sequence[str] | None = None,
        *,
        parts: bool = False,
    ) -> list[Spot]:
        """Where each event lies whose date (as recorded) overlaps [since, until] and
        that is known or announced by a day, of some threads (None: all): its days and
        type from the log's columns, no payload read; with ``parts``, also the names,
        issues and status a filter looks at. Corrections are not applied: the caller
        reads the views of amended events (``amended``) instead."""
        mark, db = self._db.mark, self._db
        select = "thread, event_id, date_first, date_last, known, announced, type"
        if parts:
            select += ", actors, positions, status"
        where = (
            f"kind = 'event' AND date_last >= {mark} AND date_first <= {mark} "
            f"AND (known <= {mark} OR announced <= {mark})"
        )
        day = db.day(known_by)
        params = (db.day(since), db.day(until), day, day)
        if threads is None:
            rows = db.rows(f"SELECT {select} FROM events WHERE {where}", params)
        else:
            rows = db.of_threads(f"{select} FROM events", threads, where, params)
        return [(_spot_with_parts if parts else _spot)(row) for row in rows]

    def spots_of(
        self, keys: Iterable[Key], known_by: dt.date, since: dt.date, until: dt.date
    ) -> list[Spot]:
        """``spots`` of some events (those a search found), with their parts."""
        select = (
            "thread, event_id, date_first, date_last, known, announced, type, actors, "
            "positions, status, kind"
        )
        found = []
        for row in self._db.of_keys(select, keys):
            spot = _spot_with_parts(row[:-1])
            public = spot.known <= known_by or (spot.announced and spot.announced <= known_by)
            if row[-1] == "event" and spot.last >= since and spot.first <= until and public:
                found.append(spot)
        return found

    def tallies(
        self,
        known_by: dt.date,
        since: dt.date,
        until: dt.date,
        unit: Unit,
        share: int,
        threads: Sequence[str] | None = None,
        types: Sequence[str] = (),
    ) -> list[Tally]:
        """The events ``spots`` would read (of ``types``, if any), but those a correction
        or retraction names, counted by the database as ``core.window.tally`` counts
        spots: by thread, unit, type and lateness, naming them when they are no more
        than ``share``."""
        mark, db = self._db.mark, self._db
        first = f"CASE WHEN date_first < {mark} THEN {mark} ELSE date_first END"
        if db.backend == "postgresql":
            months = (
                f"(EXTRACT(YEAR FROM {first})::int * 12 + EXTRACT(MONTH FROM {first})::int - 1)"
            )
            days = f"({first} - DATE '0001-01-01' + 1)"
        else:  # ISO text: 0001-01-01 is julian day 1721425.5
            months = (
                f"(CAST(substr({first}, 1, 4) AS INTEGER) * 12 "
                f"+ CAST(substr({first}, 6, 2) AS INTEGER) - 1)"
            )
            days = f"CAST(julianday({first}) - 1721424.5 AS INTEGER)"
        if unit.months:
            index, uses = f"{months} / {unit.months}", 4
        else:
            index, uses = (f"({days} - 1) / 7" if unit.weekly else days), 2
        late = "CASE WHEN announced IS NULL AND known > date_last THEN 1 ELSE 0 END"
        amended = (
            "EXISTS (SELECT 1 FROM events a WHERE a.thread = e.thread "
            "AND a.target = e.thread || '/' || e.event_id)"
        )
        where = (
            f"e.kind = 'event' AND e.date_last >= {mark} AND e.date_first <= {mark} "
            f"AND (e.known <= {mark} OR e.announced <= {mark}) AND NOT {amended}"
        )
        day, start = db.day(known_by), db.day(since)
        params: list[Any] = [start] * uses + [start, db.day(until), day, day]
        if types:
            where += f" AND e.type IN ({db.marks(len(types))})"
            params += types
        ids = (
            "string_agg(e.event_id, ',')"
            if db.backend == "postgresql"
            else "group_concat(e.event_id)"
        )
        select = (
            f"SELECT e.thread, {index} AS unit, e.type, {late} AS late, count(*), "
            f"CASE WHEN count(*) <= {int(share)} THEN {ids} END FROM events e"
        )
        group = " GROUP BY e.thread, unit, e.type, late"
        if threads is None:
            rows = db.rows(f"{select} WHERE {where}{group}", params)
        else:
            rows = []
            for chunk in chunks(threads):
                sql = f"{select} WHERE {where} AND e.thread IN ({db.marks(len(chunk))}){group}"
                rows += db.rows(sql, (*params, *chunk))
        # an id is a slug: never a comma
        return [
            Tally(t, int(u), ty, bool(la), n, tuple(sorted(ids.split(","))) if ids else ())
            for t, u, ty, la, n, ids in rows
        ]

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
        mark = self._db.mark
        where = [f"thread = {mark}"]
        params: list[Any] = [ALIASES]
        if recorded_before is not None:
            where.append(f"recorded_at <= {mark}")
            params.append(format_recorded_at(recorded_before))
        if through_seq is not None:
            where.append(f"seq <= {mark}")
            params.append(through_seq)
        sql = f"SELECT {_RECORD_SQL} FROM events WHERE {' AND '.join(where)} ORDER BY seq"
        return list(readable(record_from_values, self._db.rows(sql, params)))

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

"""EventStore: appends records and reads them back; rows never leave this module.

Writes happen in ``EventStore.writing()``, one transaction holding the write lock
from its first statement (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction
advisory lock), so the checks made inside it (is this id taken? does that ref
exist?) still hold when the rows are inserted, and ``seq``/``version`` can be
assigned as max + 1 without gaps.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    case,
    delete,
    func,
    insert,
    select,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from timeline.amend import describe as describe_amendment
from timeline.amend import entry_from_payload, entry_to_payload
from timeline.chain import ChainRow, record_hash
from timeline.codec import (
    PAYLOAD_SCHEMA,
    canonical,
    dumps,
    format_recorded_at,
    state_from_json,
    state_to_json,
)
from timeline.dates import parse_edtf
from timeline.db import BUSY_TIMEOUT_S, describe, error_reason
from timeline.errors import ConflictError, DatabaseError, InvalidEvent
from timeline.model import DEFAULT_STATUS, Entry, Event, Position, Record, ThreadState
from timeline.projector import Hidden
from timeline.schema import events, thread_states

__all__ = ["EventStore", "Writer", "select_records"]

_CHUNK = 400  # keys per IN (...) query: well under every backend's bind-parameter limit
# PostgreSQL advisory lock keys (class, object): the whole log (writers share it, rebuild,
# verify and restore take it alone), one per thread, and one for numbering rows. Advisory
# locks need no table privileges, so a role that may only append can take them.
_LOG_LOCK = (0x746B, 0)
_THREAD_LOCK = 0x746C
_SEQ_LOCK = (0x746D, 0)
_RECORD_COLUMNS = (
    events.c.seq,
    events.c.version,
    events.c.recorded_at,
    events.c.thread_title,
    events.c.kind,
    events.c.payload_schema,
    events.c.payload,
    events.c.prev_hash,
    events.c.hash,
)
# Only what the projector reads: replays skip reading the payloads of events (the
# columns hold what it needs); corrections and retractions come with theirs.
_FOLD_COLUMNS = (
    *_RECORD_COLUMNS[:6],
    case((events.c.kind == "event", None), else_=events.c.payload),
    *_RECORD_COLUMNS[7:],
    events.c.thread,
    events.c.event_id,
    events.c.date_text,
    type_coerce(events.c.known, String),
    events.c.known_given,
    events.c.type,
    events.c.title,
    events.c.actors,
    events.c.status,
    events.c.positions,
)
_INSERT_COLUMNS = (
    "seq",
    "thread",
    "event_id",
    "version",
    "kind",
    "target",
    "date_text",
    "date_first",
    "date_last",
    "known",
    "known_given",
    "type",
    "title",
    "actors",
    "status",
    "positions",
    "thread_title",
    "recorded_at",
    "payload_schema",
    "payload",
    "prev_hash",
    "hash",
)
# The columns copied from the payload, which verify checks against it.
_COPIED = (
    "thread",
    "event_id",
    "kind",
    "target",
    "date_text",
    "date_first",
    "date_last",
    "known",
    "known_given",
    "type",
    "title",
    "actors",
    "status",
    "positions",
)


def _record(row: Sequence[Any]) -> Record:
    seq, version, recorded_at, thread_title, kind, schema, payload, prev_hash, hash_ = row[:9]
    if schema != PAYLOAD_SCHEMA:  # no older schema exists yet; upcasters go here
        raise DatabaseError(
            f"record {seq} has payload schema {schema}, unknown to this version of timeline"
        )
    return Record(
        seq,
        version,
        dt.datetime.fromisoformat(recorded_at),
        entry_from_payload(json.loads(payload), kind),
        thread_title,
        hash_,
        prev_hash,
    )


def _day(value: Any) -> dt.date:
    # text on SQLite (type_coerce skips SQLAlchemy's per-row conversion), a date elsewhere
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _fold_record(row: Sequence[Any]) -> Record:
    """A record as the projector needs it: an event carries only the fields the projector
    reads (no summary, sources or refs). Use it for projection only."""
    if row[4] != "event":
        return _record(row)
    seq, version, recorded_at, thread_title, _kind, _schema, _payload, prev_hash, hash_ = row[:9]
    (thread, event_id, date_text, known, known_given, etype, title, actors, status, positions) = (
        row[9:]
    )
    event = Event(
        thread,
        event_id,
        parse_edtf(date_text),
        _day(known),
        etype,
        tuple(json.loads(actors)),
        title,
        status=status,
        positions=tuple(Position(*p) for p in json.loads(positions)) if positions else (),
        known_given=bool(known_given),
    )
    return Record(
        seq, version, dt.datetime.fromisoformat(recorded_at), event, thread_title, hash_, prev_hash
    )


def _copied(entry: Entry, day: Any) -> tuple[Any, ...]:
    """The query columns for an entry, in _COPIED order."""
    if isinstance(entry, Event):
        e = entry
        return (
            e.thread,
            e.id,
            "event",
            None,
            e.date.text,
            day(e.date.first),
            day(e.date.last),
            day(e.known),
            e.known_given,
            e.type,
            e.title,
            dumps(list(e.actors)),
            e.status,
            dumps([[p.actor, p.issue, p.stance] for p in e.positions]) if e.positions else None,
        )
    # A correction or retraction "happens" when it becomes known.
    known = entry.known
    return (
        entry.thread,
        entry.id,
        entry.kind,
        entry.target,
        known.isoformat(),
        day(known),
        day(known),
        day(known),
        entry.known_given,
        entry.kind,
        describe_amendment(entry),
        "[]",
        None,
        None,
    )


def _row(record: Record, day: Any, recorded_at: str, payload: str) -> tuple[Any, ...]:
    """The row for a record, in _INSERT_COLUMNS order; ``day`` renders dates for the driver."""
    c = _copied(record.entry, day)
    return (
        record.seq,
        c[0],
        c[1],
        record.version,
        *c[2:],
        record.thread_title,
        recorded_at,
        PAYLOAD_SCHEMA,
        payload,
        record.prev_hash,
        record.hash,
    )


def _insert(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """One executemany straight to the driver: SQLAlchemy's per-row bind processing would
    cost more than the insert itself. Plain portable SQL; only the placeholder differs."""
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if mark is None:  # pragma: no cover - no such driver in use; Core handles any paramstyle
        conn.execute(insert(events), [dict(zip(_INSERT_COLUMNS, r, strict=True)) for r in rows])
        return
    sql = (
        f"INSERT INTO events ({', '.join(_INSERT_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(_INSERT_COLUMNS))})"
    )
    conn.exec_driver_sql(sql, list(rows))


def _day_renderer(conn: Connection) -> Any:
    # SQLAlchemy's SQLite Date type stores ISO text; other drivers take date objects.
    return dt.date.isoformat if conn.dialect.name == "sqlite" else (lambda d: d)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class EventStore:
    """The log and its projection table in one database."""

    def __init__(self, engine: Engine, busy_timeout: float = BUSY_TIMEOUT_S) -> None:
        self.engine = engine
        self.name = describe(str(engine.url))
        self.busy_timeout = busy_timeout

    # ---- writing ----------------------------------------------------------------

    @contextmanager
    def writing(self, threads: Iterable[str] | None = None) -> Iterator[Writer]:
        """One write transaction: everything inside commits together or not at all.

        ``threads`` are the threads it will append to (None: the whole log, for rebuild,
        verify and restore). On SQLite, ``BEGIN IMMEDIATE`` makes it the only writer. On
        PostgreSQL, writers to different threads run side by side: each holds a lock per
        thread it appends to (taken in slug order, so two writers cannot deadlock), and
        only the final step — numbering the rows with ``seq`` and inserting them — runs
        under one lock, held until commit (see ``Writer.append``).
        """
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(timeline_write=True)
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        if threads is None:  # the whole log: every writer waits, readers go on
                            conn.execute(select(func.pg_advisory_xact_lock(*_LOG_LOCK)))
                        else:
                            conn.execute(select(func.pg_advisory_xact_lock_shared(*_LOG_LOCK)))
                        for thread in sorted(set(threads or ())):
                            conn.execute(
                                select(
                                    func.pg_advisory_xact_lock(_THREAD_LOCK, func.hashtext(thread))
                                )
                            )
                    yield Writer(conn)
        except OperationalError as e:
            raise self._error(e) from None
        except IntegrityError as e:
            raise ConflictError(f"the database refused the write: {error_reason(e)}") from None

    def _error(self, e: SQLAlchemyError) -> DatabaseError:
        reason = error_reason(e)
        if "locked" in reason or "busy" in reason:
            return DatabaseError(
                f"database {self.name} is busy: another process kept it locked for more "
                f"than {self.busy_timeout:g} s; try again"
            )
        return DatabaseError(f"database {self.name}: {reason}")

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except OperationalError as e:
            raise self._error(e) from None

    # ---- reading ----------------------------------------------------------------

    def count(self, recorded_before: dt.datetime | None = None) -> int:
        """Records in the log (those recorded by a time, if given)."""
        query = select(func.count()).select_from(events)
        if recorded_before is not None:
            query = query.where(events.c.recorded_at <= format_recorded_at(recorded_before))
        with self._reading() as conn:
            return conn.execute(query).scalar_one()

    def records(self, **filters: Any) -> list[Record]:
        """Records in seq order; see ``select_records`` for the filters."""
        with self._reading() as conn:
            return select_records(conn, **filters)

    def states(self, threads: Iterable[str] | None = None) -> dict[str, ThreadState]:
        """Stored current states (every event), by thread slug, sorted; threads that show
        no event have none."""
        with self._reading() as conn:
            return _load_states(conn, threads)

    def horizons(self, threads: Iterable[str] | None = None) -> dict[str, dt.date]:
        """Every thread in the log (or those asked for that exist), with the latest known
        day among its records."""
        with self._reading() as conn:
            return _horizons(conn, threads)


class Writer:
    """What may be done inside one write transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def find(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Record]:
        """Stored records for the given (thread, id) keys that exist."""
        wanted = set(keys)
        if len(wanted) > _CHUNK:
            # Many keys (an import): one index scan per thread chunk finds which exist,
            # so the full rows are read only for those.
            present: set[tuple[str, str]] = set()
            for chunk in _chunks(sorted({t for t, _ in wanted})):
                present.update(
                    (t, i)
                    for t, i in self._conn.execute(
                        select(events.c.thread, events.c.event_id).where(events.c.thread.in_(chunk))
                    )
                )
            wanted &= present
        out: dict[tuple[str, str], Record] = {}
        for chunk in _chunks(sorted(wanted)):
            rows = self._conn.execute(
                select(events.c.thread, events.c.event_id, *_RECORD_COLUMNS).where(
                    tuple_(events.c.thread, events.c.event_id).in_(chunk)
                )
            )
            for r in rows:
                out[(r[0], r[1])] = _record(r[2:])
        return out

    def chain_rows(self) -> Iterator[ChainRow]:
        return _chain_rows(self._conn)

    def amendments_of(self, targets: Iterable[str]) -> dict[str, list[Record]]:
        """Corrections and retractions of each target (thread/id), in seq order."""
        out: dict[str, list[Record]] = {}
        for chunk in _chunks(sorted(set(targets))):
            rows = self._conn.execute(
                select(events.c.target, *_RECORD_COLUMNS)
                .where(events.c.target.in_(chunk))
                .order_by(events.c.seq)
            )
            for r in rows:
                out.setdefault(r[0], []).append(_record(r[1:]))
        return out

    def append(
        self, items: Sequence[tuple[Entry, str | None]], recorded_at: dt.datetime
    ) -> list[Record]:
        """Append entries (each with an optional new thread title) in the given order,
        each linked into its thread's hash chain."""
        if not items:
            return []
        conn = self._conn
        heads = self._heads(sorted({e.thread for e, _ in items}))
        if conn.dialect.name == "postgresql":
            # Rows are numbered under one lock held until commit, so they commit in seq
            # order: a reader that has seen seq N never later finds a new row below N
            # (a SEQUENCE would hand out numbers that can commit out of order).
            conn.execute(select(func.pg_advisory_xact_lock(*_SEQ_LOCK)))
        seq = conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one()
        stamp = format_recorded_at(recorded_at)
        day = _day_renderer(conn)
        records: list[Record] = []
        rows: list[tuple[Any, ...]] = []
        for entry, thread_title in items:
            seq += 1
            version, prev = heads.get(entry.thread, (0, ""))
            payload = canonical(entry_to_payload(entry))
            digest = record_hash(entry.kind, payload, prev, stamp, thread_title)
            heads[entry.thread] = (version + 1, digest)
            record = Record(seq, version + 1, recorded_at, entry, thread_title, digest, prev)
            records.append(record)
            rows.append(_row(record, day, stamp, payload))
        _insert(conn, rows)
        return records

    def restore(self, records: Sequence[Record]) -> None:
        """Insert records exactly as they were (seq, version, recorded_at, hashes)."""
        day = _day_renderer(self._conn)
        _insert(
            self._conn,
            [
                _row(
                    r, day, format_recorded_at(r.recorded_at), canonical(entry_to_payload(r.entry))
                )
                for r in records
            ],
        )

    def count(self) -> int:
        return self._conn.execute(select(func.count()).select_from(events)).scalar_one()

    def _heads(self, threads: Sequence[str]) -> dict[str, tuple[int, str]]:
        """(version, hash) of the last record of each thread that has one."""
        heads: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(threads):
            last = (
                select(events.c.thread, func.max(events.c.version).label("version"))
                .where(events.c.thread.in_(chunk))
                .group_by(events.c.thread)
                .subquery()
            )
            rows = self._conn.execute(
                select(events.c.thread, events.c.version, events.c.hash).join(
                    last, (events.c.thread == last.c.thread) & (events.c.version == last.c.version)
                )
            )
            heads.update((t, (v, h)) for t, v, h in rows)
        return heads

    def states(self, threads: Iterable[str] | None = None) -> dict[str, ThreadState]:
        return _load_states(self._conn, threads)

    def horizons(self, threads: Iterable[str] | None = None) -> dict[str, dt.date]:
        return _horizons(self._conn, threads)

    def summary_mismatches(
        self, states: Mapping[str, ThreadState], hidden: Mapping[str, Hidden]
    ) -> dict[str, str]:
        """Threads whose summary columns in the projection table disagree with a replay
        (``states`` and ``hidden``), with the first column that does."""
        out: dict[str, str] = {}
        rows = self._conn.execute(
            select(
                thread_states.c.thread,
                thread_states.c.title,
                thread_states.c.status,
                thread_states.c.events,
                thread_states.c.horizon,
                thread_states.c.max_seq,
            )
        )
        for thread, title, status, count, horizon, max_seq in rows:
            s, h = states.get(thread), hidden.get(thread)
            if s is not None:
                want = (s.title, s.status, s.events, s.horizon, s.max_seq)
            elif h is not None:
                want = (h.title, DEFAULT_STATUS, 0, h.horizon, h.max_seq)
            else:
                continue  # a thread the log does not have: reported elsewhere
            names = ("title", "status", "events", "horizon", "max_seq")
            for name, got, expected in zip(
                names, (title, status, count, horizon, max_seq), want, strict=True
            ):
                if got != expected:
                    out[thread] = name
                    break
        return out

    def records(self, **filters: Any) -> list[Record]:
        return select_records(self._conn, **filters)

    def iter_records_for_projection(self, batch: int = 5000) -> Iterator[Record]:
        """Every record in seq order, streamed in batches, as the projector needs them."""
        # on the statement, not the connection: Connection.execution_options() would
        # change the connection itself, and stream every later statement too
        result = self._conn.execute(
            select(*_FOLD_COLUMNS).order_by(events.c.seq).execution_options(yield_per=batch)
        )
        for row in result:
            yield _fold_record(row)

    def save_states(
        self, states: dict[str, ThreadState], hidden: Mapping[str, Hidden] | None = None
    ) -> None:
        """Write projected states (insert new threads, update the others). A thread that
        shows no event keeps a row (no state), so it is still known and replayed."""
        hidden = hidden or {}
        existing = set(_existing_threads(self._conn, [*states, *hidden]))
        rows = [
            {
                "thread": s.thread,
                "title": s.title,
                "status": s.status,
                "events": s.events,
                "horizon": s.horizon,
                "max_seq": s.max_seq,
                "state": state_to_json(s),
            }
            for s in states.values()
        ]
        rows += [
            {
                "thread": h.thread,
                "title": h.title,
                "status": DEFAULT_STATUS,
                "events": 0,
                "horizon": h.horizon,
                "max_seq": h.max_seq,
                "state": "",
            }
            for h in hidden.values()
        ]
        new = [r for r in rows if r["thread"] not in existing]
        old = [r for r in rows if r["thread"] in existing]
        if new:
            self._conn.execute(insert(thread_states), new)
        for r in old:
            self._conn.execute(
                update(thread_states).where(thread_states.c.thread == r["thread"]).values(**r)
            )

    def clear_states(self) -> None:
        self._conn.execute(delete(thread_states))


def select_records(
    conn: Connection,
    *,
    threads: Iterable[str] | None = None,
    known_by: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    with_titles: bool = False,
    for_projection: bool = False,
    recorded_before: dt.datetime | None = None,
) -> list[Record]:
    """Records in seq order: of some threads, known by a day, overlapping [since, until].

    ``with_titles`` also returns not-yet-known records that name their thread,
    so the projector can label a thread with its latest title.
    ``for_projection`` returns lighter records, enough for the projector only.
    ``recorded_before`` keeps records this database had at that time (recorded_at <= it).
    Filters on dates apply to events; corrections and retractions always come along
    (their effect depends on the view, which the caller resolves).
    """
    columns, make = (_FOLD_COLUMNS, _fold_record) if for_projection else (_RECORD_COLUMNS, _record)
    query = select(*columns).order_by(events.c.seq)
    # A correction in effect may move an event's dates: the date filters keep every
    # corrected event (and every amendment); resolution and the caller filter again.
    keep = events.c.kind != "event"
    if known_by is not None or since is not None or until is not None:
        corrected = select(events.c.target).where(events.c.kind == "correction")
        if threads is not None:
            corrected = corrected.where(events.c.thread.in_(sorted(set(threads))))
        targets = sorted({tuple(t.split("/", 1)) for t in conn.execute(corrected).scalars()})
        if len(targets) > _CHUNK:  # many: let the database match them
            keep = keep | (events.c.thread + "/" + events.c.event_id).in_(corrected)
        elif targets:
            keep = keep | tuple_(events.c.thread, events.c.event_id).in_(targets)
    if known_by is not None:
        cond = (events.c.known <= known_by) | keep
        if with_titles:
            cond = cond | events.c.thread_title.is_not(None)
        query = query.where(cond)
    if since is not None:
        query = query.where((events.c.date_last >= since) | keep)
    if until is not None:
        query = query.where((events.c.date_first <= until) | keep)
    if recorded_before is not None:
        query = query.where(events.c.recorded_at <= format_recorded_at(recorded_before))
    if threads is None:
        return [make(r) for r in conn.execute(query)]
    out: list[Record] = []
    for chunk in _chunks(sorted(set(threads))):
        out.extend(make(r) for r in conn.execute(query.where(events.c.thread.in_(chunk))))
    out.sort(key=lambda r: r.seq)
    return out


def _chain_rows(conn: Connection) -> Iterator[ChainRow]:
    """Every row as verify sees it, with the first copied column (if any) that disagrees
    with what its payload says it should hold."""
    cols = [events.c[c] for c in _COPIED]
    query = select(
        events.c.seq,
        events.c.version,
        events.c.recorded_at,
        events.c.thread_title,
        events.c.payload,
        events.c.prev_hash,
        events.c.hash,
        events.c.payload_schema,
        *cols,
    ).order_by(events.c.seq)
    for row in conn.execute(query):
        seq, version, recorded_at, thread_title, payload, prev_hash, hash_ = row[:7]
        stored = dict(zip(_COPIED, row[8:], strict=True))
        mismatch = None if row[7] == PAYLOAD_SCHEMA else "payload_schema"
        try:
            p = json.loads(payload)
            expected = _copied(entry_from_payload(p, stored["kind"]), lambda d: d)
        except (ValueError, KeyError, TypeError, InvalidEvent):
            mismatch = "payload"
        else:
            for name, want in zip(_COPIED, expected, strict=True):
                if mismatch is None and stored[name] != want:
                    mismatch = name
        yield ChainRow(
            seq,
            stored["thread"],
            stored["event_id"],
            version,
            stored["kind"],
            recorded_at,
            thread_title,
            payload,
            prev_hash,
            hash_,
            mismatch,
        )


def _existing_threads(conn: Connection, threads: Iterable[str]) -> list[str]:
    out: list[str] = []
    for chunk in _chunks(sorted(threads)):
        out.extend(
            conn.execute(
                select(thread_states.c.thread).where(thread_states.c.thread.in_(chunk))
            ).scalars()
        )
    return out


def _horizons(conn: Connection, threads: Iterable[str] | None) -> dict[str, dt.date]:
    query = select(thread_states.c.thread, thread_states.c.horizon)
    if threads is None:
        return {t: h for t, h in conn.execute(query)}
    out: dict[str, dt.date] = {}
    for chunk in _chunks(sorted(set(threads))):
        out.update((t, h) for t, h in conn.execute(query.where(thread_states.c.thread.in_(chunk))))
    return out


def _load_states(conn: Connection, threads: Iterable[str] | None) -> dict[str, ThreadState]:
    query = (
        select(thread_states.c.state)
        .where(thread_states.c.events > 0)
        .order_by(thread_states.c.thread)
    )
    if threads is None:
        return {s.thread: s for s in map(state_from_json, conn.execute(query).scalars())}
    out: dict[str, ThreadState] = {}
    for chunk in _chunks(sorted(set(threads))):
        for stored in conn.execute(query.where(thread_states.c.thread.in_(chunk))).scalars():
            s = state_from_json(stored)
            out[s.thread] = s
    return dict(sorted(out.items()))

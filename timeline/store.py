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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, String, delete, func, insert, select, tuple_, type_coerce, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from timeline.codec import (
    PAYLOAD_SCHEMA,
    dumps,
    event_from_payload,
    event_to_payload,
    format_recorded_at,
    state_from_json,
    state_to_json,
)
from timeline.dates import parse_edtf
from timeline.db import BUSY_TIMEOUT_S, describe, error_reason
from timeline.errors import ConflictError, DatabaseError
from timeline.model import Event, Position, Record, ThreadState
from timeline.schema import events, thread_states

__all__ = ["EventStore", "Writer", "select_records"]

_CHUNK = 400  # keys per IN (...) query: well under every backend's bind-parameter limit
_RECORD_COLUMNS = (events.c.seq, events.c.version, events.c.recorded_at,
                   events.c.thread_title, events.c.payload_schema, events.c.payload)
# Only what the projector reads: replays skip decoding the full payloads.
_FOLD_COLUMNS = (events.c.seq, events.c.version, events.c.recorded_at, events.c.thread_title,
                 events.c.thread, events.c.event_id, events.c.date_text,
                 type_coerce(events.c.known, String), events.c.type, events.c.title,
                 events.c.actors, events.c.status, events.c.positions)
_INSERT_COLUMNS = ("seq", "thread", "event_id", "version", "kind", "date_text", "date_first",
                   "date_last", "known", "type", "title", "actors", "status", "positions",
                   "thread_title", "recorded_at", "payload_schema", "payload")


def _record(row: Sequence[Any]) -> Record:
    seq, version, recorded_at, thread_title, schema, payload = row
    return Record(seq, version, dt.datetime.fromisoformat(recorded_at),
                  event_from_payload(json.loads(payload), schema), thread_title)


def _day(value: Any) -> dt.date:
    # text on SQLite (type_coerce skips SQLAlchemy's per-row conversion), a date elsewhere
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _fold_record(row: Sequence[Any]) -> Record:
    """A record whose event carries only what the projector reads.

    Its summary, sources and refs are left empty: use it for projection only.
    """
    (seq, version, recorded_at, thread_title, thread, event_id, date_text, known, etype,
     title, actors, status, positions) = row
    event = Event(thread, event_id, parse_edtf(date_text), _day(known), etype,
                  tuple(json.loads(actors)), title, status=status,
                  positions=tuple(Position(*p) for p in json.loads(positions))
                  if positions else ())
    return Record(seq, version, dt.datetime.fromisoformat(recorded_at), event, thread_title)


def _row(record: Record, day: Any, recorded_at: str) -> tuple[Any, ...]:
    """The row for a record, in _INSERT_COLUMNS order; ``day`` renders dates for the driver."""
    e = record.event
    return (
        record.seq, e.thread, e.id, record.version, "event", e.date.text, day(e.date.first),
        day(e.date.last), day(e.known), e.type, e.title, dumps(list(e.actors)), e.status,
        dumps([[p.actor, p.issue, p.stance] for p in e.positions]) if e.positions else None,
        record.thread_title, recorded_at, PAYLOAD_SCHEMA,
        dumps(event_to_payload(e)),
    )


def _insert(conn: Connection, records: Sequence[Record], recorded_at: dt.datetime) -> None:
    """One executemany straight to the driver: SQLAlchemy's per-row bind processing would
    cost more than the insert itself. Plain portable SQL; only the placeholder differs."""
    dialect = conn.dialect
    stamp = format_recorded_at(recorded_at)
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if mark is None:  # pragma: no cover - no such driver in use; Core handles any paramstyle
        rows = [dict(zip(_INSERT_COLUMNS, _row(r, lambda d: d, stamp), strict=True))
                for r in records]
        conn.execute(insert(events), rows)
        return
    # SQLAlchemy's SQLite Date type stores ISO text; other drivers take date objects.
    day = dt.date.isoformat if dialect.name == "sqlite" else (lambda d: d)
    sql = (f"INSERT INTO events ({', '.join(_INSERT_COLUMNS)}) "
           f"VALUES ({', '.join([mark] * len(_INSERT_COLUMNS))})")
    conn.exec_driver_sql(sql, [_row(r, day, stamp) for r in records])


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class EventStore:
    """The log and its projection table in one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = describe(str(engine.url))

    # ---- writing ----------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Writer]:
        """One write transaction: everything inside commits together or not at all."""
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(timeline_write=True)
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        # One writer at a time keeps seq gap-free and in commit order.
                        conn.execute(select(func.pg_advisory_xact_lock(0x74696D65)))
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
                f"than {BUSY_TIMEOUT_S:g} s; try again")
        return DatabaseError(f"database {self.name}: {reason}")

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except OperationalError as e:
            raise self._error(e) from None

    # ---- reading ----------------------------------------------------------------

    def count(self) -> int:
        with self._reading() as conn:
            return conn.execute(select(func.count()).select_from(events)).scalar_one()

    def records(self, **filters: Any) -> list[Record]:
        """Records in seq order; see ``select_records`` for the filters."""
        with self._reading() as conn:
            return select_records(conn, **filters)

    def states(self, threads: Iterable[str] | None = None) -> dict[str, ThreadState]:
        """Stored current states (every event), by thread slug, sorted."""
        with self._reading() as conn:
            return _load_states(conn, threads)


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
                present.update((t, i) for t, i in self._conn.execute(
                    select(events.c.thread, events.c.event_id)
                    .where(events.c.thread.in_(chunk))))
            wanted &= present
        out: dict[tuple[str, str], Record] = {}
        for chunk in _chunks(sorted(wanted)):
            rows = self._conn.execute(
                select(events.c.thread, events.c.event_id, *_RECORD_COLUMNS)
                .where(tuple_(events.c.thread, events.c.event_id).in_(chunk)))
            for r in rows:
                out[(r[0], r[1])] = _record(r[2:])
        return out

    def append(self, items: Sequence[tuple[Event, str | None]],
               recorded_at: dt.datetime) -> list[Record]:
        """Append events (each with an optional new thread title) in the given order."""
        if not items:
            return []
        conn = self._conn
        seq = conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one()
        threads = sorted({e.thread for e, _ in items})
        version: dict[str, int] = {}
        for chunk in _chunks(threads):
            version.update(conn.execute(
                select(events.c.thread, func.max(events.c.version))
                .where(events.c.thread.in_(chunk)).group_by(events.c.thread)).all())
        records: list[Record] = []
        for event, thread_title in items:
            seq += 1
            v = version[event.thread] = version.get(event.thread, 0) + 1
            records.append(Record(seq, v, recorded_at, event, thread_title))
        _insert(conn, records, recorded_at)
        return records

    def states(self, threads: Iterable[str] | None = None) -> dict[str, ThreadState]:
        return _load_states(self._conn, threads)

    def records(self, **filters: Any) -> list[Record]:
        return select_records(self._conn, **filters)

    def iter_records_for_projection(self, batch: int = 5000) -> Iterator[Record]:
        """Every record in seq order, streamed in batches, as the projector needs them."""
        result = self._conn.execution_options(yield_per=batch).execute(
            select(*_FOLD_COLUMNS).order_by(events.c.seq))
        for row in result:
            yield _fold_record(row)

    def save_states(self, states: dict[str, ThreadState]) -> None:
        """Write projected states (insert new threads, update the others)."""
        existing = set(_existing_threads(self._conn, states))
        rows = [{
            "thread": s.thread, "title": s.title, "status": s.status, "events": s.events,
            "last_known": dt.date.fromisoformat(s.last.known), "max_seq": s.max_seq,
            "state": state_to_json(s),
        } for s in states.values()]
        new = [r for r in rows if r["thread"] not in existing]
        old = [r for r in rows if r["thread"] in existing]
        if new:
            self._conn.execute(insert(thread_states), new)
        for r in old:
            self._conn.execute(update(thread_states)
                               .where(thread_states.c.thread == r["thread"]).values(**r))

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
) -> list[Record]:
    """Records in seq order: of some threads, known by a day, overlapping [since, until].

    ``with_titles`` also returns not-yet-known records that name their thread,
    so the projector can label a thread with its latest title.
    ``for_projection`` returns lighter records, enough for the projector only.
    """
    columns, make = (_FOLD_COLUMNS, _fold_record) if for_projection else (
        _RECORD_COLUMNS, _record)
    query = select(*columns).order_by(events.c.seq)
    if known_by is not None:
        cond = events.c.known <= known_by
        if with_titles:
            cond = cond | events.c.thread_title.is_not(None)
        query = query.where(cond)
    if since is not None:
        query = query.where(events.c.date_last >= since)
    if until is not None:
        query = query.where(events.c.date_first <= until)
    if threads is None:
        return [make(r) for r in conn.execute(query)]
    out: list[Record] = []
    for chunk in _chunks(sorted(set(threads))):
        out.extend(make(r) for r in conn.execute(query.where(events.c.thread.in_(chunk))))
    out.sort(key=lambda r: r.seq)
    return out


def _existing_threads(conn: Connection, threads: Iterable[str]) -> list[str]:
    out: list[str] = []
    for chunk in _chunks(sorted(threads)):
        out.extend(conn.execute(select(thread_states.c.thread)
                                .where(thread_states.c.thread.in_(chunk))).scalars())
    return out


def _load_states(conn: Connection, threads: Iterable[str] | None) -> dict[str, ThreadState]:
    query = select(thread_states.c.state).order_by(thread_states.c.thread)
    if threads is None:
        return {s.thread: s for s in map(state_from_json, conn.execute(query).scalars())}
    out: dict[str, ThreadState] = {}
    for chunk in _chunks(sorted(set(threads))):
        for text in conn.execute(query.where(thread_states.c.thread.in_(chunk))).scalars():
            s = state_from_json(text)
            out[s.thread] = s
    return dict(sorted(out.items()))

"""Writer: appends records and keeps the projections, inside one write transaction, by
part of the store as ``Reader`` reads them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from timeline.core.chain import clock_ahead, record_hash
from timeline.core.codec import format_recorded_at
from timeline.core.errors import DatabaseError
from timeline.core.mapper import ROW_FIELDS, canonical_payload, row_values
from timeline.core.model import DEFAULT_STATUS, Checkpoint, Entry, Hidden, Record, ThreadState
from timeline.core.stateform import state_to_json
from timeline.storage._columns import in_chunks
from timeline.storage.driver import Driver
from timeline.storage.progress import Upkeep
from timeline.storage.reader import LogReader, ProjectionReader, Reader
from timeline.storage.schema import checkpoints, events, progress, thread_states
from timeline.storage.search import SearchWriter
from timeline.storage.tree import TreeWriter

__all__ = ["LOG_LOCK", "THREAD_LOCK", "LogWriter", "ProjectionWriter", "Writer"]

# PostgreSQL advisory lock keys (class, object): the whole log (writers share it, rebuild,
# verify and restore take it alone), one per thread, and one for numbering rows. Advisory
# locks need no table privileges, so a role that may only append can take them.
LOG_LOCK = (0x746B, 0)
THREAD_LOCK = 0x746C
_SEQ_LOCK = (0x746D, 0)
_C = checkpoints.c
_HASH_AT = ROW_FIELDS.index("hash")
_COPY_FROM = 500  # rows from which a PostgreSQL insert goes by COPY
_DATES_AT = [i for i, name in enumerate(ROW_FIELDS) if events.c[name].type.python_type is dt.date]


def _as_text(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """SQLAlchemy's SQLite Date type stores ISO text: so does a row sent straight."""
    out = list(values)
    for i in _DATES_AT:
        day = out[i]
        if day is not None:
            out[i] = day.isoformat()
    return tuple(out)


class LogWriter(LogReader):
    """Appends to the log: each record linked into its thread's hash chain and numbered."""

    def __init__(self, conn: Connection, db: Driver, upkeep: Upkeep) -> None:
        super().__init__(conn, db, upkeep)
        self._upkeep = upkeep
        self.tree: TreeWriter = TreeWriter(conn, db, upkeep)  # in step with every insert
        # What append learns of the log once per transaction, which holds the locks
        # that keep it true: each thread's (version, last hash), and the last seq.
        self._heads: dict[str, tuple[int, str]] = {}
        self._last: tuple[int, str | None] | None = None
        self.inserted_through: int | None = None  # the last seq this transaction inserted

    def append(
        self,
        items: Sequence[tuple[Entry, str | None]],
        recorded_at: dt.datetime,
        recorded_by: str | None = None,
    ) -> list[Record]:
        """Append entries (each with an optional new thread title) in the given order,
        each linked into its thread's hash chain, recorded at ``recorded_at`` or, if the
        log's last record is later, at that record's time (``recorded_by``: the name of
        the token they came with)."""
        if not items:
            return []
        self._upkeep.require_all()  # every projection is kept in step with the log
        heads = self._heads
        heads.update(self._read_heads({e.thread for e, _ in items} - set(heads)))
        seq, last = self._last_record()
        stamp = format_recorded_at(recorded_at)
        if last is not None and stamp < last:
            # recorded_at never goes back along seq (a clock set back a little, a
            # TIMELINE_NOW in the past): --recorded-before then never shows a state that
            # never existed. Far ahead, the stamp is refused rather than taken for good.
            ahead = clock_ahead(last, recorded_at)
            if ahead is not None:
                raise DatabaseError(
                    f"the log's last record (seq {seq}): {ahead}: a clock ahead, or a "
                    "backup from one; this write is refused rather than stamped the same"
                )
            stamp, recorded_at = last, dt.datetime.fromisoformat(last)
        records: list[Record] = []
        rows: list[tuple[Any, ...]] = []
        for entry, thread_title in items:
            seq += 1
            version, prev = heads.get(entry.thread, (0, ""))
            payload = canonical_payload(entry)
            digest = record_hash(entry.kind, payload, prev, stamp, thread_title, recorded_by)
            heads[entry.thread] = (version + 1, digest)
            record = Record(
                seq, version + 1, recorded_at, entry, thread_title, digest, prev, recorded_by
            )
            records.append(record)
            rows.append(row_values(record, stamp, payload))
        self._insert(rows)
        self._last = (seq, stamp)
        return records

    def _last_record(self) -> tuple[int, str | None]:
        """The seq and recorded_at of the log's last record (0, None: empty)."""
        if self._last is None:
            conn = self._conn
            if conn.dialect.name == "postgresql":
                # Rows are numbered under one lock held until commit, so they commit in
                # seq order: a reader that has seen seq N never later finds a new row
                # below N (a SEQUENCE would hand out numbers that commit out of order).
                conn.execute(select(func.pg_advisory_xact_lock(*_SEQ_LOCK)))
            seq = conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one()
            query = select(events.c.recorded_at).where(events.c.seq == seq)
            self._last = (seq, conn.execute(query).scalar())
        return self._last

    def bulk(self) -> None:
        """This transaction will append many rows and read by key while it does: on
        PostgreSQL, plan by the indexes. Its statistics still describe the table as it
        was before (perhaps empty), and a plan for that (a sequential scan for each
        batch's lookups) grows with every row the transaction adds."""
        if self._conn.dialect.name == "postgresql":
            self._conn.exec_driver_sql("SET LOCAL enable_seqscan = off")

    def restore(self, records: Sequence[Record]) -> None:
        """Insert records exactly as they were (seq, version, recorded_at, hashes)."""
        self._heads, self._last = {}, None  # read again by a later append
        self._insert(
            [
                row_values(r, format_recorded_at(r.recorded_at), canonical_payload(r.entry))
                for r in records
            ]
        )

    def _insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows in seq order, and extend the Merkle tree with them: every way a
        record enters the log (append, restore) comes through here."""
        if not rows:
            return
        self._insert_rows(rows)
        self.tree.extend([(row[0], row[_HASH_AT]) for row in rows])
        self.inserted_through = rows[-1][0]

    def _insert_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """One executemany straight to the driver: SQLAlchemy's per-row bind processing
        would cost more than the insert itself. Plain portable SQL; only the placeholder
        differs. SQLAlchemy's SQLite Date type stores ISO text; other drivers take dates.
        Many rows on PostgreSQL go in by COPY, its bulk path."""
        conn = self._conn
        if conn.dialect.name == "postgresql" and len(rows) >= _COPY_FROM:
            self._copy(rows)
            return
        mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
        if mark is None:  # pragma: no cover - no such driver in use; Core handles any paramstyle
            conn.execute(insert(events), [dict(zip(ROW_FIELDS, r, strict=True)) for r in rows])
            return
        sql = (
            f"INSERT INTO events ({', '.join(ROW_FIELDS)}) "
            f"VALUES ({', '.join([mark] * len(ROW_FIELDS))})"
        )
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(sql, [_as_text(r) for r in rows])
        else:
            conn.exec_driver_sql(sql, list(rows))

    def _copy(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """COPY ... FROM STDIN through psycopg, in this transaction."""
        driver = self._conn.connection.driver_connection
        if driver is None:  # a live connection inside a transaction: never expected
            raise RuntimeError("COPY needs the transaction's driver connection")
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY events ({', '.join(ROW_FIELDS)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def version(self, thread: str) -> int:
        """The thread's version: its number of records (0: none yet), under the lock that
        keeps it so until this transaction ends."""
        if thread not in self._heads:
            self._heads.update(self._read_heads({thread}))
        return self._heads.get(thread, (0, ""))[0]

    def _read_heads(self, threads: set[str]) -> dict[str, tuple[int, str]]:
        """(version, hash) of the last record of each thread that has one."""

        def query_for(chunk: list[str]) -> Select[Any]:
            last = (
                select(events.c.thread, func.max(events.c.version).label("version"))
                .where(events.c.thread.in_(chunk))
                .group_by(events.c.thread)
                .subquery()
            )
            on = (events.c.thread == last.c.thread) & (events.c.version == last.c.version)
            return select(events.c.thread, events.c.version, events.c.hash).join(last, on)

        return {r.thread: (r.version, r.hash) for r in in_chunks(self._conn, threads, query_for)}


class ProjectionWriter(ProjectionReader):
    """Keeps the projections: the thread states and the checkpoints."""

    def save_states(
        self, states: Mapping[str, ThreadState], hidden: Mapping[str, Hidden] | None = None
    ) -> None:
        """Write projected states (insert new threads, update the others). A thread that
        shows no event keeps a row (no state), so it is still known and replayed."""
        rows: list[dict[str, Any]] = [
            {
                "thread": s.thread,
                "title": s.title,
                "title_seq": s.title_seq,
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
                "title_seq": h.title_seq,
                "status": DEFAULT_STATUS,
                "events": 0,
                "horizon": h.horizon,
                "max_seq": h.max_seq,
                "state": "",
            }
            for h in (hidden or {}).values()
        ]
        # the rows already there, whatever the state of the projection (a rebuild
        # writes them while no read may use it)
        existing = {
            t
            for (t,) in self._db.of_threads(
                "thread FROM thread_states", [r["thread"] for r in rows]
            )
        }
        new = [r for r in rows if r["thread"] not in existing]
        if new:
            self._conn.execute(insert(thread_states), new)
        for r in rows:
            if r["thread"] in existing:
                self._conn.execute(
                    update(thread_states).where(thread_states.c.thread == r["thread"]).values(**r)
                )

    def clear_states(self) -> None:
        self._conn.execute(delete(thread_states))

    def save_checkpoints(self, points: Iterable[Checkpoint]) -> None:
        rows = [
            {
                "thread": p.thread,
                "day": p.day,
                "state": None if p.state is None else state_to_json(p.state),
                "horizon": p.horizon,
                "max_seq": p.max_seq,
                "records": p.records,
            }
            for p in points
        ]
        if rows:
            self._conn.execute(insert(checkpoints), rows)

    def drop_checkpoints(self, cuts: Mapping[str, dt.date]) -> None:
        """Remove each thread's checkpoints on or after its day."""
        for thread, day in sorted(cuts.items()):
            self._conn.execute(delete(checkpoints).where(_C.thread == thread, _C.day >= day))

    def clear_checkpoints(self) -> None:
        self._conn.execute(delete(checkpoints))


class Writer(Reader):
    """What may be done inside one write transaction: every read, and each part's writes."""

    log: LogWriter
    projections: ProjectionWriter
    search: SearchWriter
    _parts = (LogWriter, ProjectionWriter, SearchWriter)

    def mark_stale(self, found: Mapping[str, str | None]) -> None:
        """Mark each projection with what ``verify`` found wrong with it (None: nothing,
        any mark cleared), so that a plain ``rebuild`` replays what is wrong; in a
        savepoint: a role that may not write the progress leaves it unmarked (the
        findings say it all the same)."""
        for name, why in sorted(found.items()):
            try:
                with self._conn.begin_nested():
                    self._conn.execute(
                        update(progress)
                        .where(progress.c.name == name)
                        .values(stale=None if why is None else why[:500])
                    )
            except SQLAlchemyError:
                return

    def settle(self) -> None:
        """Before commit: the projections, kept in step with every record this
        transaction inserted, have folded the log through the last of them."""
        if self.log.inserted_through is not None:
            self.upkeep.advanced(self.log.inserted_through)

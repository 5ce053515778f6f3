"""Reader: every read inside one transaction, by part of the store — the log, the
projections (thread states, checkpoints), the search index, the names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Select, func, select

from timeline.core.chain import ChainRow
from timeline.core.mapper import (
    COPIED,
    chain_row,
    fold_record_from_values,
    readable,
    record_from_values,
)
from timeline.core.model import (
    DEFAULT_STATUS,
    TOKENS,
    FoldRecord,
    Hidden,
    Record,
    ThreadState,
)
from timeline.storage._columns import FOLD_COLUMNS, RECORD_COLUMNS, in_chunks, where_in
from timeline.storage.driver import Driver
from timeline.storage.names import PlainNames
from timeline.storage.plain import PlainLog, PlainProjections, PlainReader
from timeline.storage.progress import Upkeep
from timeline.storage.schema import events, thread_states
from timeline.storage.search import SearchReader
from timeline.storage.tree import TreeReader

__all__ = ["LogReader", "ProjectionReader", "Reader"]

T = TypeVar("T")


class LogReader(PlainLog):
    """Every read of the log (the plain ones too)."""

    def __init__(self, conn: Connection, db: Driver, upkeep: Upkeep) -> None:
        super().__init__(db)
        self._conn = conn
        self.tree = TreeReader(db, upkeep)

    def leaves(self, batch: int = 5000) -> Iterator[tuple[int, str]]:
        """(seq, hash) of every record in seq order, streamed: the Merkle tree's leaves."""
        query = select(events.c.seq, events.c.hash).order_by(events.c.seq)
        for row in self._conn.execute(query.execution_options(yield_per=batch)):
            yield row.seq, row.hash

    def _rows(
        self,
        query: Select[Any],
        threads: Iterable[str] | None,
        column: ColumnElement[Any] = events.c.thread,
    ) -> Iterator[Any]:
        """All rows of ``query``, or those of some threads (``column IN threads``)."""
        if threads is None:
            return iter(self._conn.execute(query))
        return in_chunks(self._conn, threads, where_in(query, column))

    def records_after(self, after: int, threads: Iterable[str] | None, limit: int) -> list[Record]:
        """The first ``limit`` whole records with seq > ``after`` (of ``threads``, all if
        None), in seq order: a page of the log, read by the primary key."""
        threads = None if threads is None else sorted(set(threads))
        query = select(*RECORD_COLUMNS).where(events.c.seq > after)
        # each chunk of threads is limited on its own; the merge keeps the first ``limit``
        rows = self._rows(query.order_by(events.c.seq).limit(limit), threads)
        page = sorted(rows, key=lambda r: r.seq)[:limit]
        return list(readable(record_from_values, page))

    def iter_records(self, batch: int = 5000) -> Iterator[Record]:
        """Every whole record in seq order, streamed in batches (a backup of any size)."""
        query = select(*RECORD_COLUMNS).order_by(events.c.seq).execution_options(yield_per=batch)
        yield from readable(record_from_values, self._conn.execute(query))

    def iter_fold_records(self, batch: int = 5000) -> Iterator[FoldRecord]:
        """Every record in seq order, streamed in batches, as the projector needs them."""
        # on the statement, not the connection: Connection.execution_options() would
        # change the connection itself, and stream every later statement too
        query = select(*FOLD_COLUMNS).order_by(events.c.seq).execution_options(yield_per=batch)
        yield from readable(fold_record_from_values, self._conn.execute(query))

    def thread_amendments(self, threads: Iterable[str]) -> list[Record]:
        """Every correction and retraction of some threads, in seq order (by the index
        on each thread's amendments)."""
        query = select(*RECORD_COLUMNS).where(events.c.target.is_not(None))
        rows = in_chunks(self._conn, threads, where_in(query, events.c.thread))
        return list(readable(record_from_values, sorted(rows, key=lambda r: r.seq)))

    def chain_rows(self) -> Iterator[ChainRow]:
        """Every row as verify sees it (see ``mapper.chain_row``), in seq order."""
        columns = {c.name: c for c in (*RECORD_COLUMNS, *(events.c[n] for n in COPIED))}
        query = select(*columns.values()).order_by(events.c.seq)
        for row in self._conn.execute(query):
            yield chain_row(row._mapping)

    def thread_hashes(self) -> Iterator[tuple[str, str]]:
        """(thread, hash) of every record in seq order: what the log digest is made of."""
        query = select(events.c.thread, events.c.hash).order_by(events.c.seq)
        for row in self._conn.execute(query):
            yield row.thread, row.hash

    def token_records(self) -> list[Record]:
        """The ``Token`` records: grants and revocations, in seq order."""
        return self.records([TOKENS])


class ProjectionReader(PlainProjections):
    """Every read of the projections: the thread states and the checkpoints."""

    def __init__(self, conn: Connection, db: Driver, upkeep: Upkeep) -> None:
        super().__init__(db, upkeep)
        self._conn = conn

    def projected_through(self) -> int:
        """The highest seq the projection table says it has folded (0 if none)."""
        query = select(func.coalesce(func.max(thread_states.c.max_seq), 0))
        return int(self._conn.execute(query).scalar_one())

    def summary_mismatches(
        self, states: Mapping[str, ThreadState], hidden: Mapping[str, Hidden]
    ) -> dict[str, str]:
        """Threads whose summary columns in the projection table disagree with a replay
        (``states`` and ``hidden``), with the first column that does."""
        names = ("title", "title_seq", "status", "events", "horizon", "max_seq")
        out: dict[str, str] = {}
        rows = self._conn.execute(
            select(thread_states.c.thread, *(thread_states.c[n] for n in names))
        )
        for row in rows:
            s, h = states.get(row.thread), hidden.get(row.thread)
            if s is not None:
                want = (s.title, s.title_seq, s.status, s.events, s.horizon, s.max_seq)
            elif h is not None:
                want = (h.title, h.title_seq, DEFAULT_STATUS, 0, h.horizon, h.max_seq)
            else:
                continue  # a thread the log does not have: reported elsewhere
            got = tuple(row._mapping[n] for n in names)
            wrong = next((n for n, g, w in zip(names, got, want, strict=True) if g != w), None)
            if wrong is not None:
                out[row.thread] = wrong
        return out


class Reader(PlainReader):
    """What may be read inside one transaction: the store's parts, each over the same
    connection — the log, the projections, the search index, the names."""

    log: LogReader
    projections: ProjectionReader
    # the parts' classes: a Writer's are those with writes
    _parts: tuple[type[LogReader], type[ProjectionReader], type[SearchReader]] = (
        LogReader,
        ProjectionReader,
        SearchReader,
    )

    def __init__(self, conn: Connection) -> None:
        db = Driver(conn.connection, conn.dialect.name)
        self._db, self._conn = db, conn
        self.upkeep = upkeep = Upkeep(db)
        log, projections, search = self._parts
        self.log = log(conn, db, upkeep)
        self.projections = projections(conn, db, upkeep)
        self.search = search(conn, db, upkeep)
        self.names = PlainNames(db)

    def corruption(self) -> list[str]:
        """What the database itself reports damaged (SQLite's quick_check); [] if nothing."""
        if self._conn.dialect.name != "sqlite":
            return []  # PostgreSQL checks its pages as it reads them
        found = [str(r[0]) for r in self._conn.exec_driver_sql("PRAGMA quick_check")]
        return [] if found == ["ok"] else found

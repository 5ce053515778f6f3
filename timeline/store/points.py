"""The checkpoints table (see ``checkpoints``): reads for asof and upkeep, and writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from timeline.mapper import fold_record_from_row, fold_record_from_values
from timeline.model import Checkpoint, FoldRecord, Key
from timeline.schema import checkpoints, events, thread_states
from timeline.stateform import state_from_json, state_to_json
from timeline.store._columns import (
    FOLD_COLUMNS,
    FOLD_SQL,
    SEQ,
    THREAD,
    as_day,
    by_keys,
    fold_rows,
    in_chunks,
    known_between_queries,
    where_in,
)

__all__ = ["PointReader", "PointWriter"]

_C = checkpoints.c


def _point(row: Any) -> Checkpoint:
    return Checkpoint(
        row.thread,
        as_day(row.day),
        None if row.state is None else state_from_json(row.state),
        as_day(row.horizon),
        row.max_seq,
        row.records,
    )


class PointReader:
    """Reads of the checkpoints, and of the records known after them."""

    _conn: Connection

    def checkpoints_on(self, threads: Iterable[str], day: dt.date) -> dict[str, Checkpoint]:
        """The latest checkpoint of each thread on or before ``day`` (if it has one)."""

        def query_for(chunk: list[str]) -> Any:
            latest = (
                select(_C.thread, func.max(_C.day).label("day"))
                .where(_C.thread.in_(chunk), _C.day <= day)
                .group_by(_C.thread)
                .subquery()
            )
            on = (_C.thread == latest.c.thread) & (_C.day == latest.c.day)
            return select(checkpoints).join(latest, on)

        return {r.thread: _point(r) for r in in_chunks(self._conn, threads, query_for)}

    def last_checkpoints(self, threads: Iterable[str]) -> dict[str, Checkpoint]:
        """The latest checkpoint of each thread (if it has one)."""
        return self.checkpoints_on(threads, dt.date.max)

    def all_checkpoints(self) -> dict[str, list[Checkpoint]]:
        """Every checkpoint, by thread, in day order."""
        out: dict[str, list[Checkpoint]] = {}
        for row in self._conn.execute(select(checkpoints).order_by(_C.thread, _C.day)):
            out.setdefault(row.thread, []).append(_point(row))
        return out

    def known_after(self, starts: Mapping[str, dt.date | None]) -> dict[str, int]:
        """How many records of each thread are known after its day (None: all)."""
        out: dict[str, int] = {}
        queries = known_between_queries(
            self._conn, "thread, count(*) AS n", starts.items(), None, " GROUP BY thread"
        )
        for sql, params in queries:
            out.update((r.thread, r.n) for r in self._conn.exec_driver_sql(sql, params))
        return out

    def tails(
        self, starts: Mapping[str, dt.date | None], until: dt.date | None = None
    ) -> dict[str, list[FoldRecord]]:
        """What ``projector.project_from`` needs to continue each thread from its day
        (None: from nothing) up to ``until`` (None: today's state): the records known in
        between, every correction and retraction of the thread, and what they amend."""
        out: dict[str, dict[int, FoldRecord]] = {t: {} for t in starts}
        for sql, params in known_between_queries(self._conn, FOLD_SQL, starts.items(), until):
            for row in fold_rows(self._conn, sql, params):
                out[row[THREAD]][row[SEQ]] = fold_record_from_values(row)
        amendments = select(*FOLD_COLUMNS).where(events.c.target.is_not(None))
        targets: set[Key] = set()
        for row in in_chunks(self._conn, starts, where_in(amendments, events.c.thread)):
            record = fold_record_from_row(row._mapping)
            out[row.thread][row.seq] = record
            target = getattr(record.entry, "target", None)
            if isinstance(target, Key):
                targets.add(target)
        # the records amended that are not read already (only the threads amended)
        held = {r.entry.key for t in {k.thread for k in targets} for r in out[t].values()}
        wanted = [tuple(k) for k in targets - held]
        for row in in_chunks(self._conn, wanted, by_keys(select(*FOLD_COLUMNS))):
            out[row.thread][row.seq] = fold_record_from_row(row._mapping)
        return {t: sorted(rs.values(), key=lambda r: r.seq) for t, rs in out.items()}

    def titles(self, threads: Iterable[str]) -> dict[str, tuple[str | None, int]]:
        """(title, seq of the record that set it) of each thread."""
        query = select(thread_states.c.thread, thread_states.c.title, thread_states.c.title_seq)
        return {
            r.thread: (r.title, r.title_seq)
            for r in in_chunks(self._conn, threads, where_in(query, thread_states.c.thread))
        }


class PointWriter(PointReader):
    """Writes of the checkpoints."""

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

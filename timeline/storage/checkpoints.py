"""The checkpoints table (see ``checkpoints``): reads for asof and upkeep, and writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert

from timeline.core.mapper import fold_record_from_values, readable
from timeline.core.model import Checkpoint, FoldRecord
from timeline.core.stateform import state_to_json
from timeline.storage.plain import FOLD_SQL, SEQ, PlainReader
from timeline.storage.schema import checkpoints

__all__ = ["PointReader", "PointWriter"]

_C = checkpoints.c


class PointReader(PlainReader):
    """Reads of the checkpoints, and of the records known after them (``PlainReader``
    has those of ``asof``)."""

    _conn: Connection

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

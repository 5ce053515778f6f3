"""The checkpoints table (see ``checkpoints``): reads for asof and upkeep, and writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, delete, insert

from timeline.model import Checkpoint
from timeline.schema import checkpoints
from timeline.stateform import state_to_json
from timeline.store.plain import PlainReader

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

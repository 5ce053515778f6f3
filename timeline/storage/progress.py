"""The rows of progress of the projections (see ``core.progress``), in plain SQL: read once
per transaction by every read of a projection, written with the projections' rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from timeline.core.errors import DatabaseError
from timeline.core.progress import VERSIONS, Progress, unusable

if TYPE_CHECKING:  # plain.py reads through this module: it is not imported back
    from timeline.storage.driver import Driver

__all__ = ["Upkeep"]


class Upkeep:
    """The progress of each projection, as this transaction sees it.

    ``require(name)`` refuses a read of a projection that no read may use (a rebuild of
    it under way, or rows made by another version); ``enforced = False`` lets the work
    that looks after the projections (rebuild, verify) read them whatever their state.
    """

    def __init__(self, db: Driver) -> None:
        self._db = db
        self._rows: dict[str, Progress] | None = None
        self.enforced = True

    def rows(self) -> dict[str, Progress]:
        """Every projection's progress, by name (one not listed has none yet)."""
        if self._rows is None:
            found = self._db.rows(
                "SELECT name, version, through, resume, stale, rebuilt FROM progress"
            )
            self._rows = {row[0]: _progress(row) for row in found if row[0] in VERSIONS}
        return self._rows

    def require(self, name: str) -> None:
        """Refuse (``DatabaseError``) to use the projection ``name`` if it cannot be used."""
        if not self.enforced:
            return
        p = self.rows().get(name)
        why = None if p is None else unusable(p)
        if why is not None:
            raise DatabaseError(why)

    def require_all(self) -> None:
        """Refuse an append while any projection cannot be kept in step with it."""
        for name in VERSIONS:
            self.require(name)

    # -- writes, in the caller's transaction -----------------------------------------

    def _set(self, names: Iterable[str], assignments: str, *params: object) -> None:
        wanted = sorted(set(names))
        if not wanted:
            return
        db = self._db
        sql = f"UPDATE progress SET {assignments} WHERE name IN ({db.marks(len(wanted))})"
        cursor = db.connection.cursor()
        try:
            cursor.execute(sql, (*params, *wanted))
        finally:
            cursor.close()
        self._rows = None

    def advanced(self, seq: int) -> None:
        """Every projection has folded the log through ``seq`` (after an append)."""
        self._set(VERSIONS, f"through = {self._db.mark}", seq)

    def begin(self, names: Iterable[str]) -> None:
        """A rebuild of these projections begins: today's version, nothing folded yet,
        nothing found wrong (the caller clears their rows in the same transaction)."""
        mark = self._db.mark
        for name in sorted(set(names)):
            self._ensure(name)
            self._set(
                [name], f"version = {mark}, through = 0, resume = '', stale = NULL", VERSIONS[name]
            )

    def stand(self, names: Iterable[str], resume: str) -> None:
        """The rebuild of these projections has replayed up to ``resume``."""
        self._set(names, f"resume = {self._db.mark}", resume)

    def finish(self, names: Iterable[str], head: int) -> None:
        """These projections are whole, made by today's code, through ``head``."""
        mark = self._db.mark
        for name in sorted(set(names)):
            self._ensure(name)
            self._set(
                [name],
                f"version = {mark}, through = {mark}, resume = NULL, stale = NULL, "
                "rebuilt = rebuilt + 1",
                VERSIONS[name],
                head,
            )

    def _ensure(self, name: str) -> None:
        """A row for ``name`` (version 0: never made by any code that kept a row)."""
        if name in self.rows():
            return
        mark = self._db.mark
        cursor = self._db.connection.cursor()
        try:
            cursor.execute(
                f"INSERT INTO progress (name, version, through) VALUES ({mark}, 0, 0)", (name,)
            )
        finally:
            cursor.close()
        self._rows = None


def _progress(row: tuple[object, ...]) -> Progress:
    """A row of progress; one changed behind timeline's back so that it no longer reads
    (a number that is not one) as of no version: no read uses that projection, and a
    plain ``rebuild`` makes it again, and its row with it."""
    name, version, through, resume, stale, rebuilt = row
    if (
        type(version) is int
        and type(through) is int
        and type(rebuilt) is int
        and (resume is None or isinstance(resume, str))
    ):
        return Progress(
            str(name), version, through, resume, None if stale is None else str(stale), rebuilt
        )
    return Progress(str(name), 0, 0, None, "its row of progress does not read")

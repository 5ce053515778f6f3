"""What the commands share: where the database is (opened once, as a snapshot when a read
can do without SQLAlchemy) and what time it is."""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from timeline.core.errors import TimelineError

if TYPE_CHECKING:
    from timeline.storage import EventStore
    from timeline.usecases import Readable
    from timeline.usecases.maintenance import Access

__all__ = ["Env"]

T = TypeVar("T")


@dataclass
class Env:
    """What the commands share: where the database is and what time it is."""

    db: str | None
    now: dt.datetime  # aware, UTC
    today: dt.date
    _store: EventStore | None = None
    _new_file: Path | None = None

    def store(self, access: Access = "read") -> EventStore:
        """The database, opened once for this command: ``read`` (the default) changes
        nothing and needs an existing timeline database; ``write`` creates or migrates
        it; ``inspect`` takes it as it is."""
        if self._store is None:
            from timeline.storage.settings import default_db_url
            from timeline.usecases import open_store, sqlite_file

            url = self.db or default_db_url()
            path = sqlite_file(url)
            if access == "write" and path is not None and not path.exists():
                self._new_file = path  # removed again if the command fails
            self._store = open_store(
                url, access=access, create_dirs=not self.db, busy_timeout=_busy_timeout()
            )
        return self._store

    def answer(self, use: Callable[[Readable], T]) -> T:
        """``use`` on a ``Snapshot`` of the database if one opens (it reads without
        loading SQLAlchemy, so a whole command answers sooner), else, or when the
        snapshot cannot read it, on the store (whose errors say what is wrong)."""
        from timeline.storage import Snapshot, Unavailable
        from timeline.storage.settings import BUSY_TIMEOUT_S, default_db_url

        if self._store is None:
            timeout = _busy_timeout()
            try:
                snapshot = Snapshot.open(
                    self.db or default_db_url(), BUSY_TIMEOUT_S if timeout is None else timeout
                )
            except Unavailable:
                pass
            else:
                try:
                    return use(snapshot)
                except Unavailable:
                    pass
                finally:
                    snapshot.close()
        return use(self.store())

    def discard_new_database(self) -> None:
        """After a failed command: remove the SQLite file it created, if it holds nothing,
        so that a refused import or restore leaves no empty database behind."""
        path, store = self._new_file, self._store
        if path is None or store is None:
            return
        from timeline.usecases import count

        try:
            empty = count(store) == 0
        except TimelineError:
            return
        store.engine.dispose()
        if empty:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


def _busy_timeout() -> float | None:
    """TIMELINE_BUSY_TIMEOUT, in seconds: a finite number from 0 up."""
    value = os.environ.get("TIMELINE_BUSY_TIMEOUT")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise TimelineError(
            f"TIMELINE_BUSY_TIMEOUT={value!r} is not a number of seconds (0 or more)"
        )
    return seconds

"""What the commands share: the database (one ``Timeline``, opened on first use) and what
time it is."""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from timeline.core.errors import TimelineError

if TYPE_CHECKING:
    from timeline.api import Access, Timeline

__all__ = ["Env"]


@dataclass
class Env:
    """What the commands share: where the database is and what time it is."""

    db: str | None
    now: dt.datetime  # aware, UTC
    today: dt.date
    _timeline: Timeline | None = None

    def timeline(self, access: Access = "read") -> Timeline:
        """The database for this command: ``read`` (the default) changes nothing and
        needs an existing timeline database; ``write`` creates or migrates it;
        ``inspect`` takes it as it is. Its clock is this command's."""
        if self._timeline is None:
            from timeline import api

            self._timeline = api.open(
                self.db, access=access, busy_timeout=_busy_timeout(), now=self.now, today=self.today
            )
        return self._timeline

    def close(self, *, failed: bool = False) -> None:
        """Close the database (after a failed command, removing an SQLite file it created
        that holds nothing: a refused import or restore leaves no empty database)."""
        if self._timeline is not None:
            self._timeline.close(failed=failed)


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

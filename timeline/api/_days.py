"""Days as a caller gives them, and the clock a ``Timeline`` keeps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from timeline.core.dates import parse_bound, parse_day

__all__ = ["Clock", "Day"]

Day = dt.date | str  # a date, YYYY-MM-DD, or "today" (the clock's)


@dataclass(frozen=True)
class Clock:
    """What time it is: this machine's clock at each call, unless ``fixed`` (a
    reproducible run). Today is the local date for the real clock, the fixed instant's
    own date otherwise (its offset's day), unless ``today`` says which."""

    fixed: dt.datetime | None = None
    fixed_today: dt.date | None = None

    def now(self) -> dt.datetime:
        """Now, in UTC."""
        return dt.datetime.now(dt.UTC) if self.fixed is None else self.fixed.astimezone(dt.UTC)

    def today(self) -> dt.date:
        if self.fixed_today is not None:
            return self.fixed_today
        return dt.date.today() if self.fixed is None else self.fixed.date()

    def day(self, value: Day, what: str) -> dt.date:
        """A day: a date as it is, text through ``dates.parse_day`` ('today' is ours)."""
        if isinstance(value, dt.date):
            return value
        return parse_day(value, what, today=self.today())

    def maybe_day(self, value: Day | None, what: str) -> dt.date | None:
        return None if value is None else self.day(value, what)

    def span(self, value: Day | None, end: bool, what: str) -> dt.date | None:
        """``since``/``until``: any EDTF date (an ``until`` of 2022-01 means through
        31 January), or 'today'."""
        if value is None or isinstance(value, dt.date):
            return value
        if value == "today":
            return self.today()
        return parse_bound(value, end=end, what=what)

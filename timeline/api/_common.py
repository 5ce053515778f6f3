"""What the library face's modules share: dates as the caller gives them, and the clock."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from timeline.core.dates import parse_bound, parse_day

__all__ = ["Day", "ExportFormat", "day_of", "maybe_day_of", "now_of", "span_of"]

ExportFormat = Literal["ics", "jsonl", "timelinejs"]
Day = dt.date | str


def day_of(value: Day, what: str) -> dt.date:
    return value if isinstance(value, dt.date) else parse_day(value, what)


def maybe_day_of(value: Day | None, what: str) -> dt.date | None:
    return None if value is None else day_of(value, what)


def span_of(value: Day | None, end: bool, what: str) -> dt.date | None:
    """``since``/``until`` take any EDTF date: an ``until`` of 2022-01 means through 31 January."""
    if value is None or isinstance(value, dt.date):
        return value
    return parse_bound(value, end=end, what=what)


def now_of(now: dt.datetime | None) -> dt.datetime:
    return dt.datetime.now(dt.UTC) if now is None else now.astimezone(dt.UTC)

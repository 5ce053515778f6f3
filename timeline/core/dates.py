"""EDTF dates (the subset timeline accepts) and plain calendar days. Pure: no I/O.

Accepted: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, each optionally followed by one
qualifier: ``~`` approximate, ``?`` uncertain, ``%`` both (EDTF level 1). A date
covers an interval of days: ``2021-12`` is 2021-12-01..2021-12-31.

A small parser rather than the ``edtf`` package: it is ~60 ms to import and
returns ``struct_time`` bounds; the tests use ``edtf`` as the oracle.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from timeline.core.errors import InvalidDate

__all__ = ["EdtfDate", "date_note", "parse_bound", "parse_day", "parse_edtf", "years_after"]

# [0-9], not \d: \d also matches other scripts' digits ("２０２２").
_EDTF = re.compile(r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2}))?)?(?P<q>[~?%])?")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FORMS = "expected YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ~, ? or %"


@dataclass(frozen=True, slots=True)
class EdtfDate:
    """An EDTF date as written, with the interval of days it covers."""

    text: str
    first: dt.date
    last: dt.date
    precision: str  # "year" | "month" | "day"
    approximate: bool = False
    uncertain: bool = False

    @property
    def qualified(self) -> bool:
        return self.approximate or self.uncertain

    def __str__(self) -> str:
        return self.text


def parse_edtf(text: object) -> EdtfDate:
    """Parse an EDTF date such as ``2022-01-26``, ``2021-12`` or ``2022-02~``."""
    if not isinstance(text, str):
        raise InvalidDate(f"invalid date {text!r}: {_FORMS}")
    return _parse_edtf(text)


@lru_cache(maxsize=65536)  # corpora repeat dates a lot; EdtfDate is immutable
def _parse_edtf(text: str) -> EdtfDate:
    m = _EDTF.fullmatch(text)
    if m is None:
        raise InvalidDate(f"invalid date {text!r}: {_FORMS}")
    year = int(m["y"])
    if year == 0:
        raise InvalidDate(f"invalid date {text!r}: year 0000 is not supported")
    q = m["q"]
    approximate = q in ("~", "%")
    uncertain = q in ("?", "%")
    if m["m"] is None:
        return EdtfDate(
            text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year", approximate, uncertain
        )
    month = int(m["m"])
    if not 1 <= month <= 12:
        raise InvalidDate(f"invalid date {text!r}: month must be 01..12")
    month_days = calendar.monthrange(year, month)[1]
    if m["d"] is None:
        return EdtfDate(
            text,
            dt.date(year, month, 1),
            dt.date(year, month, month_days),
            "month",
            approximate,
            uncertain,
        )
    day = int(m["d"])
    if not 1 <= day <= month_days:
        raise InvalidDate(
            f"invalid date {text!r}: day must be 01..{month_days:02d} in {year:04d}-{month:02d}"
        )
    d = dt.date(year, month, day)
    return EdtfDate(text, d, d, "day", approximate, uncertain)


def parse_day(text: object, what: str = "date", *, today: dt.date | None = None) -> dt.date:
    """Parse a full calendar day ``YYYY-MM-DD`` (no qualifiers); ``today``: what the
    word ``today`` stands for (and ``yesterday`` the day before), where they are taken
    (the CLI's arguments, the library, the service)."""
    if today is not None and text in ("today", "yesterday"):
        return today if text == "today" else today - dt.timedelta(days=1)
    if not isinstance(text, str) or _DAY.fullmatch(text) is None:
        words = "" if today is None else ", today or yesterday"
        raise InvalidDate(f"invalid {what} {text!r}: expected a full day YYYY-MM-DD{words}")
    try:
        return _parse_edtf(text).first
    except InvalidDate as e:
        raise InvalidDate(str(e).replace("invalid date", f"invalid {what}", 1)) from None


def years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (28 February for a 29th the year lacks); the last
    day there is if that lies past it."""
    if day.year + years > dt.MAXYEAR:
        return dt.date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year + years, day=28)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_note(d: EdtfDate) -> str | None:
    """How an imprecise or qualified date is flagged to a reader, or None if exact."""
    parts: list[str] = []
    if d.precision == "month":
        parts.append(f"{_MONTHS[d.first.month - 1]} {d.first.year}, day unknown")
    elif d.precision == "year":
        parts.append(f"{d.first.year}, date unknown")
    if d.approximate and d.uncertain:
        parts.append("approximate and uncertain")
    elif d.approximate:
        parts.append("approximate")
    elif d.uncertain:
        parts.append("uncertain")
    return ", ".join(parts) if parts else None


def parse_bound(text: object, *, end: bool, what: str) -> dt.date:
    """A range's bound given as any EDTF date: its first day for a start, its last day
    for an end (an end of ``2022-01`` means through 31 January). ``what`` names it in
    the message."""
    try:
        d = parse_edtf(text)
    except InvalidDate as e:
        raise InvalidDate(f"{what}: {e}") from None
    return d.last if end else d.first

"""Renders who knew what before the public: ``secrets`` and ``lag``, as text and JSON.
Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from timeline.core.codec import pretty
from timeline.core.viewpoints import Lag, Secret

__all__ = ["lag_json", "lag_text", "secrets_json", "secrets_text"]

LONGEST = 5  # the longest-hidden events a lag report lists per thread


def _label(thread: str, title: str | None) -> str:
    return f"{thread} — {title}" if title else thread


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _knowers(s: Secret) -> str:
    """``Russia, NATO since 2022-01-26`` (one group per day)."""
    parts = []
    for day, group in groupby(s.knowers, key=lambda k: k[1]):
        parts.append(f"{', '.join(a for a, _ in group)} since {day.isoformat()}")
    return "; ".join(parts)


def secrets_text(day: dt.date, found: Sequence[Secret]) -> str:
    if not found:
        return (
            "Nothing recorded here was known to an actor and not yet public "
            f"at the end of {day.isoformat()}.\n"
        )
    n = len(found)
    out = [
        f"Secret at the end of {day.isoformat()}: {n} event{'s' if n != 1 else ''} "
        "known to some actors, not yet to the public",
        "",
    ]
    for thread, group in groupby(found, key=lambda s: s.event.thread):
        items = list(group)
        out.append(_label(thread, items[0].title))
        for s in items:
            e = s.event
            out.append(f"  {e.date.text:<11} {e.type:<12} {e.id} — {e.title}")
            out.append(
                f"              known to {_knowers(s)} (secret {_days(s.days)}); "
                f"public {e.known.isoformat()}"
            )
        out.append("")
    return "\n".join(out)


def secrets_json(day: dt.date, found: Sequence[Secret]) -> str:
    items = [
        {
            "thread": s.event.thread,
            "id": s.event.id,
            "date": s.event.date.text,
            "type": s.event.type,
            "title": s.event.title,
            "known_to": [{"actor": a, "since": d.isoformat()} for a, d in s.knowers],
            "days_secret": s.days,
            "known": s.event.known.isoformat(),
        }
        for s in found
    ]
    return pretty({"as_of": day.isoformat(), "secrets": items}) + "\n"


def _median(lag: Lag) -> str:
    m = lag.median
    return f"{m:g} day{'s' if m != 1 else ''}"


def lag_text(found: Sequence[Lag]) -> str:
    if not found:
        return "No event recorded here became public after its date.\n"
    out = ["Disclosure lag: days from the end of each event's date to the day it became public", ""]
    for lag in found:
        out.append(_label(lag.thread, lag.title))
        out.append(
            f"  {lag.count} event{'s' if lag.count != 1 else ''} known late: "
            f"median {_median(lag)}, longest {_days(lag.longest)}"
        )
        for days, e in lag.lags[:LONGEST]:
            out.append(
                f"  {_days(days):>9}  {e.date.text} → {e.known.isoformat()}  {e.id} — {e.title}"
            )
        out.append("")
    return "\n".join(out)


def lag_json(found: Sequence[Lag]) -> str:
    def longest(lag: Lag) -> list[dict[str, Any]]:
        return [
            {
                "id": e.id,
                "date": e.date.text,
                "known": e.known.isoformat(),
                "lag_days": days,
                "title": e.title,
            }
            for days, e in lag.lags[:LONGEST]
        ]

    threads = [
        {
            "thread": lag.thread,
            "title": lag.title,
            "events": lag.count,
            "median_days": lag.median,
            "max_days": lag.longest,
            "longest": longest(lag),
        }
        for lag in found
    ]
    return pretty({"threads": threads}) + "\n"

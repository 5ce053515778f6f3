"""Renders what is scheduled: events announced and not yet happened. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from timeline.core.codec import pretty
from timeline.core.model import Event

__all__ = ["upcoming_json", "upcoming_text"]


def upcoming_text(day: dt.date, found: Sequence[Event]) -> str:
    if not found:
        return f"Nothing announced by the end of {day.isoformat()} was still to come.\n"
    n = len(found)
    out = [
        f"Upcoming as of {day.isoformat()} (announced by then, not yet happened): "
        f"{n} event{'s' if n != 1 else ''}",
        "",
    ]
    for e in found:
        announced = "" if e.announced is None else f"  (announced {e.announced.isoformat()})"
        out.append(f"{e.date.text:<11} {e.type:<16} {e.key}{announced}")
        out.append(f"            {', '.join(e.actors)} — {e.title}")
    return "\n".join(out) + "\n"


def upcoming_json(day: dt.date, found: Sequence[Event]) -> str:
    items = [
        {
            "thread": e.thread,
            "id": e.id,
            "date": e.date.text,
            "announced": e.disclosed.isoformat(),
            "type": e.type,
            "actors": list(e.actors),
            "title": e.title,
        }
        for e in found
    ]
    return pretty({"as_of": day.isoformat(), "upcoming": items}) + "\n"

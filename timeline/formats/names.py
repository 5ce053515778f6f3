"""Renders the names a log uses (``timeline actors``, ``timeline issues``) as text and
JSON. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from timeline.core.codec import pretty
from timeline.core.names import Name

__all__ = ["names_json", "names_text"]


def _when(day: dt.date | None) -> str:
    return "" if day is None else f" known by the end of {day.isoformat()}"


def names_text(kind: str, found: Sequence[Name], day: dt.date | None = None) -> str:
    """A row per name: how many events and threads it appears in, its first and last
    event dates (as written). ``kind`` is "actors" or "issues"."""
    if not found:
        return f"No {kind} appear in the events{_when(day)}.\n"
    head = kind[:-1].upper()
    labels = [n.name + (f" (also {', '.join(n.aliases)})" if n.aliases else "") for n in found]
    width = max(len(head), *(len(label) for label in labels))
    rows = [f"{head:<{width}}  {'EVENTS':>6}  {'THREADS':>7}  {'FIRST':<10}  LAST"]
    for n, label in zip(found, labels, strict=True):
        first = n.first[1] if n.first else ""
        last = n.last[1] if n.last else ""
        rows.append(
            f"{label:<{width}}  {n.events:>6}  {len(n.threads):>7}  {first:<10}  {last}".rstrip()
        )
    return "\n".join(rows) + "\n"


def names_json(kind: str, found: Sequence[Name], day: dt.date | None = None) -> str:
    items = [
        {
            "name": n.name,
            "events": n.events,
            "threads": sorted(n.threads),
            "first": n.first[1] if n.first else None,
            "last": n.last[1] if n.last else None,
            **({"aliases": list(n.aliases)} if kind == "actors" else {}),
        }
        for n in found
    ]
    return pretty({"as_of": None if day is None else day.isoformat(), kind: items}) + "\n"

"""Renders the names a log uses (``timeline actors``, ``timeline issues``) as text,
JSON, CSV and Markdown. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from timeline.core.codec import pretty
from timeline.core.names import Name
from timeline.formats._markdown import md_text
from timeline.formats.tables import csv_table

__all__ = ["names_csv", "names_json", "names_markdown", "names_text"]


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


def names_csv(kind: str, found: Sequence[Name]) -> str:
    """A row per name: ``name,events,threads,first,last`` (and ``aliases``, ``;``-joined,
    for actors)."""
    actors = kind == "actors"
    header = ["name", "events", "threads", "first", "last", *(["aliases"] if actors else [])]
    rows = [
        [
            n.name,
            n.events,
            len(n.threads),
            n.first[1] if n.first else "",
            n.last[1] if n.last else "",
            *(["; ".join(n.aliases)] if actors else []),
        ]
        for n in found
    ]
    return csv_table(header, rows)


def names_markdown(kind: str, found: Sequence[Name], day: dt.date | None = None) -> str:
    """A table: a row per name, as the text shows it."""
    if not found:
        return f"_No {kind} appear in the events{_when(day)}._\n"
    head = kind[:-1].capitalize()
    rows = [f"| {head} | Events | Threads | First | Last |", "|---|---:|---:|---|---|"]
    for n in found:
        name = md_text(n.name + (f" (also {', '.join(n.aliases)})" if n.aliases else ""))
        first = n.first[1] if n.first else ""
        last = n.last[1] if n.last else ""
        rows.append(f"| {name} | {n.events} | {len(n.threads)} | {first} | {last} |")
    return "\n".join(rows) + "\n"

"""The names a log uses: every actor (``NameIndex("actors")``) and every issue
(``NameIndex("issues")``), with how much is recorded about each. Pure: no I/O;
``queries`` reads the records and calls these.

An actor *appears in* an event as one of its parties or as the holder of one of its
positions; an issue appears in an event that records a stance on it. Counts are over the
events as known on a day (the corrections and retractions in effect then; retracted
events are left out), so ``--asof`` gives the names as they stood.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from timeline.core.model import Event

__all__ = ["Name", "NameIndex"]


@dataclass
class Name:
    """One actor or issue: how many events it appears in, in which threads, and the
    first and last of their dates (as written)."""

    name: str
    events: int = 0
    threads: set[str] = field(default_factory=set)
    first: tuple[dt.date, str] | None = None  # (first day, date as written)
    last: tuple[dt.date, str] | None = None  # (last day, date as written)
    aliases: tuple[str, ...] = ()  # an actor's other names (``aliases``), shown as this

    def add(self, e: Event) -> None:
        self.events += 1
        self.threads.add(e.thread)
        if self.first is None or e.date.first < self.first[0]:
            self.first = (e.date.first, e.date.text)
        if self.last is None or e.date.last > self.last[0]:
            self.last = (e.date.last, e.date.text)


def _actors(e: Event) -> Iterable[str]:
    return [*e.actors, *(p.actor for p in e.positions)]


def _issues(e: Event) -> Iterable[str]:
    return [p.issue for p in e.positions]


class NameIndex:
    """Names and what they appear in, built a batch of events at a time (bounded memory:
    one ``Name`` per name, not per event)."""

    def __init__(self, kind: str) -> None:
        if kind not in ("actors", "issues"):
            raise ValueError(f"unknown kind of name {kind!r}")
        self._names_of: Callable[[Event], Iterable[str]] = _actors if kind == "actors" else _issues
        self._found: dict[str, Name] = {}

    def add(self, events: Iterable[Event]) -> None:
        for e in events:
            for name in dict.fromkeys(self._names_of(e)):
                entry = self._found.get(name)
                if entry is None:
                    entry = self._found[name] = Name(name)
                entry.add(e)

    def names(self) -> list[Name]:
        """By name, case aside."""
        return sorted(self._found.values(), key=lambda n: (n.name.casefold(), n.name))

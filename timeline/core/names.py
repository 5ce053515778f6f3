"""Names: one actor under several names (``Names``), and the names a log uses with
how much is recorded about each (``NameIndex``). Pure: no I/O.

``timeline alias US "United States"`` appends an ``Alias`` record. From then on every
view shows ``United States`` where an event says ``US`` — its parties, its positions'
holders, its ``known_to``, what a correction sets — and a filter or a viewpoint that
names either name matches both. The records themselves are never rewritten: a backup,
``log --raw`` and an event file to share hold the names as recorded, and
``--recorded-before`` a moment before the alias shows the names as they were then.

A name is an alias of at most one canonical name, and a canonical name is never an
alias itself (``alias_problem``): no chains, no cycles, and the order aliases were
recorded in does not matter.

``NameIndex("actors")`` and ``NameIndex("issues")`` count the names of the events as known
on a day: an actor *appears in* an event as one of its parties or as the holder of one
of its positions; an issue appears in an event that records a stance on it. The
corrections and retractions in effect then apply and retracted events are left out, so
``--asof`` gives the names as they stood.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from timeline.core.filters import EventFilter
from timeline.core.model import (
    Alias,
    Correction,
    Event,
    EventHead,
    FoldRecord,
    Position,
    PositionState,
    Record,
    ThreadState,
)

__all__ = ["Name", "NameIndex", "Names", "alias_problem"]

R = TypeVar("R", Record, FoldRecord)
E = TypeVar("E", bound=EventHead)


class Names:
    """The aliases in effect: each alias with its canonical name."""

    def __init__(self, aliases: Mapping[str, str] | None = None) -> None:
        self._canonical = dict(aliases or {})
        self._aliases: dict[str, list[str]] = {}
        for alias, canonical in sorted(self._canonical.items()):
            self._aliases.setdefault(canonical, []).append(alias)

    @classmethod
    def of(cls, records: Iterable[Record]) -> Names:
        """The aliases the ``Alias`` records among ``records`` make."""
        return cls(
            {r.entry.alias: r.entry.canonical for r in records if isinstance(r.entry, Alias)}
        )

    def __bool__(self) -> bool:
        return bool(self._canonical)

    @property
    def pairs(self) -> dict[str, str]:
        return dict(self._canonical)

    def actor(self, name: str) -> str:
        """The name every view shows for ``name``."""
        return self._canonical.get(name, name)

    def aliases_of(self, name: str) -> list[str]:
        """The other names of the actor ``name`` is canonical for, sorted."""
        return list(self._aliases.get(name, ()))

    def same(self, name: str) -> list[str]:
        """Every name of the actor ``name`` names: its canonical name and its aliases."""
        canonical = self.actor(name)
        return [canonical, *self.aliases_of(canonical)]

    # ---- what views show -----------------------------------------------------------------

    def _names(self, names: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.actor(n) for n in names))

    def event(self, e: E) -> E:
        """The event with every actor under its canonical name: two positions of one
        actor on one issue keep the later in the event's list; two ``known_to`` dates
        of one actor, the earlier."""
        positions = {(self.actor(p.actor), p.issue): p.stance for p in e.positions}
        changes: dict[str, Any] = {
            "actors": self._names(e.actors),
            "positions": tuple(Position(a, i, s) for (a, i), s in positions.items()),
        }
        known_to = getattr(e, "known_to", ())
        if known_to:
            earliest: dict[str, Any] = {}
            for actor, when in known_to:
                name = self.actor(actor)
                if name not in earliest or when.last < earliest[name].last:
                    earliest[name] = when
            changes["known_to"] = tuple(sorted(earliest.items()))
        return replace(e, **changes)

    def _changes(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """What a correction sets (as written), with canonical names."""
        out = dict(changes)
        actors = out.get("actors")
        if isinstance(actors, str):
            out["actors"] = self.actor(actors.strip())
        elif isinstance(actors, list):
            out["actors"] = list(self._names(str(a).strip() for a in actors))
        if isinstance(out.get("positions"), list):
            out["positions"] = [
                {**p, "actor": self.actor(str(p["actor"]).strip())} for p in out["positions"]
            ]
        if isinstance(out.get("known_to"), Mapping):
            renamed: dict[str, Any] = {}
            for actor, when in out["known_to"].items():
                renamed.setdefault(self.actor(str(actor).strip()), when)
            out["known_to"] = renamed
        return out

    def record(self, r: R) -> R:
        entry = r.entry
        if isinstance(entry, EventHead):
            return replace(r, entry=self.event(entry))
        if isinstance(entry, Correction):
            return replace(r, entry=replace(entry, changes=self._changes(entry.changes)))
        return r

    def records(self, records: Iterable[R]) -> list[R]:
        """The records as every view shows them (all of them unchanged when no alias)."""
        return [self.record(r) for r in records] if self else list(records)

    def state(self, s: ThreadState) -> ThreadState:
        """A thread's state under canonical names: the parties merged, and of two
        stances of one actor on one issue, the one set by the later event."""
        if not self or not any(self.actor(a) != a for a in s.parties):
            return s
        slots: dict[tuple[str, str], PositionState] = {}
        for p in s.positions:
            slot = (self.actor(p.actor), p.issue)
            if slot not in slots or p.key > slots[slot].key:
                slots[slot] = replace(p, actor=slot[0])
        return replace(
            s,
            parties=tuple(sorted(set(self._names(s.parties)))),
            positions=tuple(slots[k] for k in sorted(slots)),
        )

    def states(self, states: Iterable[ThreadState]) -> list[ThreadState]:
        return [self.state(s) for s in states]

    def widened(self, only: EventFilter | None) -> EventFilter | None:
        """The filter with each actor it names under all that actor's names: it matches
        events as recorded and as shown alike."""
        if only is None or not only.actors or not self:
            return only
        names = (n for a in only.actors for n in self.same(a))
        return replace(only, actors=tuple(dict.fromkeys(names)))


def alias_problem(alias: str, canonical: str, current: Names) -> str | None:
    """Why ``alias`` cannot become an alias of ``canonical`` given the aliases in effect
    (None: it can, or it already is)."""
    if alias == canonical:
        return f"{alias!r} cannot be an alias of itself"
    if current.aliases_of(alias):
        others = ", ".join(repr(a) for a in current.aliases_of(alias))
        return f"{alias!r} is already the name shown for {others}: it cannot become an alias"
    if current.actor(canonical) != canonical:
        main = current.actor(canonical)
        return f"{canonical!r} is itself an alias of {main!r}: make {alias!r} an alias of {main!r}"
    shown = current.actor(alias)
    if shown not in (alias, canonical):
        return f"{alias!r} is already an alias of {shown!r}"
    return None


# ---- the names a log uses: every actor (NameIndex("actors")) and every issue
# (NameIndex("issues")), with how much is recorded about each ----------------------


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

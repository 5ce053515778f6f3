"""Machine-coded event data folded into timeline's events: the rows ``datasets`` reads
in, the events they report out. Pure.

A dataset codes each report of an event, once per direction: one meeting of four
ministers is twelve ICEWS rows per story that tells of it, and one per publisher.
``story_events`` and ``merged`` fold them back into the events they report, in two
steps (the caller brings together the rows of each story, then the events of each id:
sorted, they need not all be held at once):

1. the rows of one story (an ICEWS story, a GDELT source article) of one day and
   CAMEO code that code the same parties, whichever way round, are one event; parties
   coded in every pair among three or more (a multilateral meeting, coded pair by
   pair) are one event with them all;
2. the events of different stories (and publishers) on the same day, with the same
   code and the same parties, are one event, with every story's sources.

The event's id is made from what makes it that event (the dataset, its day, its code,
its parties), so that importing a file again, or a batch that overlaps another, finds
the events already there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from timeline.core.cameo import NAMES, plover_of, plover_type, timeline_type
from timeline.formats.datasets import Actor, CodedRow

__all__ = [
    "ID_DIGEST",
    "CodedEvent",
    "Selection",
    "dyad",
    "merged",
    "parties_key",
    "slug_of",
    "story_events",
]


@dataclass(frozen=True)
class Selection:
    """Which rows an import keeps: CAMEO codes under one of ``codes`` (prefixes; with
    ``exact``, PLOVER events among them), with a party of one of ``countries`` (any, if
    empty; compared without case)."""

    codes: tuple[str, ...]
    countries: frozenset[str] = frozenset()
    exact: bool = False  # codes are names (PLOVER events), not prefixes

    def keeps_code(self, code: str) -> bool:
        return code in self.codes if self.exact else code.startswith(self.codes)

    def keeps_parties(self, actors: Sequence[Actor]) -> bool:
        if not self.countries:
            return True
        return any(a.country and a.country.casefold() in self.countries for a in actors)


# hex digits of the parties' digest in an id: 48 bits, so that two sets of parties of
# one day and code (thousands, in a big dataset) are all but certain to differ
ID_DIGEST = 12
Party = tuple[str, str | None]  # (name, country): two GOVERNMENTs of two countries are two


@dataclass(slots=True)
class _Pair:
    """What a story's rows of one pair of parties (or one party alone) say."""

    first: int  # the arrival of its first row (see ``story_events``)
    file: str  # of its first row
    line: int
    known: dt.date
    rows: int = 0
    # (name, url) in first-seen order, one per name: a list, as a pair has few
    sources: list[tuple[str, str | None]] = field(default_factory=list)

    def cite(self, name: str, url: str | None) -> None:
        if all(held != name for held, _ in self.sources):
            self.sources.append((name, url))


@dataclass(slots=True)
class _Story:
    """What one story tells of one day and code (step 1): the parties' pairs it codes
    (a party alone: a pair of one), each with its rows, first day and sources."""

    actors: list[Party] = field(default_factory=list)  # in first-seen order
    pairs: dict[frozenset[Party], _Pair] = field(default_factory=dict)

    def add(self, arrival: int, file: str, row: CodedRow) -> None:
        parties = [(a.name, a.country) for a in row.actors]
        for party in parties:
            if party not in self.actors:
                self.actors.append(party)
        key = frozenset(parties)
        pair = self.pairs.get(key)
        if pair is None:
            pair = self.pairs[key] = _Pair(arrival, file, row.line, row.known)
        pair.known = min(pair.known, row.known)  # first seen
        pair.rows += 1
        pair.cite(row.source, row.url)
        for name, url in row.mentions:
            pair.cite(name, url)

    def parties(self) -> Iterator[tuple[tuple[Party, ...], list[_Pair]]]:
        """Each event the story tells of: its parties, and the pairs it is made of.
        Parties coded in every pair among three or more (a multilateral meeting, coded
        pair by pair) are one event; else each pair is one (either way round)."""
        links: dict[Party, set[Party]] = {}
        for pair in self.pairs:
            for party in pair:
                links.setdefault(party, set()).update(pair - {party})
        seen: set[Party] = set()
        for start in self.actors:  # in first-seen order
            if start in seen:
                continue
            group, todo = [], [start]
            while todo:
                party = todo.pop()
                if party not in seen:
                    seen.add(party)
                    group.append(party)
                    todo += links.get(party, ())
            mine = {p: x for p, x in self.pairs.items() if p <= set(group)}
            clique = len(group) >= 3 and all(len(links[g]) == len(group) - 1 for g in group)
            if clique:
                yield tuple(a for a in self.actors if a in group), list(mine.values())
            else:
                for pair, x in mine.items():
                    yield tuple(a for a in self.actors if a in pair), [x]


@dataclass(frozen=True, slots=True)
class CodedEvent:
    """One event as the rows of every story that tells of it give it."""

    dataset: str
    date: dt.date
    known: dt.date
    code: str
    actors: tuple[Actor, ...]
    sources: tuple[tuple[str, str | None], ...]  # (name, url), in first-seen order
    line: int  # of its first row
    rows: int  # the rows folded into it
    scheme: Literal["cameo", "plover"] = "cameo"
    file: str = ""  # of its first row
    first: int = 0  # the arrival of its first row: events are recorded in this order
    # stable for the same event: its dataset, day, code and parties (made once, if not
    # given: an event read back from where it was set aside keeps the one it had)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            digest = hashlib.sha256(parties_key(self.actors).encode()).hexdigest()[:ID_DIGEST]
            made = f"{self.dataset}-{self.date:%Y%m%d}-{self.code.lower()}-{digest}"
            object.__setattr__(self, "id", made)

    def names(self) -> list[str]:
        """Its parties' names; two of one name (two GOVERNMENTs) with their countries."""
        twice = {a.name for a in self.actors if sum(b.name == a.name for b in self.actors) > 1}
        return [f"{a.name} ({a.country})" if a.name in twice else a.name for a in self.actors]

    def fields(self, thread: str) -> dict[str, object]:
        """The event as an event file would write it."""
        names = self.names()
        if self.scheme == "plover":
            codes, kind, what = {"plover": self.code}, plover_type(self.code), self.code.title()
        else:
            codes, kind, what = {"cameo": self.code}, timeline_type(self.code), NAMES[self.code]
            plover = plover_of(self.code)
            if plover is not None:
                codes["plover"] = plover
        sources = [{"name": name, **({"url": url} if url else {})} for name, url in self.sources]
        return {
            "thread": thread,
            "id": self.id,
            "date": self.date.isoformat(),
            "known": self.known.isoformat(),
            "type": kind,
            "actors": names,
            "title": f"{what}: {', '.join(names)}",
            "sources": sources,
            "codes": codes,
        }


def story_events(dataset: str, rows: Iterable[tuple[int, str, CodedRow]]) -> Iterator[CodedEvent]:
    """Step 1 (see the module): the events one story's rows tell of. ``rows``: the rows
    of one day, code, source and story, each with its arrival (its place among all the
    rows an import reads) and its file, in that order."""
    story, first = _Story(), None
    for arrival, file, row in rows:
        if first is None:
            first = row
        story.add(arrival, file, row)
    if first is None:
        return
    for parties, pairs in story.parties():
        sources: dict[str, str | None] = {}
        for x in pairs:
            for name, url in x.sources:
                sources.setdefault(name, url)
        earliest = min(pairs, key=lambda x: x.first)
        yield CodedEvent(
            dataset,
            first.date,
            min(x.known for x in pairs),
            first.code,
            tuple(Actor(name, country) for name, country in parties),
            tuple(sources.items()),
            earliest.line,
            sum(x.rows for x in pairs),
            first.scheme,
            earliest.file,
            earliest.first,
        )


def parties_key(actors: Iterable[Actor]) -> str:
    """What step 2 merges on besides the day and the code: the parties, whichever order
    (the id holds only a digest of them)."""
    return "\n".join(sorted(f"{a.name}\t{a.country or ''}" for a in actors))


def merged(events: Iterable[CodedEvent]) -> CodedEvent:
    """Step 2 (see the module): the events of several stories with the same day, code
    and parties as one, with every story's sources (in the order of their
    first rows) and the first day any of them was known."""
    ordered = sorted(events, key=lambda e: e.first)
    head = ordered[0]
    sources: dict[str, str | None] = {}
    for event in ordered:
        for name, url in event.sources:
            sources.setdefault(name, url)
    return CodedEvent(
        head.dataset, head.date, min(e.known for e in ordered), head.code, head.actors,
        tuple(sources.items()), head.line, sum(e.rows for e in ordered), head.scheme,
        head.file, head.first, head.id,
    )  # fmt: skip


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug_of(text: str) -> str:
    """A thread slug made of a name: ASCII letters and digits, words joined by '-'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", plain.casefold()).strip("-")[:60].strip("-") or "unnamed"


def dyad(event: CodedEvent) -> tuple[str, str] | None:
    """The thread of an event's parties (``--thread-by dyad``): its slug, the parties'
    countries sorted and joined (``rus-ukr``), and its title (``RUS – UKR``); None when
    no party has a country."""
    countries = sorted({a.country for a in event.actors if a.country})
    if not countries:
        return None
    return "-".join(slug_of(c) for c in countries)[:80].strip("-"), " – ".join(countries)

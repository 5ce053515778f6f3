"""What an event says, on each day: the text the search index holds. Pure: no I/O.

An event's searchable text is its title, summary, stances (with their issues) and the
names of its sources. A correction can change it from its own known day on, so the index
holds a *version* per stretch of days an event read the same: ``since`` (None: from the
start) up to ``until`` (exclusive; None: still). A search as of D looks only at the
version each event had on D: text a later correction introduced never matches earlier,
and text it replaced never matches later. Data-entry fixes apply in every view, so they
are part of every version.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from timeline.core.amend import annotate
from timeline.core.errors import TimelineError
from timeline.core.model import Correction, Event, Key, Record, is_amendment

__all__ = [
    "TextVersion",
    "event_text",
    "payload_text",
    "query_words",
    "text_versions",
    "versions_by_event",
]

_WORD = re.compile(r"[^\W_]+")  # letters and digits: "_" is no word character for either engine


@dataclass(frozen=True)
class TextVersion:
    thread: str
    id: str
    since: dt.date | None  # the first day it reads so; None: from the start
    until: dt.date | None  # the day it stops (exclusive); None: it still does
    body: str

    @property
    def key(self) -> Key:
        return Key(self.thread, self.id)


def _text(
    title: str, summary: str | None, stances: Iterable[tuple[str, str]], sources: Iterable[str]
) -> str:
    parts = [title, summary or "", *(f"{issue}: {stance}" for issue, stance in stances), *sources]
    return "\n".join(p for p in parts if p)


def event_text(e: Event) -> str:
    """The searchable text of an event: title, summary, issues and stances, source names."""
    stances = ((p.issue, p.stance) for p in e.positions)
    return _text(e.title, e.summary, stances, (s.name for s in e.sources))


def payload_text(p: Mapping[str, Any]) -> str:
    """``event_text`` of an event's stored payload, without building the event (a
    replay of the whole log reads every payload)."""
    stances = ((x["issue"], x["stance"]) for x in p.get("positions", ()))
    return _text(p["title"], p.get("summary"), stances, (s["name"] for s in p.get("sources", ())))


def text_versions(records: Sequence[Record]) -> list[TextVersion]:
    """The versions of one event's text: ``records`` holds the event and every
    correction and retraction of it (and of its corrections), in any order."""
    days = sorted({r.entry.known for r in records if is_amendment(r.entry) and r.entry.known_given})
    out: list[TextVersion] = []
    for day in [None, *days]:
        [view] = annotate(records, dt.date.min if day is None else day)
        body = event_text(view.record.event)
        if out and out[-1].body == body:
            continue
        if out:
            out[-1] = TextVersion(out[-1].thread, out[-1].id, out[-1].since, day, out[-1].body)
        e = view.record.event
        out.append(TextVersion(e.thread, e.id, day, None, body))
    return out


def versions_by_event(records: Iterable[Record]) -> list[TextVersion]:
    """The text versions of every event among ``records`` (whole threads, or an event with
    all its amendments), by thread and id."""
    events: dict[Key, list[Record]] = {}
    corrected: dict[Key, Key] = {}  # correction -> its event
    amendments: list[tuple[Key, Record]] = []
    for r in records:
        entry = r.entry
        if isinstance(entry, Event):
            events.setdefault(entry.key, []).insert(0, r)
            continue
        if not is_amendment(entry):  # a thread's new title: no event's text
            continue
        amendments.append((entry.target, r))
        if isinstance(entry, Correction):
            corrected[entry.key] = entry.target
    for target, r in amendments:
        owner = corrected.get(target, target)
        if owner in events:
            events[owner].append(r)
    return [v for key in sorted(events) for v in text_versions(events[key])]


def query_words(text: str) -> list[str]:
    """The words of a search, as both engines split text (letters and digits); a word
    matches any word it begins ("Женев" finds "Женеве"), accents aside ("Pais" finds
    "País")."""
    words = _WORD.findall(text)
    if not words:
        raise TimelineError(f"--text {text!r}: give at least one word to search for")
    return words

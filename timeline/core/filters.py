"""Which events a command keeps: ``--actor``, ``--type``, ``--issue``, ``--status``,
``--text``, and (``log``) ``--code``. Pure (the search behind ``--text`` is run by the
caller: ``searched``).

A filter is matched against an event's values as the view sees them (corrected, as known
on the view's day). Several ``--actor`` (or ``--type``) keep an event that matches any of
them; different options must all match. ``asof`` keeps whole threads instead: see
``thread_matches``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from timeline.core.errors import TimelineError
from timeline.core.model import (
    EVENT_TYPES,
    STATUSES,
    EventHead,
    Key,
    Record,
    ThreadState,
    is_amendment,
)
from timeline.core.search import query_words

__all__ = ["EventFilter"]


@dataclass(frozen=True)
class EventFilter:
    actors: tuple[str, ...] = ()  # a party, or a position's holder
    types: tuple[str, ...] = ()
    issue: str | None = None  # a stance recorded on it
    status: str | None = None  # the event sets it (asof: the thread is in it)
    text: str | None = None  # words its text holds (the search index finds them)
    found: frozenset[Key] | None = None  # the events the search found, once run
    # codes a dataset gave it: "046" (any scheme; a prefix: "04" is every consultation)
    # or "plover:CONSULT" (that scheme); only a whole event (``Event``) holds its codes
    codes: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        actors: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        issue: str | None = None,
        status: str | None = None,
        text: str | None = None,
    ) -> EventFilter:
        """A filter from options as given; TimelineError for a type or status that does
        not exist, or a search without a word (names are checked against the log by the
        caller, which runs the search: ``searched``)."""
        found = cls(
            tuple(dict.fromkeys(actors or ())),
            tuple(dict.fromkeys(types or ())),
            issue,
            status,
            text,
        )
        if text is not None:
            query_words(text)
        for t in found.types:
            if t not in EVENT_TYPES:
                raise TimelineError(f"unknown --type {t!r} (valid: {', '.join(EVENT_TYPES)})")
        if status is not None and status not in STATUSES:
            raise TimelineError(f"unknown --status {status!r} (valid: {', '.join(STATUSES)})")
        return found

    def __bool__(self) -> bool:
        return bool(
            self.actors or self.types or self.issue or self.status or self.text or self.codes
        )

    def with_codes(self, codes: Iterable[str]) -> EventFilter:
        """The filter keeping also only events with one of ``codes`` (see ``codes``)."""
        wanted = tuple(dict.fromkeys(c.strip() for c in codes if c.strip()))
        for code in wanted:
            scheme, sep, value = code.partition(":")
            if sep and (not scheme.strip() or not value.strip()):
                raise TimelineError(f"--code {code!r}: a code, or scheme:code (plover:CONSULT)")
        return replace(self, codes=wanted)

    def _has_code(self, e: EventHead) -> bool:
        held = getattr(e, "codes", None)
        if held is None:
            raise TypeError("a filter of codes needs whole events, not their heads")
        for code in self.codes:
            scheme, sep, value = code.partition(":")
            if not sep:
                scheme, value = "", code
            for s, v in held:
                if (not scheme or s == scheme.strip().lower()) and v.upper().startswith(
                    value.strip().upper()
                ):
                    return True
        return False

    def searched(self, found: Iterable[Key]) -> EventFilter:
        """The filter with its search run: the events whose text matched."""
        return replace(self, found=frozenset(found))

    @property
    def per_event(self) -> bool:
        """Does it ask about what a thread's state does not show (types, text)?"""
        return bool(self.types) or self.text is not None

    def matches(self, e: EventHead) -> bool:
        """Does the event (its values as the view sees them) pass?"""
        if self.actors and not any(
            a in e.actors or any(p.actor == a for p in e.positions) for a in self.actors
        ):
            return False
        if self.types and e.type not in self.types:
            return False
        if self.issue is not None and not any(p.issue == self.issue for p in e.positions):
            return False
        if self.found is not None and e.key not in self.found:
            return False
        if self.codes and not self._has_code(e):
            return False
        return self.status is None or e.status == self.status

    def records(self, records: Sequence[Record]) -> list[Record]:
        """Records as appended: the events this matches (as recorded), and the
        corrections and retractions of those (and of their corrections)."""
        kept: set[Key] = set()
        out: list[Record] = []
        for r in records:  # in seq order: an amendment comes after what it amends
            e = r.entry
            if isinstance(e, EventHead):
                keep = self.matches(e)
            else:  # an amendment of a kept event; a thread's new title when any is kept
                keep = e.target in kept if is_amendment(e) else bool(kept)
            if keep:
                kept.add(e.key)
                out.append(r)
        return out

    def thread_matches(self, state: ThreadState) -> bool:
        """``asof``: is the thread, as it stood, one this filter asks about? One of the
        actors among its parties, a stance on the issue, its status; ``types`` and
        ``text`` need its events (``per_event``: the caller checks them)."""
        if self.actors and not any(a in state.parties for a in self.actors):
            return False
        if self.issue is not None and not any(p.issue == self.issue for p in state.positions):
            return False
        return self.status is None or state.status == self.status

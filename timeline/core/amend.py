"""Corrections and retractions: what they do to the events they amend. Pure: no I/O.

A correction names its target and the fields it replaces (``set``); a retraction names
its target and a reason. Both take effect in ``asof D`` only when their own ``known <= D``.
When ``known`` is omitted it is the target's, and the record is a *data-entry fix*: it
applies in every view, as if the mistake had never been made (so a typo fixed in a
date moves the event in every view, including dates before the target's old known day).

``annotate`` turns a thread's records into each event as known on a day, with what
amended it; ``resolve`` keeps the effective events only. The input rules of corrections
and retractions are in ``validate``; their stored form in ``mapper``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from typing import Any, overload

from timeline.core.errors import InvalidEvent
from timeline.core.mapper import entry_to_payload, stored_value
from timeline.core.model import (
    Amendment,
    Correction,
    Entry,
    Event,
    EventHead,
    EventView,
    Key,
    R,
    Record,
    Retraction,
    takes_place,
)
from timeline.core.validate import event_from_input
from timeline.core.viewpoints import viewed_by

__all__ = [
    "annotate",
    "apply_corrections",
    "check_views",
    "checked_corrections",
    "fill_target",
    "in_effect",
    "resolve",
    "with_known",
]

_HEAD_FIELDS = frozenset(f.name for f in fields(EventHead))
_EVENT_FIELDS = frozenset(f.name for f in fields(Event))


@overload
def apply_corrections(event: Event, corrections: Iterable[Correction]) -> Event: ...
@overload
def apply_corrections(event: EventHead, corrections: Iterable[Correction]) -> EventHead: ...
def apply_corrections(event: EventHead, corrections: Iterable[Correction]) -> EventHead:
    """The event with each correction's fields replaced, in the order given, trusting the
    corrections as stored: they were checked when recorded (``checked_corrections``), so
    replaying an old log never depends on today's input rules.

    A ``known`` that was never given follows a corrected ``date`` (a fixed typo behaves
    as if it had never been made). An ``EventHead`` stays a head (corrections of
    summary, sources or refs do not show).
    """
    changes: dict[str, Any] = {}
    for c in corrections:
        changes.update(c.changes)
    fields = _HEAD_FIELDS if not isinstance(event, Event) else _EVENT_FIELDS
    values = {k: stored_value(k, v, event.thread) for k, v in changes.items() if k in fields}
    if values.get("known") is not None:
        values["known_given"] = True
    elif not event.known_given:  # it follows the (corrected) date
        values["known"] = (values.get("date") or event.date).last
    if event.announced is not None:  # scheduled: ``known`` says when it was announced
        values["announced"] = values.get("known") or event.announced
        values["known"] = takes_place(values["announced"], values.get("date") or event.date)
    for name in ("known", "date", "type", "actors", "title"):  # required: never emptied
        if values.get(name, event) is None:
            del values[name]
    return replace(event, **values)


def checked_corrections(event: Event, corrections: Iterable[Correction]) -> Event:
    """The event with the corrections applied through the input rules, as when they are
    recorded: raises InvalidEvent if the result breaks a rule."""
    data = entry_to_payload(event)
    if not data.pop("known_given"):
        del data["known"]  # so that it defaults again from the (corrected) date
    for c in corrections:
        data.update(c.changes)
    return event_from_input({k: v for k, v in data.items() if v is not None})


def in_effect(entry: Amendment, as_of: dt.date | None) -> bool:
    """Is this correction/retraction part of the view as known on ``as_of``?"""
    return as_of is None or not entry.known_given or entry.known <= as_of


def with_known(entry: Amendment, known: dt.date) -> Amendment:
    """The entry with its default ``known`` (the target's) filled in."""
    return entry if entry.known_given else replace(entry, known=known)


def _split(
    records: Iterable[R], as_of: dt.date | None
) -> tuple[list[R], dict[Key, list[tuple[R, Correction]]], dict[Key, R]]:
    events: list[R] = []
    fixes: dict[Key, list[tuple[R, Correction]]] = {}
    retractions: dict[Key, R] = {}
    for r in records:
        entry = r.entry
        if isinstance(entry, EventHead):
            events.append(r)
        elif isinstance(entry, Correction | Retraction) and in_effect(entry, as_of):
            if isinstance(entry, Correction):
                fixes.setdefault(entry.target, []).append((r, entry))
            else:
                retractions.setdefault(entry.target, r)
    return events, fixes, retractions


def annotate(
    records: Iterable[R],
    as_of: dt.date | None = None,
    *,
    check: bool = False,
    viewer: str | None = None,
) -> list[EventView[R]]:
    """Every event record with the corrections and retraction in effect on ``as_of``
    (all if None), in seq order. A retracted correction is not applied. ``check``: apply
    the corrections through the input rules (InvalidEvent if a view breaks one), as
    when recording them. ``viewer``: each (corrected) event's ``known`` is the day that
    actor knew it (``viewpoints``); amendments take effect on their own known day."""
    events, fixes, retractions = _split(records, as_of)
    out: list[EventView[R]] = []
    for r in events:
        key = r.entry.key
        mine: Sequence[tuple[R, Correction]] = ()
        if key in fixes:  # (most events have no correction: no sort to make)
            mine = sorted(
                (f for f in fixes[key] if f[1].key not in retractions),
                key=lambda f: (f[1].known, f[0].seq),
            )
        effective = r
        if mine:
            fixes_ = [c for _, c in mine]
            if check and isinstance(r.entry, Event):
                effective = replace(r, entry=checked_corrections(r.entry, fixes_))
            else:
                effective = replace(r, entry=apply_corrections(r.event, fixes_))
        seen = effective if viewer is None else viewed_by(effective, viewer)
        public = None if seen is effective else effective
        out.append(EventView(seen, r, tuple(f for f, _ in mine), retractions.get(key), public))
    return out


def resolve(
    records: Iterable[R], as_of: dt.date | None = None, viewer: str | None = None
) -> list[R]:
    """Effective event records as known on ``as_of`` (all if None), in seq order, as
    ``viewer`` knew them (None: the public).

    Retracted events are left out; corrected events carry their corrected values.
    The known-date filter on the events themselves is the projector's job.
    """
    return [a.record for a in annotate(records, as_of, viewer=viewer) if a.retraction is None]


def check_views(
    amendment: Amendment, event: Record, stored: Sequence[Record], pending: Sequence[Amendment] = ()
) -> None:
    """Every view of ``event`` a reader can get once ``amendment`` is recorded — as known
    on each day an amendment of it takes effect — must still be a valid event; raises
    InvalidEvent naming the first day that breaks.

    ``stored``: the amendments of the event already recorded (and those of its
    corrections); ``pending``: those earlier in the same import.
    """
    top = max([event.seq, *(r.seq for r in stored)])
    later = [*pending, amendment]
    records = [
        event,
        *stored,
        *(Record(top + i + 1, 0, event.recorded_at, e) for i, e in enumerate(later)),
    ]
    for day in sorted({dt.date.min, *(r.entry.known for r in records[1:])}):
        try:
            annotate(records, day, check=True)
        except InvalidEvent as e:
            when = "" if day == dt.date.min else f" as known on {day.isoformat()}"
            problem = f"the {amendment.kind} would make {event.entry.key} invalid{when}"
            raise InvalidEvent([("set", f"{problem}: {m}") for _, m in e.problems]) from None


def fill_target(amendment: Amendment, target: Entry | None) -> Amendment:
    """The amendment with its default ``known`` (the target's) filled in, if its target
    allows it; raises InvalidEvent naming the problem."""
    what = "corrects" if isinstance(amendment, Correction) else "retracts"
    if target is None:
        raise InvalidEvent([(what, f"{what}: no event {amendment.target} is recorded")])
    if isinstance(target, Retraction):
        raise InvalidEvent(
            [
                (
                    what,
                    f"{what}: {amendment.target} is a retraction, which cannot "
                    "be corrected or retracted; record the event again instead",
                )
            ]
        )
    if isinstance(amendment, Correction) and isinstance(target, Correction):
        raise InvalidEvent(
            [
                (
                    what,
                    f"corrects: {amendment.target} is a correction; correct {target.target} itself",
                )
            ]
        )
    # an announced event may be amended (talks called off) once it is announced
    floor = target.disclosed if isinstance(target, EventHead) else target.known
    if amendment.known_given and amendment.known < floor:
        known, before = amendment.known.isoformat(), floor.isoformat()
        message = f"{what}: it cannot be known ({known}) before {amendment.target} ({before})"
        raise InvalidEvent([(what, message)])
    return with_known(amendment, target.known)

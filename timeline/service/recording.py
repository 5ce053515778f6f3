"""Recording one entry: ``add`` an event, ``correct`` or ``retract`` one.

Time is passed in (``now``), never read here, so reports are reproducible.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from timeline.amend import apply_corrections, check_views, fill_target
from timeline.errors import InvalidEvent
from timeline.model import Amendment, Correction, Event, Key, Record
from timeline.service._append import append
from timeline.store import EventStore, Reader
from timeline.validate import entry_from_input, event_from_input, text_field

__all__ = ["AddResult", "add_event", "generate_id", "missing_refs", "record_amendment"]


@dataclass(frozen=True)
class AddResult:
    record: Record
    new_thread: bool


def generate_id(date_text: str, title: str, taken: Callable[[str], bool]) -> str:
    """``2022-01-26-us-and-nato-deliver-written-replies``: the date, then up to 6 title words."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    base = "-".join([date_text.rstrip("~?%"), *words[:6]])[:60].rstrip("-")
    candidate, n = base, 2
    while taken(candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def missing_refs(r: Reader, events: Iterable[Event], in_batch: Iterable[Key] = ()) -> set[Key]:
    """Refs that name neither a recorded event nor one in ``in_batch``."""
    batch = set(in_batch)
    wanted = {ref for e in events for ref in e.refs if ref not in batch}
    return wanted - set(r.find(wanted)) if wanted else set()


def add_event(
    store: EventStore, fields: Mapping[str, Any], now: dt.datetime, thread_title: str | None = None
) -> AddResult:
    """Record one event given as fields (``id`` may be missing: it is generated)."""
    data = dict(fields)
    generate = not data.get("id")
    if generate:
        data["id"] = "placeholder"  # validated first, replaced below under the write lock
    event = event_from_input(data)
    title = None
    if thread_title is not None and thread_title.strip():
        try:
            title = text_field(thread_title, "the thread title", one_line=True)
        except ValueError as e:
            raise InvalidEvent([("thread_title", str(e))]) from None
    with store.writing([event.thread]) as w:
        if generate:
            taken = lambda c: bool(w.find([Key(event.thread, c)]))  # noqa: E731
            event = replace(event, id=generate_id(event.date.text, event.title, taken))
        elif (old := w.find([event.key]).get(event.key)) is not None:
            raise InvalidEvent([("id", f"event {event.key} is already recorded (seq {old.seq})")])
        missing = missing_refs(w, [event])
        if missing:
            raise InvalidEvent([("refs", f"refs: no event {m} is recorded") for m in missing])
        current = w.states([event.thread]).get(event.thread)
        if title is not None and current is not None and current.title == title:
            title = None
        (record,) = append(w, [(event, title)], now)
    return AddResult(record, current is None)


def amended_event(r: Reader, target: Record) -> Record:
    """The event an amendment is about: its target, or the event a correction corrects."""
    if isinstance(target.entry, Correction):
        return r.find([target.entry.target])[target.entry.target]
    return target


def check_amendment(
    r: Reader, amendment: Amendment, event: Record, pending: Iterable[Amendment] = ()
) -> None:
    """Refs a correction introduces must exist; every view of the event must stay valid
    (``amend.check_views``)."""
    if isinstance(amendment, Correction) and "refs" in amendment.changes:
        try:
            refs = apply_corrections(event.event, [amendment]).refs
        except InvalidEvent:
            refs = ()
        missing = missing_refs(r, [replace(event.event, refs=refs)])
        if missing:
            raise InvalidEvent(
                [("set", f"refs: no event {m} is recorded") for m in sorted(missing)]
            )
    key = event.entry.key
    stored = r.amendments_of([key]).get(key, [])
    fixes = [s.entry.key for s in stored if isinstance(s.entry, Correction)]
    stored += [s for rs in r.amendments_of(fixes).values() for s in rs]
    check_views(amendment, event, stored, list(pending))


def record_amendment(store: EventStore, fields: Mapping[str, Any], now: dt.datetime) -> Record:
    """Record one correction (``type: correction``) or retraction, as from an event file."""
    entry = entry_from_input(fields)
    if isinstance(entry, Event):
        raise InvalidEvent([("type", "expected a correction or a retraction")])
    with store.writing([entry.thread]) as w:
        stored = w.find([entry.target, entry.key])
        if entry.key in stored:
            raise InvalidEvent([("id", f"{entry.key} is already recorded")])
        target = stored.get(entry.target)
        entry = fill_target(entry, None if target is None else target.entry)
        if target is not None:  # fill_target refused a missing one
            check_amendment(w, entry, amended_event(w, target))
        (record,) = append(w, [(entry, None)], now)
    return record

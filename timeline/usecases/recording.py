"""Recording one entry: ``add`` an event, ``correct`` or ``retract`` one.

Time is passed in (``now``), never read here, so reports are reproducible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from timeline.core.amend import apply_corrections, check_views, fill_target
from timeline.core.errors import ConflictError, InvalidEvent, KeyTaken
from timeline.core.mapper import differing_fields, same_content
from timeline.core.model import Amendment, Correction, Event, EventHead, Key, Record, Written
from timeline.core.names import Names
from timeline.core.validate import entry_from_input, event_from_input, text_field
from timeline.core.validate.lookalike import Lookalikes, entry_names
from timeline.storage import EventStore, Reader, Writer
from timeline.usecases._append import append

__all__ = [
    "AddResult",
    "NameCheck",
    "add_event",
    "check_expected",
    "checked_title",
    "generate_id",
    "lookalikes",
    "missing_refs",
    "record_amendment",
    "record_entry",
]


@dataclass(frozen=True)
class AddResult:
    record: Record
    new_thread: bool
    already: bool = False  # the same event was recorded before: nothing was added
    warnings: tuple[str, ...] = ()


class NameCheck:
    """New actor and issue names checked against those the threads show (their
    parties and positions, as the projection holds them: one row per thread, where
    every name ever given would be a read of the whole log), the aliases, and the new
    names met before them: each warning says which name a new one looks like. The
    names are read once, at the first entry that gives any."""

    def __init__(self) -> None:
        self._known: tuple[Lookalikes, Lookalikes] | None = None

    @staticmethod
    def _read(r: Reader) -> tuple[Lookalikes, Lookalikes]:
        actors: set[str] = set()
        issues: set[str] = set()
        for state in r.projections.states().values():
            actors.update(state.parties)
            issues.update(p.issue for p in state.positions)
        for alias, canonical in Names.of(r.log.alias_records()).pairs.items():
            actors.update((alias, canonical))
        hint = " (or make it an alias: `timeline alias`)"
        return Lookalikes("actor", actors, hint), Lookalikes("issue", issues)

    def warnings(self, r: Reader, entry: Written) -> list[str]:
        """The warnings for ``entry``'s names (``r``: the log, before anything new)."""
        actors, issues = entry_names(entry)
        if not (actors or issues):
            return []
        if self._known is None:
            self._known = self._read(r)
        by_actor, by_issue = self._known
        found = [by_actor.check(a) for a in actors] + [by_issue.check(i) for i in issues]
        return [m for m in found if m is not None]


def lookalikes(r: Reader, entry: Written) -> tuple[str, ...]:
    """The warnings for one entry's new names that look like names the log gives."""
    return tuple(NameCheck().warnings(r, entry))


def future_problem(
    entry: Written, today: dt.date, allow_future: bool
) -> tuple[str | None, str | None]:
    """(refusal, warning) for an entry known after ``today``: a known day given in the
    future is refused unless ``allow_future``; one that defaulted there (the last day of
    a month or year still running) is recorded, with a warning naming the day."""
    known = entry.disclosed if isinstance(entry, EventHead) else entry.known  # announced
    if known <= today or allow_future:
        return None, None
    if entry.known_given:
        return (
            f"known {known.isoformat()} is after today ({today.isoformat()}): "
            "record it once it is public, or allow it with --allow-future"
        ), None
    return None, (
        f"{entry.key}: known defaults to {entry.known.isoformat()}, the last day "
        f"of its date, after today ({today.isoformat()})"
    )


def generate_id(date_text: str, title: str, taken: Callable[[str], bool]) -> str:
    """``2022-01-26-us-and-nato-deliver-written-replies``: the date, then up to 6 title
    words; a title with no Latin letters (``Переговоры в Женеве``) gets a short hash of
    itself instead, never a bare date."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    if not words:
        words = [hashlib.sha256(title.encode("utf-8")).hexdigest()[:8]]
    base = "-".join([date_text.rstrip("~?%"), *words[:6]])[:60].rstrip("-")
    candidate, n = base, 2
    while taken(candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def missing_refs(r: Reader, events: Iterable[Event], in_batch: Iterable[Key] = ()) -> set[Key]:
    """Refs that name neither a recorded event nor one in ``in_batch``."""
    batch = set(in_batch)
    wanted = {ref for e in events for ref in e.refs if ref not in batch}
    return wanted - set(r.log.find(wanted)) if wanted else set()


def checked_title(thread_title: str | None) -> str | None:
    if thread_title is None or not thread_title.strip():
        return None
    try:
        return text_field(thread_title, "the thread title", one_line=True, name=True)
    except ValueError as e:
        raise InvalidEvent([("thread_title", str(e))]) from None


def _place(w: Writer, event: Event, generate: bool) -> tuple[Event, Record | None]:
    """The event with its id (generated if asked), and the same event if it is already
    recorded; InvalidEvent if its id holds a different one, naming what differs."""
    if generate:
        found: list[Record] = []

        def taken(candidate: str) -> bool:
            old = w.log.find([Key(event.thread, candidate)]).get(Key(event.thread, candidate))
            if old is not None and same_content(old.entry, replace(event, id=candidate)):
                found.append(old)
                return False
            return old is not None

        event = replace(event, id=generate_id(event.date.text, event.title, taken))
        return event, found[-1] if found and found[-1].entry.key == event.key else None
    old = w.log.find([event.key]).get(event.key)
    if old is None or same_content(old.entry, event):
        return event, old
    fields = ", ".join(differing_fields(old.entry, event))
    raise KeyTaken(
        [("id", f"event {event.key} is already recorded (seq {old.seq}) with a different {fields}")]
    )


def add_event(
    store: EventStore,
    fields: Mapping[str, Any],
    now: dt.datetime,
    thread_title: str | None = None,
    *,
    today: dt.date | None = None,
    allow_future: bool = False,
    recorded_by: str | None = None,
    expected: int | None = None,
) -> AddResult:
    """Record one event given as fields (``id`` may be missing: it is generated).

    Adding the same event again changes nothing (``already``). A known day after
    ``today`` (default: now's date) is refused unless ``allow_future``. ``expected``:
    the thread's version the writer last saw (ConflictError if it has moved on);
    ``recorded_by``: the name of the token it came with."""
    data = dict(fields)
    generate = not data.get("id")
    if generate:
        data["id"] = "placeholder"  # validated first, replaced below under the write lock
    event = event_from_input(data)
    title = checked_title(thread_title)
    refusal, _ = future_problem(event, today or now.date(), allow_future)
    if refusal is not None:
        raise InvalidEvent([("known", refusal)])
    with store.writing([event.thread]) as w:
        event, same = _place(w, event, generate)
        _, warning = future_problem(event, today or now.date(), allow_future)
        if same is not None:
            return AddResult(same, new_thread=False, already=True)
        check_expected(w, event.thread, expected)
        missing = missing_refs(w, [event])
        if missing:
            raise InvalidEvent([("refs", f"refs: no event {m} is recorded") for m in missing])
        current = w.projections.states([event.thread]).get(event.thread)
        known_thread = event.thread in w.projections.horizons([event.thread])
        if title is not None and current is not None and current.title == title:
            title = None
        warnings = ((warning,) if warning else ()) + lookalikes(w, event)
        (record,) = append(w, [(event, title)], now, recorded_by)
    return AddResult(record, not known_thread, warnings=warnings)


def check_expected(w: Writer, thread: str, expected: int | None) -> None:
    """Optimistic concurrency for a writer that read the thread at version ``expected``."""
    if expected is not None and w.log.version(thread) != expected:
        raise ConflictError(
            f"thread {thread} is at version {w.log.version(thread)}, not {expected}: "
            "someone recorded in it since; read it again"
        )


def amended_event(r: Reader, target: Record) -> Record:
    """The event an amendment is about: its target, or the event a correction corrects."""
    if isinstance(target.entry, Correction):
        return r.log.find([target.entry.target])[target.entry.target]
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
    stored = r.log.amendments_of([key]).get(key, [])
    fixes = [s.entry.key for s in stored if isinstance(s.entry, Correction)]
    stored += [s for rs in r.log.amendments_of(fixes).values() for s in rs]
    check_views(amendment, event, stored, list(pending))


def record_amendment(
    store: EventStore,
    fields: Mapping[str, Any],
    now: dt.datetime,
    *,
    today: dt.date | None = None,
    allow_future: bool = False,
) -> AddResult:
    """Record one correction (``type: correction``) or retraction, as from an event file;
    one with the key of a recorded one is refused. Its ``warnings``: names it sets that
    look like recorded ones."""
    return _amend(store, fields, now, today=today, allow_future=allow_future)


def _amend(
    store: EventStore,
    fields: Mapping[str, Any],
    now: dt.datetime,
    *,
    today: dt.date | None = None,
    allow_future: bool = False,
    recorded_by: str | None = None,
    expected: int | None = None,
    same_again: bool = False,
) -> AddResult:
    """``record_amendment`` (``recorded_by``, ``expected``: as for ``add_event``;
    ``same_again``: the same amendment recorded before is ``already``, not refused)."""
    entry = entry_from_input(fields)
    if isinstance(entry, Event):
        raise InvalidEvent([("type", "expected a correction or a retraction")])
    with store.writing([entry.thread]) as w:
        stored = w.log.find([entry.target, entry.key])
        target = stored.get(entry.target)
        old = stored.get(entry.key)
        if old is not None and same_again and old.kind == entry.kind:
            filled = entry if target is None else fill_target(entry, target.entry)
            if same_content(old.entry, filled):
                return AddResult(old, new_thread=False, already=True)
        if old is not None:
            raise KeyTaken([("id", f"{entry.key} is already recorded")])
        check_expected(w, entry.thread, expected)
        entry = fill_target(entry, None if target is None else target.entry)
        refusal, _ = future_problem(entry, today or now.date(), allow_future)
        if refusal is not None:
            raise InvalidEvent([("known", refusal)])
        if target is not None:  # fill_target refused a missing one
            check_amendment(w, entry, amended_event(w, target))
        warnings = lookalikes(w, entry)
        (record,) = append(w, [(entry, None)], now, recorded_by)
    return AddResult(record, new_thread=False, warnings=warnings)


def record_entry(
    store: EventStore,
    fields: Mapping[str, Any],
    now: dt.datetime,
    *,
    recorded_by: str | None = None,
    expected: int | None = None,
    thread_title: str | None = None,
) -> AddResult:
    """One event, correction or retraction as an event file writes it (by its ``type``),
    as ``timeline serve`` takes them: the same entry again is ``already`` recorded (a
    client may retry), another under a recorded key is refused; ``expected``: the
    thread's version the writer read (ConflictError if it moved on)."""
    if fields.get("type") in ("correction", "retraction"):
        return _amend(
            store, fields, now, recorded_by=recorded_by, expected=expected, same_again=True
        )
    return add_event(store, fields, now, thread_title, recorded_by=recorded_by, expected=expected)

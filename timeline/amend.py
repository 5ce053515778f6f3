"""Corrections and retractions: new records that change what earlier ones say. Pure: no I/O.

A correction names its target and the fields it replaces (``set``); a retraction names
its target and a reason. Both take effect in ``asof D`` only when their own ``known <= D``.
When ``known`` is omitted it is the target's, and the record is a *data-entry fix*: it
applies in every view, as if the mistake had never been made (so a typo fixed in a
date moves the event in every view, including dates before the target's old known day).

``resolve`` turns a thread's records into the effective events as known on a day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from timeline.codec import (
    EVENT_FIELDS,
    as_date_text,
    canonical,
    event_from_input,
    event_to_payload,
    parse_ref,
    text_field,
)
from timeline.dates import parse_day
from timeline.errors import InvalidDate, InvalidEvent
from timeline.model import Correction, Entry, Event, Record, Retraction, is_slug

__all__ = [
    "CORRECTABLE",
    "Annotated",
    "annotate",
    "apply_corrections",
    "correction_from_input",
    "entry_content",
    "entry_from_input",
    "entry_from_payload",
    "entry_to_payload",
    "in_effect",
    "resolve",
    "retraction_from_input",
]

CORRECTABLE = tuple(f for f in EVENT_FIELDS if f not in ("thread", "id"))
_CORRECTION_FIELDS = ("thread", "id", "type", "corrects", "set", "known", "note")
_RETRACTION_FIELDS = ("thread", "id", "type", "retracts", "reason", "known")


def entry_from_input(raw: Mapping[str, Any], thread: str | None = None) -> Entry:
    """An event, correction or retraction as a user wrote it (by its ``type``)."""
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if kind == "correction":
        return correction_from_input(raw, thread)
    if kind == "retraction":
        return retraction_from_input(raw, thread)
    return event_from_input(raw, thread)


def _common(
    raw: Mapping[str, Any],
    thread: str | None,
    target_field: str,
    fields: Sequence[str],
    problems: list[tuple[str | None, str]],
) -> tuple[Any, ...]:
    for k in raw:
        if k not in fields:
            problems.append(
                (str(k), f"unknown field {k!r} in a {raw['type']} (valid: {', '.join(fields)})")
            )
    thread = raw.get("thread", thread)
    target = None
    if raw.get(target_field) in (None, ""):
        problems.append(
            (
                target_field,
                f"missing required field {target_field!r} (the event, as 'thread/id' or 'id')",
            )
        )
    elif thread is None and "/" not in str(raw[target_field]):
        problems.append((target_field, f"{target_field}: name the event as 'thread/id'"))
    else:
        try:
            target = parse_ref(raw[target_field], thread or "")
        except ValueError as e:
            problems.append((target_field, f"{target_field}: {e}"))
    event_id = raw.get("id")
    if event_id is not None and not is_slug(event_id):
        problems.append(("id", f"invalid id {event_id!r}: use lowercase letters, digits and '-'"))
    known = None
    if raw.get("known") not in (None, ""):
        try:
            known = parse_day(as_date_text(raw["known"]), "known date")  # type: ignore[arg-type]
        except InvalidDate as e:
            problems.append(("known", str(e)))
    return target, event_id, known


def _generated_id(target: str, word: str, content: Any) -> str:
    """``<target id>-<word>-<6 hex>``: stable for the same content, so re-imports match."""
    digest = hashlib.sha256(canonical(content).encode()).hexdigest()[:6]
    return f"{target.split('/', 1)[1][:60]}-{word}-{digest}"


def correction_from_input(raw: Mapping[str, Any], thread: str | None = None) -> Correction:
    """A correction, checked on its own (the target is checked by ``apply_corrections``).

    ``known`` is left at ``date.min`` when omitted: the caller sets the target's.
    """
    problems: list[tuple[str | None, str]] = []
    target, event_id, known = _common(raw, thread, "corrects", _CORRECTION_FIELDS, problems)
    changes = raw.get("set")
    if not isinstance(changes, Mapping) or not changes:
        problems.append(("set", "a correction needs 'set': the fields it replaces"))
        changes = {}
    for k in changes:
        if k in ("thread", "id"):
            problems.append(
                ("set", f"a correction cannot change {k!r}: record the event again instead")
            )
        elif k not in CORRECTABLE:
            problems.append(
                ("set", f"cannot correct unknown field {k!r} (valid: {', '.join(CORRECTABLE)})")
            )
    note = raw.get("note")
    if note is not None:
        try:
            note = text_field(note, "note")
        except ValueError as e:
            problems.append(("note", str(e)))
    if problems:
        raise InvalidEvent(problems)
    plain = {k: as_date_text(v) if k == "date" or k == "known" else v for k, v in changes.items()}
    content = {"corrects": target, "set": plain, "known": known and known.isoformat(), "note": note}
    return Correction(
        thread=target.split("/", 1)[0],
        id=event_id or _generated_id(target, "fix", content),
        target=target,
        changes=plain,
        known=known or dt.date.min,
        known_given=known is not None,
        note=note,
    )


def retraction_from_input(raw: Mapping[str, Any], thread: str | None = None) -> Retraction:
    """A retraction, checked on its own; ``known`` as for corrections."""
    problems: list[tuple[str | None, str]] = []
    target, event_id, known = _common(raw, thread, "retracts", _RETRACTION_FIELDS, problems)
    reason = None
    try:
        reason = text_field(raw.get("reason"), "reason")
    except ValueError:
        problems.append(("reason", "a retraction needs a 'reason'"))
    if problems:
        raise InvalidEvent(problems)
    content = {"retracts": target, "reason": reason, "known": known and known.isoformat()}
    return Retraction(
        thread=target.split("/", 1)[0],
        id=event_id or _generated_id(target, "retracted", content),
        target=target,
        reason=reason,
        known=known or dt.date.min,  # type: ignore[arg-type]
        known_given=known is not None,
    )


def apply_corrections(event: Event, corrections: Iterable[Correction]) -> Event:
    """The event with each correction's fields replaced, in the order given.

    A ``known`` that was never given follows a corrected ``date`` (a fixed typo behaves
    as if it had never been made). Raises InvalidEvent if the result breaks a rule.
    """
    data = event_to_payload(event)
    if not data.pop("known_given"):
        del data["known"]  # so that it defaults again from the (corrected) date
    for c in corrections:
        data.update(c.changes)
    return event_from_input({k: v for k, v in data.items() if v is not None})


def in_effect(entry: Correction | Retraction, as_of: dt.date | None) -> bool:
    """Is this correction/retraction part of the view as known on ``as_of``?"""
    return as_of is None or not entry.known_given or entry.known <= as_of


@dataclass(frozen=True)
class Annotated:
    """An event record as a view sees it: corrected values, and what changed it."""

    record: Record  # its entry carries the corrected values
    original: Record
    corrections: tuple[Record, ...] = ()  # in the order applied
    retraction: Record | None = None


def annotate(records: Iterable[Record], as_of: dt.date | None = None) -> list[Annotated]:
    """Every event record with the corrections and retraction in effect on ``as_of``
    (all if None), in seq order. A retracted correction is not applied."""
    events: list[Record] = []
    fixes: dict[str, list[Record]] = {}
    retractions: dict[str, Record] = {}
    for r in records:
        entry = r.entry
        if isinstance(entry, Event):
            events.append(r)
        elif in_effect(entry, as_of):
            if isinstance(entry, Correction):
                fixes.setdefault(entry.target, []).append(r)
            else:
                retractions.setdefault(entry.target, r)
    out: list[Annotated] = []
    for r in events:
        key = r.entry.key
        mine = sorted(
            (f for f in fixes.get(key, ()) if f.entry.key not in retractions),
            key=lambda f: (f.entry.known, f.seq),
        )
        effective = r
        if mine:
            effective = replace(r, entry=apply_corrections(r.event, [f.entry for f in mine]))  # type: ignore[misc]
        out.append(Annotated(effective, r, tuple(mine), retractions.get(key)))
    return out


def resolve(records: Iterable[Record], as_of: dt.date | None = None) -> list[Record]:
    """Effective event records as known on ``as_of`` (all if None), in seq order.

    Retracted events are left out; corrected events carry their corrected values.
    The known-date filter on the events themselves is the projector's job.
    """
    return [a.record for a in annotate(records, as_of) if a.retraction is None]


# ---- stored form -------------------------------------------------------------------


def entry_to_payload(entry: Entry) -> dict[str, Any]:
    if isinstance(entry, Event):
        return event_to_payload(entry)
    p: dict[str, Any] = {"thread": entry.thread, "id": entry.id, "kind": entry.kind}
    if isinstance(entry, Correction):
        p["corrects"] = entry.target
        p["set"] = dict(entry.changes)
        if entry.note is not None:
            p["note"] = entry.note
    else:
        p["retracts"] = entry.target
        p["reason"] = entry.reason
    p["known"] = entry.known.isoformat()
    p["known_given"] = entry.known_given
    return p


def entry_content(entry: Entry) -> str:
    """What makes two records "the same" for idempotent import: the canonical payload,
    whatever way ``known`` was arrived at (written out or defaulted to the same day)."""
    p = entry_to_payload(entry)
    del p["known_given"]
    return canonical(p)


def entry_from_payload(p: Mapping[str, Any], kind: str) -> Entry:
    from timeline.codec import event_from_payload

    if kind == "event":
        return event_from_payload(p)
    known = dt.date.fromisoformat(p["known"])
    if kind == "correction":
        return Correction(
            p["thread"], p["id"], p["corrects"], p["set"], known, p["known_given"], p.get("note")
        )
    return Retraction(p["thread"], p["id"], p["retracts"], p["reason"], known, p["known_given"])


def describe(entry: Correction | Retraction) -> str:
    """One line for logs: what the correction changes, or why the event was retracted."""
    if isinstance(entry, Correction):
        parts = [f"{k}: {_short(v)}" for k, v in entry.changes.items()]
        return "corrects " + entry.target + " — " + "; ".join(parts)
    return f"retracts {entry.target} — {entry.reason}"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else canonical(value)
    return text if len(text) <= 60 else text[:57] + "..."


def with_known(entry: Correction | Retraction, known: dt.date) -> Correction | Retraction:
    """The entry with its default ``known`` (the target's) filled in."""
    return entry if entry.known_given else replace(entry, known=known)

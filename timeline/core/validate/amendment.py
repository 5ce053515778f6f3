"""The input rules of corrections and retractions, each checked on its own; whether its
target allows it is ``amend.fill_target``'s and ``amend.check_views``' concern. Pure."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from timeline.core.codec import canonical, nfc_all
from timeline.core.dates import parse_day
from timeline.core.errors import InvalidEvent
from timeline.core.model import Correction, Key, Retraction, is_slug
from timeline.core.validate.event import EVENT_FIELDS, SLUG_HINT
from timeline.core.validate.fields import Checker, as_date_text, text_field

__all__ = ["CORRECTABLE", "correction_from_input", "retraction_from_input"]

# Whether an event is scheduled is not corrected: record it again instead.
CORRECTABLE = tuple(f for f in EVENT_FIELDS if f not in ("thread", "id", "scheduled"))
_CORRECTION_FIELDS = ("thread", "id", "type", "corrects", "set", "known", "note")
_RETRACTION_FIELDS = ("thread", "id", "type", "retracts", "reason", "known")


def _target(raw: Mapping[str, Any], thread: str | None, name: str, c: Checker) -> Key | None:
    value = raw.get(name)
    if value in (None, ""):
        c.add(name, f"missing required field {name!r} (the event, as 'thread/id' or 'id')")
        return None
    if thread is None and "/" not in str(value):
        c.add(name, f"{name}: name the event as 'thread/id'")
        return None
    try:
        return Key.parse(value, thread)
    except ValueError as e:
        c.add(name, f"{name}: {e}")
        return None


def _amendment_common(
    raw: Mapping[str, Any],
    thread: str | None,
    target_field: str,
    fields: Sequence[str],
    c: Checker,
) -> tuple[Key | None, str | None, dt.date | None]:
    """(target, id, known) of a correction or retraction."""
    for k in raw:
        if k not in fields:
            c.add(str(k), f"unknown field {k!r} in a {raw['type']} (valid: {', '.join(fields)})")
    thread = raw.get("thread", thread)
    if thread is not None and not is_slug(thread):
        # the log's own threads (``_aliases``, ``_tokens``) are not slugs: no amendment
        # reaches their records, as no event can be recorded in them
        c.add("thread", f"invalid thread {thread!r}: {SLUG_HINT}")
        target = None
    else:
        target = _target(raw, thread, target_field, c)
    event_id = raw.get("id")
    if event_id is not None and not is_slug(event_id):
        c.add("id", f"invalid id {event_id!r}: use lowercase letters, digits and '-'")
    known = None
    if raw.get("known") not in (None, ""):
        known = c.check("known", parse_day, as_date_text(raw["known"]), "known date")
    return target, event_id, known


def _generated_id(target: Key, word: str, content: Any) -> str:
    """``<target id>-<word>-<6 hex>``: stable for the same content, so re-imports match."""
    digest = hashlib.sha256(canonical(content).encode()).hexdigest()[:6]
    return f"{target.id[:60]}-{word}-{digest}"


def _changes(raw: Mapping[str, Any], c: Checker) -> dict[str, Any]:
    changes = raw.get("set")
    if not isinstance(changes, Mapping) or not changes:
        c.add("set", "a correction needs 'set': the fields it replaces")
        return {}
    for k in changes:
        if k in ("thread", "id", "scheduled"):
            c.add("set", f"a correction cannot change {k!r}: record the event again instead")
        elif k not in CORRECTABLE:
            c.add("set", f"cannot correct unknown field {k!r} (valid: {', '.join(CORRECTABLE)})")
    return {k: _as_written(k, v) for k, v in changes.items()}


def _as_written(field: str, value: Any) -> Any:
    """A corrected value as stored in ``set``: dates as text (YAML reads them as dates),
    every text in NFC, as the stored payload (``codec.canonical``) holds it: the
    correction recorded is then the one its record's columns describe."""
    if field in ("date", "known"):
        return as_date_text(value)
    if field == "known_to" and isinstance(value, Mapping):
        return {nfc_all(actor): as_date_text(d) for actor, d in value.items()}
    return nfc_all(value)


def correction_from_input(raw: Mapping[str, Any], thread: str | None = None) -> Correction:
    """A correction, checked on its own (the target is checked by ``amend``).

    ``known`` is left at ``date.min`` when omitted: the caller sets the target's.
    """
    c = Checker()
    target, event_id, known = _amendment_common(raw, thread, "corrects", _CORRECTION_FIELDS, c)
    changes = _changes(raw, c)
    note = raw.get("note")
    if note is not None:
        note = c.check("note", text_field, note, "note")
    c.raise_if_any()
    if target is None:  # reported above
        raise InvalidEvent([("corrects", "a correction needs 'corrects'")])
    content = {
        "corrects": str(target),
        "set": changes,
        "known": known and known.isoformat(),
        "note": note,
    }
    return Correction(
        thread=target.thread,
        id=event_id or _generated_id(target, "fix", content),
        target=target,
        changes=changes,
        known=known or dt.date.min,
        known_given=known is not None,
        note=note,
    )


def retraction_from_input(raw: Mapping[str, Any], thread: str | None = None) -> Retraction:
    """A retraction, checked on its own; ``known`` as for corrections."""
    c = Checker()
    target, event_id, known = _amendment_common(raw, thread, "retracts", _RETRACTION_FIELDS, c)
    reason = ""
    given = raw.get("reason")
    if not isinstance(given, str) or not given.strip():
        c.add("reason", "a retraction needs a 'reason'")
    else:
        reason = c.check("reason", text_field, given, "reason") or ""
    c.raise_if_any()
    if target is None:  # reported above
        raise InvalidEvent([("retracts", "a retraction needs 'retracts'")])
    content = {"retracts": str(target), "reason": reason, "known": known and known.isoformat()}
    return Retraction(
        thread=target.thread,
        id=event_id or _generated_id(target, "retracted", content),
        target=target,
        reason=reason,
        known=known or dt.date.min,
        known_given=known is not None,
    )

"""The input rules: events, corrections and retractions as a user wrote them. Pure: no I/O.

``entry_from_input`` is the one gate for user data (event files, ``timeline add``,
``correct``, ``retract``): it checks every rule and reports every problem of an entry
at once, as ``InvalidEvent([(field, message), ...])``. Stored records are trusted on
read and never come back here. ``event`` holds the rules of events, ``amendment`` those
of corrections and retractions, ``fields`` what they share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from timeline.core.model import Written
from timeline.core.validate.amendment import (
    CORRECTABLE,
    correction_from_input,
    retraction_from_input,
)
from timeline.core.validate.event import EVENT_FIELDS, event_from_input
from timeline.core.validate.fields import as_date_text, text_field

__all__ = [
    "CORRECTABLE",
    "EVENT_FIELDS",
    "as_date_text",
    "correction_from_input",
    "entry_from_input",
    "event_from_input",
    "retraction_from_input",
    "text_field",
]


def entry_from_input(raw: Mapping[str, Any], thread: str | None = None) -> Written:
    """An event, correction or retraction as a user wrote it (by its ``type``)."""
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if kind == "correction":
        return correction_from_input(raw, thread)
    if kind == "retraction":
        return retraction_from_input(raw, thread)
    return event_from_input(raw, thread)

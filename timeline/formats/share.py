"""Event files to share: records written back in the shape a person writes them, which
``timeline import`` takes. Pure: no I/O.

An event is its fields as in an event file (``known`` only when it was given, so that an
import defaults it the same way); a correction is ``type: correction`` with ``corrects``,
``set``, ``known`` (when given) and ``note``; a retraction ``type: retraction`` with
``retracts``, ``reason`` and ``known``. Every one keeps its ``id``, so importing a file
twice, or into the database it came from, adds nothing and conflicts with nothing.

JSON Lines holds any threads: one entry a line, each naming its ``thread``, the first of
each thread with its ``thread_title``. YAML holds one thread's file (``thread``,
``title``, ``events``); an entry of another thread names its own ``thread:``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from timeline.core.codec import dumps
from timeline.core.errors import TimelineError
from timeline.core.mapper import entry_to_payload
from timeline.core.model import Correction, Entry, Event
from timeline.core.views import SharedThread

__all__ = ["entry_fields", "shared_jsonl", "shared_yaml"]


def entry_fields(entry: Entry) -> dict[str, Any]:
    """The entry as a person writes it in an event file (with its thread)."""
    p = entry_to_payload(entry)
    given = p.pop("known_given")
    if not given:
        del p["known"]
    if isinstance(entry, Event):
        return p
    kind = p.pop("kind")
    out: dict[str, Any] = {"thread": p.pop("thread"), "id": p.pop("id"), "type": kind}
    out.update(p)
    if isinstance(entry, Correction):
        out["set"] = dict(entry.changes)
    return out


def shared_jsonl(threads: Sequence[SharedThread]) -> Iterator[str]:
    """JSON Lines: an entry a line, the first of each thread with its title."""
    for t in threads:
        for n, r in enumerate(t.records):
            fields = entry_fields(r.entry)
            if n == 0 and t.title is not None:
                fields = {"thread": fields.pop("thread"), "thread_title": t.title, **fields}
            yield dumps(fields) + "\n"


def shared_yaml(threads: Sequence[SharedThread], main: str) -> str:
    """One thread's event file; entries of other threads (events it refers to) name
    their own thread."""
    import yaml

    head = next((t for t in threads if t.thread == main), None)
    if head is None:
        raise TimelineError(f"thread {main!r} has nothing to export")
    events = []
    for t in [head, *(t for t in threads if t is not head)]:
        for r in t.records:
            fields = entry_fields(r.entry)
            if fields["thread"] == main:
                del fields["thread"]
            events.append(fields)
    doc: dict[str, Any] = {"thread": main}
    if head.title is not None:
        doc["title"] = head.title
    doc["events"] = events
    text: str = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    return text

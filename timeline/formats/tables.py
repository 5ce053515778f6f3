"""Renders threads and the log as CSV (RFC 4180, through the ``csv`` module), every
field shown as a terminal and a spreadsheet may safely take it. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from timeline.core.mapper import entry_summary
from timeline.core.model import Event, EventView, Hidden, Record, ThreadState, is_amendment
from timeline.formats.render import ends, listing, visible

__all__ = ["LOG_CSV", "log_csv", "threads_csv"]


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """RFC 4180 (CRLF line ends, quoted where needed), every field ``visible``: the
    renderer escapes, so the CLI can print it as it is."""
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    w.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _cell(value: object) -> str:
    """A CSV field: visible, and text a spreadsheet would run as a formula (=, +, -, @
    first) kept as text by a leading apostrophe, as OWASP advises."""
    text = visible(str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def threads_csv(states: Sequence[ThreadState | Hidden]) -> str:
    """One row per thread: ``thread,title,status,events,first,last`` (dates as written)."""
    rows = []
    for d in map(listing, states):
        first, last = ends(d)
        rows.append((d["thread"], d["title"] or "", d["status"], d["events"], first, last))
    return _csv(("thread", "title", "status", "events", "first", "last"), rows)


LOG_CSV = (
    "seq",
    "kind",
    "thread",
    "id",
    "date",
    "known",
    "type",
    "actors",
    "title",
    "status",
    "corrected_by",
    "retracted_by",
)


def _csv_row(item: EventView[Record] | Record) -> tuple[Any, ...]:
    record = item if isinstance(item, Record) else item.record
    e = record.entry
    if not isinstance(e, Event):  # a record as appended (--raw): what it does
        about = f"{e.kind} of {e.target}" if is_amendment(e) else entry_summary(e)
        return (record.seq, e.kind, e.thread, e.id, "", e.known, "", "", about, "", "", "")
    corrected = retracted = ""
    if isinstance(item, EventView):
        corrected = "; ".join(str(c.entry.key) for c in item.corrections)
        r = item.retraction_entry
        retracted = "" if r is None else str(r.key)
    return (
        record.seq,
        "event",
        e.thread,
        e.id,
        e.date.text,
        e.disclosed.isoformat(),
        e.type,
        "; ".join(e.actors),
        e.title,
        e.status or "",
        corrected,
        retracted,
    )


def log_csv(items: Sequence[EventView[Record]] | Sequence[Record]) -> str:
    """``log --format csv``: one row per event (or record, with ``--raw``); actors and
    amendments joined by ``; ``."""
    return _csv(LOG_CSV, map(_csv_row, items))

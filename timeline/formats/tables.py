"""Renders threads and the log as CSV (RFC 4180, through the ``csv`` module), every
field shown as a terminal and a spreadsheet may safely take it. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from timeline.core.mapper import entry_summary
from timeline.core.model import Event, EventView, Hidden, Record, ThreadState, is_amendment
from timeline.formats.render import ends, listing, visible

__all__ = ["LOG_CSV", "csv_table", "log_csv", "log_markdown", "threads_csv"]


def csv_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
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
    return csv_table(("thread", "title", "status", "events", "first", "last"), rows)


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
    return csv_table(LOG_CSV, map(_csv_row, items))


def log_markdown(items: Sequence[EventView[Record]] | Sequence[Record]) -> str:
    """``timeline log --format markdown``: a table, a row per event (or record, with
    ``--raw``), as the text shows it; a retracted event struck through."""
    from timeline.formats._markdown import md_text

    if not items:
        return "_No events match._\n"
    rows = ["| Date | Known | Type | Event | Actors | Title |", "|---|---|---|---|---|---|"]
    for item in items:
        record = item if isinstance(item, Record) else item.record
        e = record.entry
        if isinstance(e, Event):
            known = "" if e.known == e.date.last else e.known.isoformat()
            title = md_text(e.title)
            if isinstance(item, EventView):
                if item.retraction_entry is not None:
                    title = f"~~{title}~~ (retracted: {md_text(item.retraction_entry.reason)})"
                elif item.corrections:
                    title += f" (corrected {len(item.corrections)}×)"
            cells = [e.date.text, known, e.type, f"`{e.key}`", md_text(", ".join(e.actors)), title]
        else:
            kind = "retitle" if e.kind == "title" else e.kind
            cells = ["", e.known.isoformat(), kind, f"`{e.key}`", "", md_text(entry_summary(e))]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"

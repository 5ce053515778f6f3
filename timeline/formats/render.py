"""Renders states and records as text for people, Markdown, JSON and JSON Lines. Pure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from timeline.core.codec import dumps, format_recorded_at, pretty
from timeline.core.mapper import entry_summary, entry_to_payload
from timeline.core.model import Event, EventView, Hidden, Record, Retitle, ThreadState
from timeline.formats._markdown import md_text

__all__ = [
    "asof_json",
    "asof_markdown",
    "asof_text",
    "ends",
    "json_visible",
    "listing",
    "log_json",
    "log_jsonl",
    "log_text",
    "record_dict",
    "threads_json",
    "threads_markdown",
    "threads_text",
    "visible",
]

# What a terminal could act on: C0 and C1 controls (the line feed aside), DEL, and the
# Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# ... and what shows as nothing or reorders the text around it: Unicode's format
# characters (category Cf, as of Unicode 15; a test holds the list to the running
# Python's) and the other default-ignorables, but the zero-width non-joiner and joiner,
# which words of some scripts and emoji need. Names refuse them all; a title, a summary
# or a log from before that rule is shown with them escaped, never reversed or padded.
_UNSEEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029"
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160"
    "\u17b4\u17b5\u180b-\u180f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# What may be one of them: anything but printable ASCII, Latin-1's letters and signs
# (not the soft hyphen), the Latin, IPA and modifier blocks, and the dashes, quotes and
# ellipsis of General Punctuation. Most output holds nothing else, and this short class
# tells so four times as fast as _UNSEEN (a test holds it to never let one of those by).
_MAYBE_UNSEEN = re.compile("[^\n\x20-\x7e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027\u2030-\u205e]")


def visible(text: str) -> str:
    """Text for a terminal: every control character shown as an escape (``\\x1b``), so
    that data never moves the cursor, recolours the screen or hides a line. Input
    refuses these characters; this holds for anything recorded before that rule. The
    same for characters that show as nothing or reorder the text (``\u202e``)."""
    if _MAYBE_UNSEEN.search(text) is None:
        return text
    return _UNSEEN.sub(_escape, text)


def json_visible(text: str) -> str:
    """JSON text with the controls JSON leaves raw (DEL, C1, U+2028/9) escaped as \\uXXXX:
    the same document, safe to print."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


EMPTY_HINT = (
    "No events are recorded yet. Import the bundled events with `timeline import --bundled`, "
    "import your own with `timeline import PATH`, or record one with `timeline add`."
)


def _pretty(value: Any) -> str:
    return pretty(value) + "\n"


def _label(s: ThreadState) -> str:
    return f"{s.thread} — {s.title}" if s.title else s.thread


# ---- asof -----------------------------------------------------------------------------


def asof_json(day: dt.date, states: Sequence[ThreadState], viewer: str | None = None) -> str:
    """``as`` is echoed for a viewpoint; in one, each ``known`` is the viewer's day."""
    doc: dict[str, Any] = {"as_of": day.isoformat()}
    if viewer is not None:
        doc["as"] = viewer
    doc["threads"] = [s.to_dict() for s in states]
    return _pretty(doc)


def _nothing_known(day: dt.date, empty: bool, viewer: str | None = None) -> str:
    if empty:
        return EMPTY_HINT + "\n"
    who = "publicly" if viewer is None else f"known to {viewer} or publicly"
    return f"Nothing recorded here was {who} known by the end of {day.isoformat()}.\n"


def _whose(viewer: str | None) -> str:
    if viewer is None:
        return "publicly known by the end of that day"
    return f"as {viewer} knew it by the end of that day: public, and privy to it"


def asof_text(
    day: dt.date, states: Sequence[ThreadState], empty: bool = False, viewer: str | None = None
) -> str:
    if not states:
        return _nothing_known(day, empty, viewer)
    n = len(states)
    out = [
        f"As of {day.isoformat()} ({_whose(viewer)}): {n} thread{'s' if n != 1 else ''}",
        "",
    ]
    for s in states:
        out.append(_label(s))
        out.append(f"  status:     {s.status}")
        out.append(f"  parties:    {', '.join(s.parties)}")
        span = s.first.date if s.events == 1 else f"{s.first.date} … {s.last.date}"
        out.append(f"  events:     {s.events} known ({span})")
        if s.events > 1:
            out.append(f"  by type:    {_by_type(s)}")
        if s.positions:
            out.append("  positions:")
            for actor, group in groupby(s.positions, key=lambda p: p.actor):
                out.append(f"    {actor}")
                for p in group:
                    out.append(f"      {p.issue}: {p.stance}  [since {p.since}, {p.event}]")
        for n, e in enumerate(s.latest):
            known = "" if e.known == e.date else f", known {e.known}"
            label = "last:" if n == 0 else ""
            out.append(f"  {label:<12}{e.date} {e.type}: {e.title}  [{e.id}{known}]")
        if s.upcoming:
            out.append("  upcoming:")
            out += [
                f"    {u.date} {u.type}: {u.title}  [{u.id}, announced {u.announced}]"
                for u in s.upcoming
            ]
        out.append("")
    return "\n".join(out)


def _by_type(s: ThreadState) -> str:
    """``7 statement, 3 talks``: its events by type, the most frequent first."""
    return ", ".join(f"{n} {kind}" for kind, n in s.type_counts())


def asof_markdown(
    day: dt.date, states: Sequence[ThreadState], empty: bool = False, viewer: str | None = None
) -> str:
    if not states:
        return _nothing_known(day, empty, viewer)
    what = (
        "What was publicly known by the end of that day."
        if viewer is None
        else f"What {md_text(viewer)} knew by the end of that day: public, and privy to it."
    )
    out = [f"# As of {day.isoformat()}", "", f"_{what}_", ""]
    for s in states:
        heading = f"{md_text(s.title)} (`{s.thread}`)" if s.title else f"`{s.thread}`"
        out += [f"## {heading}", ""]
        out.append(f"- **Status:** {s.status}")
        out.append(f"- **Parties:** {md_text(', '.join(s.parties))}")
        out.append(f"- **Events known:** {s.events} ({s.first.date} … {s.last.date})")
        if s.events > 1:
            out.append(f"- **By type:** {_by_type(s)}")
        out += [
            f"- **{'Before that' if n else 'Last'}:** {e.date} — {e.type} — {md_text(e.title)}"
            + ("" if e.known == e.date else f" (known {e.known})")
            for n, e in enumerate(s.latest)
        ]
        out += [
            f"- **Upcoming:** {u.date} — {u.type} — {md_text(u.title)} (announced {u.announced})"
            for u in s.upcoming
        ]
        out.append("")
        if s.positions:
            out += ["| Actor | Issue | Stance | Since | Event |", "|---|---|---|---|---|"]
            out += [
                f"| {md_text(p.actor)} | {md_text(p.issue)} | {md_text(p.stance)} "
                f"| {p.since} | `{p.event}` |"
                for p in s.positions
            ]
            out.append("")
    return "\n".join(out)


# ---- threads --------------------------------------------------------------------------


# the status `threads` shows for a thread that shows no event: every event retracted,
# or every one still ahead (scheduled for later, or public only later)
RETRACTED = "retracted"
AHEAD = "upcoming"


def listing(s: ThreadState | Hidden) -> dict[str, Any]:
    """A thread as ``threads --format json`` lists it."""
    if isinstance(s, Hidden):
        return {
            "thread": s.thread,
            "title": s.title,
            "status": RETRACTED if s.retracted else AHEAD,
            "events": 0,
            "first": None,
            "last": None,
        }
    return {
        "thread": s.thread,
        "title": s.title,
        "status": s.status,
        "events": s.events,
        "first": s.first.to_dict(),
        "last": s.last.to_dict(),
    }


def threads_text(states: Sequence[ThreadState | Hidden]) -> str:
    """``timeline threads``: a row per thread; one whose events were all retracted shows
    as ``retracted``, with no first or last event."""
    if not states:
        return EMPTY_HINT + "\n"
    width = max(len("THREAD"), *(len(s.thread) for s in states))
    rows = [
        f"{'THREAD':<{width}}  {'STATUS':<11}  {'EVENTS':>6}  {'FIRST':<10}  {'LAST':<10}  TITLE"
    ]
    for d in map(listing, states):
        first = d["first"]["date"] if d["first"] else "-"
        last = d["last"]["date"] if d["last"] else "-"
        rows.append(
            f"{d['thread']:<{width}}  {d['status']:<11}  {d['events']:>6}  {first:<10}  "
            f"{last:<10}  {d['title'] or ''}".rstrip()
        )
    return "\n".join(rows) + "\n"


def threads_json(states: Sequence[ThreadState | Hidden]) -> str:
    return _pretty({"threads": [listing(s) for s in states]})


def ends(d: dict[str, Any]) -> tuple[str, str]:
    """A listed thread's first and last event dates, as written ("" if none)."""
    return (d["first"]["date"] if d["first"] else "", d["last"]["date"] if d["last"] else "")


def threads_markdown(states: Sequence[ThreadState | Hidden]) -> str:
    if not states:
        return EMPTY_HINT + "\n"
    out = ["| Thread | Status | Events | First | Last | Title |", "|---|---|---:|---|---|---|"]
    for d in map(listing, states):
        first, last = ends(d)
        out.append(
            f"| `{d['thread']}` | {d['status']} | {d['events']} | {first} | {last} "
            f"| {md_text(d['title'] or '')} |"
        )
    return "\n".join(out) + "\n"


# ---- log ------------------------------------------------------------------------------


def record_dict(r: Record) -> dict[str, Any]:
    """A record as plain JSON: what the store assigned, then the entry's fields."""
    d: dict[str, Any] = {
        "seq": r.seq,
        "version": r.version,
        "recorded_at": format_recorded_at(r.recorded_at),
    }
    if r.recorded_by is not None:
        d["recorded_by"] = r.recorded_by
    if r.thread_title is not None:
        d["thread_title"] = r.thread_title
    if r.kind != "event":
        d["kind"] = r.kind
    d.update(entry_to_payload(r.entry))
    return d


def _item_dict(item: EventView[Record] | Record) -> dict[str, Any]:
    if isinstance(item, Record):
        return record_dict(item)
    d = record_dict(item.record)
    if item.corrections:
        d["corrected_by"] = [str(c.entry.key) for c in item.corrections]
    r = item.retraction_entry
    if r is not None:
        d["retracted"] = {"by": str(r.key), "reason": r.reason, "known": r.known.isoformat()}
    if item.public is not None:  # a viewpoint: "known" is the viewer's day
        d["public_known"] = item.public_known.isoformat()
    return d


def _event_lines(e: Event, marks: str = "", public: dt.date | None = None) -> list[str]:
    known = "" if e.known == e.date.last else f"  (known {e.known.isoformat()})"
    if public is not None:
        known = f"  (known {e.known.isoformat()}; publicly {public.isoformat()})"
    if e.announced is not None:
        known = f"  (scheduled; announced {e.announced.isoformat()})"
    lines = [
        f"{e.date.text:<11} {e.type:<16} {e.key}{known}{marks}",
        f"            {', '.join(e.actors)} — {e.title}",
    ]
    if e.codes:  # what a dataset called it
        lines.append("            codes: " + ", ".join(f"{k} {v}" for k, v in e.codes))
    return lines


def _record_lines(record: Record) -> list[str]:
    e = record.entry
    if isinstance(e, Event):
        return _event_lines(e)
    kind = "retitle" if isinstance(e, Retitle) else e.kind
    return [f"{e.known.isoformat():<11} {kind:<16} {e.key}", f"            {entry_summary(e)}"]


def _view_lines(item: EventView[Record]) -> list[str]:
    marks = ""
    if item.corrections:
        n = len(item.corrections)
        marks += f"  [corrected{f' x{n}' if n > 1 else ''}]"
    r = item.retraction_entry
    if r is not None:
        marks += "  [RETRACTED]"
    public = None if item.public is None else item.public_known
    lines = _event_lines(item.record.event, marks, public)
    if r is not None:
        lines.append(f"            retracted (known {r.known.isoformat()}): {r.reason}")
    return lines


def log_text(items: Sequence[EventView[Record]] | Sequence[Record], empty: bool = False) -> str:
    """``timeline log``: events as views (corrected, marked), or records as appended."""
    if not items:
        return EMPTY_HINT + "\n" if empty else "No events match.\n"
    out: list[str] = []
    for item in items:
        out += _record_lines(item) if isinstance(item, Record) else _view_lines(item)
    return "\n".join(out) + "\n"


def log_json(items: Sequence[EventView[Record]] | Sequence[Record]) -> str:
    return _pretty([_item_dict(i) for i in items])


def log_jsonl(items: Sequence[EventView[Record]] | Sequence[Record]) -> str:
    return "".join(dumps(_item_dict(i)) + "\n" for i in items)

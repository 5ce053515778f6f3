"""iCalendar (RFC 5545) export. Pure: no I/O.

The calendar's own properties are written with the ``icalendar`` package; each event's
lines are written here (``_event``), as ``icalendar`` writes them (its property order,
value formats, escaping and folding, byte for byte: a test holds the two to the same
bytes), at about ten times its speed: a feed of a thread of a big log is built in
milliseconds, not a second. Seven independent parsers read the result in the tests.

Choices a calendar user will notice:

- Every event is all-day and transparent (history must not block anyone's free/busy time),
  from the first day of its date to the day after its last (DTEND is exclusive and always
  written: Exchange rejects events without one). ``2022-01-26`` is one day, ``2021-12``
  spans December.
- A year-only date (``2021``) is shown on 1 January only, not as a year-long banner that
  would sit across every day of the year; its SUMMARY says "(2021, date unknown)".
- Imprecise and qualified dates say so in SUMMARY and DESCRIPTION (every client shows
  those); the raw EDTF text is kept in ``X-TIMELINE-EDTF``.
- STATUS is CONFIRMED, TENTATIVE for ``~``/``?``/``%`` dates and for a scheduled event
  that has not happened by the export's day (``--asof``, or today), or CANCELLED with a
  "[RETRACTED]" SUMMARY for retracted events (talks called off too), which stay in the
  feed so that subscribed calendars update them.
- UID is ``thread/id@timeline``, stable across exports and machines. DTSTAMP and
  LAST-MODIFIED are when the event's record or its latest amendment was recorded,
  CREATED when its first record was, SEQUENCE the number of amendments applied: so
  re-exporting unchanged data gives the same bytes.
- No METHOD property: with METHOD:PUBLISH strict consumers demand an ORGANIZER, and
  Outlook treats a calendar without METHOD as a publication anyway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from timeline._version import __version__
from timeline.core.dates import EdtfDate, date_note
from timeline.core.model import Event, EventView, Record
from timeline.core.signing import SignedCheckpoint
from timeline.core.viewpoints import knew_early

__all__ = ["calendar", "calendar_chunks"]


def _span(d: EdtfDate) -> tuple[dt.date, dt.timedelta]:
    """DTSTART and how many days the event covers (DTEND is DTSTART + that)."""
    if d.precision == "year":
        return d.first, dt.timedelta(days=1)
    return d.first, d.last - d.first + dt.timedelta(days=1)


_TEXT: Any = None
_WEB = ("http://", "https://")  # the only addresses written into URL


def _text(value: str) -> Any:
    """A TEXT value escaped as RFC 5545 says (3.3.11): backslash first, then ``;``, ``,``
    and line breaks. icalendar's own escaping turns the ``\\N`` of ``C:\\Nations`` into a
    line break when read back, so timeline escapes the text itself."""
    global _TEXT
    if _TEXT is None:
        from icalendar import vText

        class Text(vText):
            def to_ical(self) -> bytes:
                text = str(self).replace("\r\n", "\n")
                for plain, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
                    text = text.replace(plain, escaped)
                return text.encode("utf-8")

        _TEXT = Text
    return _TEXT(value)


def _description(a: EventView[Record], e: Event, known: dt.date, note: str | None) -> str:
    """The DESCRIPTION's text of ``a``, whose event is ``e`` and public day ``known``
    (``note``: the date's, ``date_note``)."""
    lines: list[str] = []
    r = None if a.retraction is None else a.retraction_entry
    if r is not None:
        lines += [f"RETRACTED (known {r.known.isoformat()}): {r.reason}", ""]
    if e.summary:
        lines += [e.summary, ""]
    lines.append(f"Date: {e.date.text}" + (f" ({note})" if note else ""))
    if e.announced is not None:
        lines.append(f"Scheduled: announced {e.announced.isoformat()}")
    else:
        lines.append(f"Publicly known: {known.isoformat()}")
    early = knew_early(e if a.public is None else a.public.event)
    if early:
        lines.append(
            "Known before that to: " + ", ".join(f"{x} ({d.isoformat()})" for x, d in early)
        )
    lines.append(f"Type: {e.type}")
    lines.append(f"Actors: {', '.join(e.actors)}")
    if e.positions:
        lines.append("Positions:")
        lines += [f"- {p.actor} on {p.issue}: {p.stance}" for p in e.positions]
    if e.sources:
        lines.append("Sources:")
        for s in e.sources:
            when = f" ({s.date})" if s.date else ""
            lines.append(f"- {s.name}{when}" + (f": {s.url}" if s.url else ""))
    if a.corrections:  # (most events have none)
        for c, fix in zip(a.corrections, a.correction_entries, strict=True):
            note_text = f" ({fix.note})" if fix.note else ""
            day = c.recorded_at.date().isoformat()
            lines.append(f"Corrected on {day}: {', '.join(fix.changes)}{note_text}")
    lines.append(f"Thread: {e.thread}")
    return "\n".join(lines)


def _escape(value: str) -> str:
    """A TEXT value escaped as RFC 5545 says (3.3.11), as ``_text`` does."""
    if "\\" not in value and ";" not in value and "," not in value and "\n" not in value:
        return value
    text = value.replace("\r\n", "\n")
    for plain, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(plain, escaped)
    return text


def _folded(line: str) -> str:
    """``_fold`` of a line as text: most lines are short, and left as they are at the
    cost of a length (a line of ASCII has as many octets as characters)."""
    if len(line) < 75 and (line.isascii() or len(line.encode()) < 75):
        return line
    return _fold(line.encode()).decode()  # (a fold never cuts inside a character)


def _fold(data: bytes) -> bytes:
    """A content line of 75 octets or more (in UTF-8) folded as ``icalendar`` folds it:
    each piece the most whole characters that fit in 74 octets, but for a backslash or a
    caret at its end, which goes on with what it escapes."""
    cuts, start = [], 0
    while len(data) - start >= 75:
        end = start + 74
        while data[end] & 0xC0 == 0x80:  # never inside a character
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        cuts.append(data[start:end])
        start = end
    cuts.append(data[start:])
    return b"\r\n ".join(cuts)


@lru_cache(maxsize=4096)  # an import records its events in the same second
def _stamp(moment: dt.datetime) -> str:
    m = moment.astimezone(dt.UTC)
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}Z"


@lru_cache(maxsize=65536)  # a log's events fall on far fewer days than it has events
def _day(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _event(a: EventView[Record], day: dt.date | None) -> bytes:
    """One VEVENT, its properties in ``icalendar``'s order (its canonical ones, then the
    rest by name)."""
    e: Event = a.record.event
    if a.corrections or a.retraction:
        records = [a.original, *a.corrections, *([a.retraction] if a.retraction else [])]
        modified = _stamp(max(r.recorded_at for r in records))
    else:  # (most events: as recorded)
        records = [a.original]
        modified = _stamp(a.original.recorded_at)
    start, days = _span(e.date)
    known = a.public_known
    note = date_note(e.date)
    summary = e.title + (f" ({note})" if note else "")
    if a.retraction is not None:
        summary = "[RETRACTED] " + summary
        status = "CANCELLED"
    else:
        pending = e.announced is not None and (day is None or day < e.known)
        status = "TENTATIVE" if e.date.qualified or pending else "CONFIRMED"
    # the lines of text a record gives are folded (_folded); the others, of dates,
    # numbers and fixed words, are shorter than 75 octets whatever the record
    lines = [
        "BEGIN:VEVENT",
        _folded(f"SUMMARY:{_escape(summary)}"),
        f"DTSTART;VALUE=DATE:{_day(start)}",
    ]
    try:
        lines.append(f"DTEND;VALUE=DATE:{_day(start + days)}")
    except OverflowError:  # 9999-12-31 has no day after it: give the length instead
        lines.append(f"DURATION:P{days.days}D")
    lines += [
        f"DTSTAMP:{modified}",
        _folded(f"UID:{_escape(f'{e.thread}/{e.id}@timeline')}"),
        f"SEQUENCE:{len(records) - 1}",
        _folded(f"CATEGORIES:{_escape(e.thread)},{_escape(e.type)}"),
        f"CREATED:{_stamp(a.original.recorded_at)}",
        _folded(f"DESCRIPTION:{_escape(_description(a, e, known, note))}"),
        f"LAST-MODIFIED:{modified}",
        f"STATUS:{status}",
        "TRANSP:TRANSPARENT",
    ]
    url = next((s.url for s in e.sources if s.url and s.url.startswith(_WEB)), None)
    if url:
        lines.append(_folded(f"URL:{url}"))
    if e.announced is not None:
        lines.append(f"X-TIMELINE-ANNOUNCED:{e.announced.isoformat()}")
    lines.append(_folded(f"X-TIMELINE-EDTF:{_escape(e.date.text)}"))
    lines.append(f"X-TIMELINE-KNOWN:{known.isoformat()}")
    for actor, when in e.known_to:  # as recorded: the actor, then its EDTF date
        lines.append(_folded(f"X-TIMELINE-KNOWN-TO:{_escape(f'{actor}: {when.text}')}"))
    lines.append("END:VEVENT\r\n")
    return "\r\n".join(lines).encode()


def calendar_chunks(
    batches: Iterable[Sequence[EventView[Record]]],
    name: str,
    description: str,
    day: dt.date | None = None,
    cut: SignedCheckpoint | None = None,
) -> Iterator[bytes]:
    """The calendar a piece at a time: its properties, each batch's events by date, then
    its end. CRLF line ends, folded at 75 octets; a batch at a time in memory. ``day``:
    the export's (scheduled events not yet happened then are tentative; None: every
    scheduled event is). ``cut``: the signed checkpoint it was computed at, named in
    ``X-TIMELINE-CHECKPOINT`` (origin, size, base64 root: its note's first lines)."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", f"-//timeline//timeline {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", _text(name))
    cal.add("x-wr-calname", _text(name))  # X- properties are TEXT: escape them as such
    cal.add("description", _text(description))
    cal.add("x-wr-caldesc", _text(description))
    cal.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "P1D")
    if cut is not None:
        cal.add("x-timeline-checkpoint", _text(cut.stamp))
    end = b"END:VCALENDAR\r\n"
    head = bytes(cal.to_ical())
    yield head[: -len(end)]
    for items in batches:  # a batch a piece: one write for as many events
        yield b"".join([_event(a, day) for a in sorted(items, key=lambda a: a.date_order)])
    yield end


def calendar(
    items: Sequence[EventView[Record]], name: str, description: str, day: dt.date | None = None
) -> bytes:
    """The whole calendar (events by date), as one piece."""
    return b"".join(calendar_chunks([items], name, description, day))

"""Each calendar event is written by timeline itself, byte for byte as the ``icalendar``
package writes it (its property order, value formats, escaping and folding): the
reference here is the event built with ``icalendar``, as timeline did before, for the
seed story's records (corrections, a retraction) and for any text Hypothesis draws
(backslashes, commas, long lines, accents and emoji at the fold, line breaks)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.formats.test_pure_renderers import RECORDS, _event
from timeline.core.amend import annotate
from timeline.core.dates import date_note, parse_edtf
from timeline.core.model import Event, EventView, Record, Source
from timeline.formats import ics


def _reference(a: EventView[Record], day: dt.date | None) -> bytes:
    """The event as ``icalendar`` writes it."""
    from icalendar import Event as VEvent
    from icalendar import vUri

    e: Event = a.record.event
    records = [a.original, *a.corrections, *([a.retraction] if a.retraction else [])]
    modified = max(r.recorded_at for r in records).astimezone(dt.UTC)
    start, days = ics._span(e.date)
    note = date_note(e.date)
    summary = e.title + (f" ({note})" if note else "")
    if a.retraction is not None:
        summary, status = "[RETRACTED] " + summary, "CANCELLED"
    else:
        pending = e.announced is not None and (day is None or day < e.known)
        status = "TENTATIVE" if e.date.qualified or pending else "CONFIRMED"
    v = VEvent()
    v.add("uid", f"{e.thread}/{e.id}@timeline")
    v.add("dtstamp", modified)
    v.add("created", a.original.recorded_at.astimezone(dt.UTC))
    v.add("last-modified", modified)
    v.add("sequence", len(records) - 1)
    v.add("dtstart", start)
    try:
        v.add("dtend", start + days)
    except OverflowError:
        v.add("duration", days)
    v.add("summary", ics._text(summary))
    v.add("description", ics._text(ics._description(a, e, a.public_known, note)))
    url = next((s.url for s in e.sources if s.url and s.url.startswith(ics._WEB)), None)
    if url:
        v.add("url", vUri(url))
    v.add("categories", [e.thread, e.type])
    v.add("status", status)
    v.add("transp", "TRANSPARENT")
    v.add("x-timeline-edtf", ics._text(e.date.text))
    v.add("x-timeline-known", ics._text(a.public_known.isoformat()))
    if e.announced is not None:
        v.add("x-timeline-announced", ics._text(e.announced.isoformat()))
    for actor, when in e.known_to:
        v.add("x-timeline-known-to", ics._text(f"{actor}: {when.text}"))
    return bytes(v.to_ical())


def test_the_seed_storys_events_are_written_as_icalendar_writes_them() -> None:
    views = annotate(RECORDS)
    assert any(v.corrections for v in views) and any(v.retraction for v in views)
    for day in (None, dt.date(2022, 1, 20), dt.date(2022, 2, 2)):
        for view in views:
            assert ics._event(view, day) == _reference(view, day), view.record.event.key


text = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\x00"),
    min_size=1,
    max_size=200,
)
words = st.sampled_from(["é", "😀", "\\", ",", ";", "\n", "a" * 70, "^", " ", "Ω", "中文"])
mixed = st.lists(st.one_of(text, words), min_size=1, max_size=8).map("".join)
dates = st.sampled_from(
    ["2022-01-26", "2022-01", "2022", "2021-12~", "2022-02-02?", "0999-03-04", "9999-12-31"]
)


@given(
    title=mixed,
    summary=st.one_of(st.none(), mixed),
    actors=st.lists(mixed, min_size=1, max_size=3),
    sources=st.lists(
        st.tuples(mixed, st.one_of(st.none(), st.just("https://example.org/a,b;c"), mixed)),
        max_size=2,
    ),
    known_to=st.lists(st.tuples(mixed, st.sampled_from(["2022-01-20", "2022-01"])), max_size=2),
    date=dates,
    announced=st.booleans(),
)
def test_any_text_is_written_as_icalendar_writes_it(
    title: str,
    summary: str | None,
    actors: list[str],
    sources: list[tuple[str, str | None]],
    known_to: list[tuple[str, str]],
    date: str,
    announced: bool,
) -> None:
    base = _event("a-thread", "an-event", date, "statement", tuple(actors), title)
    extra: dict[str, Any] = {
        "summary": summary,
        "sources": tuple(Source(n, u) for n, u in sources),
        "known_to": tuple((a, parse_edtf(d)) for a, d in known_to),
    }
    if announced:
        extra["announced"] = base.date.first - dt.timedelta(days=3)
    event = replace(base, **extra)
    at = dt.datetime(2026, 11, 30, 9, 15, 30, 123456, tzinfo=dt.UTC)
    (view,) = annotate([Record(1, 1, at, event)])
    for day in (None, dt.date(2022, 1, 1)):
        assert ics._event(view, day) == _reference(view, day)


def test_lines_are_folded_as_icalendar_folds_them() -> None:
    from icalendar.parser import _foldline as foldline  # (the name its writer uses)

    for length in (74, 75, 76, 148, 149, 150, 300):
        for mark in ("\\", "^", "é", "😀", "x"):
            for at in range(length):
                line = ("a" * at + mark + "b" * length)[:length]
                assert ics._fold(line.encode()) == foldline(line).encode(), (length, mark, at)
    for text in ("é\\" * 60, "😀^" * 50, "aé😀\\b" * 40, "\\" * 200, "中" * 100):
        assert ics._fold(text.encode()) == foldline(text).encode(), text

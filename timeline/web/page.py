"""The page at ``/``: every thread's status, positions and events as HTML that reads
without JavaScript, rendered by Jinja2 with autoescaping and sent with a strict
Content-Security-Policy; its script, its styles and the vendored vis-timeline are static
files under ``/static``, sent with a long cache lifetime.

The page is what ``asof`` shows, for one day: the day asked (``?asof=D``, the date form
works without a script; never after today), else the latest day anything became public.
Its events are those known by the end of that day, each as amended then (corrections,
retractions and "public on" days known by then, and none learned later), from the same
as-of machinery as ``asof``, so the state block and the event list always agree. Each
event carries the day it became public and the last day an amendment of it took effect
(``data-amended``): the script moving the day hides at once what was not public yet
and what read otherwise then, and asks the server for the page of the new day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.staticfiles import StaticFiles

from timeline.api import EventFilter, Timeline
from timeline.core.errors import UnknownThread
from timeline.core.model import EVENT_TYPES, EventView, Hidden, Key, Record, ThreadState
from timeline.web.access import Reader, reader_of
from timeline.web.caching import IMMUTABLE, answer
from timeline.web.params import THREADS, store_of

__all__ = ["CSP", "STATIC", "CachedStatic", "router"]

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
# Events listed, latest first: up to PER_THREAD a thread, and about PAGE_EVENTS in all
# (fewer a thread when there are many threads), so that the page stays a page. The
# timeline draws from the API's window instead (``/api/v1/window``), whatever is listed.
PER_THREAD = 200
PAGE_EVENTS = 1000

# vis-timeline's standalone build also injects its stylesheet as <style> elements (the
# same rules as the vendored .css the page links); 'self' alone would refuse them, and
# 'unsafe-inline' would let any injected markup style the page. These are the digests of
# exactly those texts in the vendored 7.7.4 (the browser test fails on any violation, so
# a new version without new digests is caught). It appends each <style> empty and then
# its text, and the browser checks both: the first digest is the empty text's. Styles
# set from a script through element.style are not governed by style-src; style=""
# attributes in markup are, and the page has none.
VIS_STYLES = (
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "baaZQ3ax85WnC7GoHJg/b0c0Mc2RCKGK73AZ1RkuJn8=",
    "ATJNJCL6Wpn/tPBpNaKy3Ig13EdPxHee6ABd7iI5mws=",
    "c5RgAgDBfjnEymw+IboUyFPkkpdh8YEBSEryb+t1dMk=",
    "v0QGAkPIWT/V4bfkkxL6vDfyRDULSXZUBrHxAFR30lY=",
    "w0Te9S8PSkCwFxTBObrIR3XmcxltdxckbplgXIG85qk=",
    "U3cY7+F4GcTGxjocx4JSltmifCzwxxzq20dqKX4Tpyc=",
    "w6U1+htdQc1k4FTNbX5Rk8gOIBBM7jVgmCKvXCQklGE=",
    "4cgFR0//m8/eHo2G/esYsuZetUHlzCUWYM59sfgE9zY=",
    "JpD3E+Z6xKRloIXUfvynO2x74VKoQhS46cmzKyphJl4=",
    "QuPewnJYr+SnQiTnCNHFBw99ExTsz9f8w5320PimEPw=",
    "XBP/Oxjt3ECoRQDQ/Oy5mLhrX1dQxCIiptFACGjUcTs=",
    "q+AlK1feXh8YLw+gxDqtezQZl8UqsWOM3W5c0pt//tg=",
    "gGUn/VMBXCeWm86qX/pOf+4ZDSbe0JcaXXb4rJjw1mA=",
    "Pp9TeUBeLNGvSpG/WQNr6F3PYBi3hh26KmQ3FkCtS/s=",
)
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' " + " ".join(f"'sha256-{h}'" for h in VIS_STYLES),
        "img-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HTML = "text/html; charset=utf-8"

router = APIRouter()
Store = Annotated[Timeline, Depends(store_of)]
Asking = Annotated[Reader, Depends(reader_of)]
SINCE = Query(
    description="What changed is counted after this day (default: a week before the day shown)."
)
ASOF = Query(
    description="The day shown: YYYY-MM-DD, today or yesterday, up to today (default: the "
    "latest day anything became known)."
)


class CachedStatic(StaticFiles):
    """Static files a browser may keep for a year: the page names each with a digest of
    its bytes (``?v=``), so a changed file has a new address."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = IMMUTABLE
        return response


@cache
def environment() -> Environment:
    # autoescape for every template, whatever its name: all of them are HTML
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    env.globals["asset"] = asset
    env.globals["family_of"] = family_of
    env.globals["families_json"] = orjson.dumps(_FAMILY_OF).decode()
    return env


@cache
def asset(name: str) -> str:
    """A static file's address, with a digest of its bytes that changes with them."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]
    return f"/static/{name}?v={digest}"


# Each event type's family (every type of ``EVENT_TYPES``, a test holds it): its colour
# on the timeline and in the legend.
FAMILIES = {
    "talks": ("talks", "meeting"),
    "words": ("statement", "disclosure", "confirmation", "denial"),
    "proposals": ("proposal", "offer", "response", "acceptance"),
    "pressure": ("demand", "rejection", "suspension", "withdrawal"),
    "agreements": ("agreement", "signing", "ratification", "entry-into-force", "implementation"),
}
_FAMILY_OF = {t: family for family, types in FAMILIES.items() for t in types}


def family_of(kind: str) -> str:
    return _FAMILY_OF.get(kind, "other")


@dataclass(frozen=True)
class Item:
    """One event as the page lists it and the timeline draws it."""

    thread: str
    id: str
    date: str  # as written (EDTF)
    start: str  # first day
    end: str  # last day: a range when it differs from start
    known: str  # the day it became public
    retracted: str  # the day its retraction became public, or ""
    amended: str  # the last day a correction of it took effect (known by the day), or ""
    type: str
    title: str
    actors: str
    summary: str
    sources: list[tuple[str, str]]  # (name, url or "")
    imprecise: bool
    announced: str = ""  # a scheduled event's announcement day: shown from then on

    @property
    def family(self) -> str:
        return family_of(self.type)

    @property
    def late(self) -> int:
        """Days between the end of its date and the day it became public (0: at once)."""
        return (dt.date.fromisoformat(self.known) - dt.date.fromisoformat(self.end)).days


def _item(view: EventView[Record]) -> Item:
    event = view.record.event
    retraction = view.retraction_entry
    return Item(
        thread=event.thread,
        id=event.id,
        date=event.date.text,
        start=event.date.first.isoformat(),
        end=event.date.last.isoformat(),
        known=view.public_known.isoformat(),
        retracted="" if retraction is None else retraction.known.isoformat(),
        amended=max(
            (c.known.isoformat() for c in view.correction_entries if c.known_given), default=""
        ),
        type=event.type,
        title=event.title,
        actors=", ".join(event.actors),
        summary=event.summary or "",
        sources=[(s.name, _link(s.url)) for s in event.sources],
        imprecise=event.date.precision != "day" or event.date.qualified,
        announced="" if event.announced is None else event.announced.isoformat(),
    )


def _families(items: dict[str, list[Item]]) -> list[tuple[str, list[str]]]:
    """The legend: each family the page's events belong to, with their types."""
    present = sorted({i.type for found in items.values() for i in found})
    out = [(family, [t for t in present if family_of(t) == family]) for family in FAMILIES]
    out.append(("other", [t for t in present if family_of(t) == "other"]))
    return [(family, types) for family, types in out if types]


def _link(url: str | None) -> str:
    """A source's address as a link: http(s) only (the input rules hold this for new
    records; a log written before them may hold anything)."""
    return url if url and url.lower().startswith(("http://", "https://")) else ""


def _shown(item: Item, day: dt.date) -> bool:
    """Known (or, scheduled, announced) by the end of ``day`` and not yet retracted then."""
    iso = day.isoformat()
    public = item.known <= iso or bool(item.announced and item.announced <= iso)
    return public and not (item.retracted and item.retracted <= iso)


def _feeds(request: Request, path: str) -> dict[str, str]:
    """A feed's address where the service is reached (``serve --public-url``, else the
    address it is bound to: never the request's Host, which the client chooses), and
    the same for calendar apps."""
    base: str = request.app.state.public_url
    scheme, rest = base.split("://", 1)
    return {"web": f"{base}{path}", "webcal": f"webcal://{rest}{path}", "scheme": scheme}


# the items the timeline draws in view; it asks for a window as wide again on each side
IN_VIEW = 1000


def _first_window(
    first: dt.date,
    last: dt.date,
    day: dt.date,
    threads: list[str] | None,
    actor: str | None,
    kind: str | None,
    text: str | None,
) -> str:
    """The address of the timeline's first window (``/api/v1/window``): the log's span
    as the timeline first shows it (ten days before the first event to four after the
    last day), and half as much again on each side, as known on the day shown, with the
    page's filters. The page names it to the browser, which fetches it while the page
    is read (``<link rel=preload>``), and the script asks for it when it starts."""

    def moved(day: dt.date, days: int) -> dt.date:  # within the calendar's years
        floor, top = dt.date.min.toordinal(), dt.date.max.toordinal()
        return dt.date.fromordinal(min(top, max(floor, day.toordinal() + days)))

    start, end = moved(first, -10), moved(last, 4)
    margin = (end - start).days // 2
    query: list[tuple[str, str]] = [
        ("from", moved(start, -margin).isoformat()),
        ("to", moved(end, margin).isoformat()),
        ("asof", day.isoformat()),
        ("limit", str(2 * IN_VIEW)),
    ]
    query += [("thread", t) for t in threads or ()]
    query += [
        (name, value) for name, value in (("actor", actor), ("type", kind), ("text", text)) if value
    ]
    return "/api/v1/window?" + urlencode(query)


def _glance(state: ThreadState | None, earlier: ThreadState | None) -> dict[str, Any] | None:
    """A thread's row of the first screen: its status and since when (the day the record
    that set it became public; the first event's, if none did), and what changed since
    the earlier day's state (``earlier``; None: nothing of it was known then). Two
    states, each read from its checkpoints: the page never replays the log for it."""
    if state is None:
        return None
    since = state.status_key[0].isoformat() if state.status_key else state.first.known
    changed = []
    if earlier is None:
        changed.append("new")
    elif earlier.status != state.status:
        changed.append(f"status {earlier.status} → {state.status}")
    before = set() if earlier is None else {(p.actor, p.issue, p.stance) for p in earlier.positions}
    moved = len(
        {(p.actor, p.issue) for p in state.positions if (p.actor, p.issue, p.stance) not in before}
    )
    if moved:
        changed.append(f"{moved} position{'s' if moved != 1 else ''} taken or moved")
    known = state.events - (0 if earlier is None else earlier.events)
    if known > 0:
        changed.append(f"{known} more event{'s' if known != 1 else ''} known")
    return {"since": since, "changed": changed}


def _threads(
    request: Request,
    listing: Sequence[ThreadState | Hidden],
    states: dict[str, ThreadState],
    events: tuple[dict[str, list[Item]], dict[str, int]],  # each thread's latest, and count
    day: dt.date,
    earlier: dict[str, ThreadState],
) -> list[dict[str, Any]]:
    items, counts = events
    shown = []
    for s in listing:
        state = states.get(s.thread)
        mine = sorted(items.get(s.thread, []), key=lambda i: (i.start, i.known), reverse=True)
        by_actor: dict[str, list[Any]] = {}
        for p in state.positions if state else ():
            by_actor.setdefault(p.actor, []).append(p)
        shown.append(
            {
                "slug": s.thread,
                "title": s.title or s.thread,
                "state": state,
                "glance": _glance(state, earlier.get(s.thread)),
                "positions": by_actor,
                "events": [(i, _shown(i, day)) for i in mine],
                "more": max(0, counts.get(s.thread, 0) - len(mine)),
                "feed": _feeds(request, f"/feeds/threads/{s.thread}.ics"),
            }
        )
    return shown


@router.get("/", include_in_schema=False)
def page(
    request: Request,
    store: Store,
    reader: Asking,
    asof: Annotated[str | None, ASOF] = None,
    since: Annotated[str | None, SINCE] = None,
    thread: Annotated[list[str] | None, THREADS] = None,
    actor: Annotated[str | None, Query(description="Only events of this actor.")] = None,
    kind: Annotated[
        str | None, Query(alias="type", description="Only events of this type.")
    ] = None,
    text: Annotated[
        str | None, Query(description="Only events whose text holds every word.")
    ] = None,
) -> Response:
    """The page: first where each thread stood at the end of the day asked (by default
    the latest day anything became public, up to today) and what changed since an
    earlier day (``since``: by default a week before), then its events as amended."""
    today = reader.today
    asked = reader.maybe_asked(asof or None, "asof")
    if asked is not None:
        asked = min(asked, today)
    seq = store.head()
    # what is not public yet (an event recorded ahead of its known day) stays out of
    # the page, hidden or not: the slider cannot reach past today. Each thread's latest
    # events only, read as such: a log of millions is never decoded for one page.
    every = store.threads(today)
    per_thread = max(1, min(PER_THREAD, PAGE_EVENTS // max(1, len(every))))
    # (a day asked: only how many events each thread has today, and the days they span)
    now = store.recent(per_thread=per_thread if asked is None else 0, known_by=today)
    first = min(now.first or today, today)
    last = min(now.last or today, today)
    # by default the latest day anything became public: the state now
    day = asked or last
    found = now if asked is None else store.recent(per_thread=per_thread, known_by=day)
    items: dict[str, list[Item]] = {}
    for view in found.views:
        item = _item(view)
        items.setdefault(item.thread, []).append(item)
    # the threads with anything public today: a thread known only later is not named
    listing = [s for s in every if s.thread in now.counts]
    threads = [t for t in thread or () if t] or None
    only = EventFilter.of(
        [actor] if actor else None, [kind] if kind else None, None, None, text or None
    )
    if threads is not None:
        missing = set(threads) - {s.thread for s in listing}
        if missing:
            raise UnknownThread(
                f"unknown thread {sorted(missing)[0]!r}; `timeline threads` lists them"
            )
        listing = [s for s in listing if s.thread in threads]
    if only:  # the events it keeps, as known on the day: their threads, and only them
        kept = {v.record.entry.key for v in store.log(thread=threads, known_by=day, only=only)}
        items = {t: [i for i in found if Key(i.thread, i.id) in kept] for t, found in items.items()}
        listing = [s for s in listing if items.get(s.thread)]
    states = {s.thread: s for s in store.as_of(day, at_seq=seq)}
    before = reader.maybe_asked(since or None, "since") or day - dt.timedelta(days=7)
    before = min(before, day - dt.timedelta(days=1))
    earlier = {s.thread: s for s in store.as_of(before, at_seq=seq)}
    body = (
        environment()
        .get_template("page.html")
        .render(
            day=day.isoformat(),
            today=today.isoformat(),
            first=first.isoformat(),
            last=last.isoformat(),
            offset=(min(max(day, first), last) - first).days,
            span=(last - first).days,
            first_window=_first_window(first, last, day, threads, actor, kind, text),
            threads=_threads(request, listing, states, (items, found.counts), day, earlier),
            since=before.isoformat(),
            families=_families(items),
            filters={
                "thread": threads or [],
                "actor": actor or "",
                "type": kind or "",
                "text": text or "",
            },
            choices={
                "thread": [
                    (s.thread, s.title or s.thread) for s in every if s.thread in now.counts
                ],
                # the parties of what is public today: a name that only a later event
                # (or an actor's private knowledge) holds is not offered
                "actor": sorted(
                    {p for t in every if isinstance(t, ThreadState) for p in t.parties}
                ),
                "type": EVENT_TYPES,
            },
            feed=_feeds(request, "/feeds/all.ics"),
            known_feed=f"{request.app.state.public_url}/feeds/known.atom",
            seq=seq,
        )
    )
    return answer(request, body.encode(), HTML, headers={"Content-Security-Policy": CSP})

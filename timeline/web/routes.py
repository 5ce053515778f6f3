"""The JSON API under ``/api/v1``: status, health, threads, the log a page at a time, one
event, as-of states and diffs, the tokens. Read-only; each answer is the CLI's JSON
(``render``, ``changes``) with the log position it was computed at (``seq``), cut to
what its reader may see (``access.Reader``: the public view, or everything)."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from timeline._version import __version__
from timeline.api import EventFilter, Timeline
from timeline.core.access import public_record, public_view
from timeline.core.codec import format_recorded_at, pretty
from timeline.core.dates import parse_day
from timeline.core.errors import TimelineError, UnknownThread
from timeline.core.model import (
    SYSTEM_THREADS,
    TOKENS,
    EventView,
    Key,
    Record,
    ThreadState,
    is_slug,
)
from timeline.formats import changes, render
from timeline.web import schemas
from timeline.web.access import Reader, reader_of, require_published
from timeline.web.caching import answer
from timeline.web.params import (
    AFTER,
    AS,
    AT_SEQ,
    DAY,
    DAY_WORDS,
    LIMIT,
    THREADS,
    filters,
    store_of,
)
from timeline.web.problems import documented
from timeline.web.schemas import ok

__all__ = ["router"]

JSON = "application/json"
OPENAPI = "/api/v1/openapi.json"  # the service's OpenAPI document (also at /openapi.json)
DOCS = "/docs"  # the reference page that reads it
router = APIRouter(prefix="/api/v1")

Store = Annotated[Timeline, Depends(store_of)]
Only = Annotated[EventFilter | None, Depends(filters)]
Asking = Annotated[Reader, Depends(reader_of)]
HEALTH_EVERY = 30.0  # seconds a health answer's checks are reused (quick_check reads pages)
SLUG = Path(description="The thread's slug.")

EVERY = documented(400, 403, 404, 422)
THREADS_LIMIT = Query(
    ge=1, le=1000, description="A page of at most this many threads, by slug (default 100)."
)
THREADS_AFTER = Query(description="The cursor: threads whose slug comes after this one.")
WINDOW_LIMIT = Query(
    ge=10,
    le=5000,
    description="About this many items (events and clusters) in all: what a browser "
    "lays out at once.",
)


def _json(request: Request, doc: Any, *, immutable: bool = False) -> Response:
    return answer(request, (pretty(doc) + "\n").encode(), JSON, immutable=immutable)


def _pinned(at_seq: int | None, only: EventFilter | None) -> bool:
    """Does the answer never change? Pinned to a seq, but for a text search: the search
    index holds each text as it reads now, whatever the pin."""
    return at_seq is not None and (only is None or only.text is None)


def _basis(store: Timeline, at_seq: int | None) -> int:
    """The seq an answer is computed at: the one asked for, or the head as it is now."""
    return store.head() if at_seq is None else at_seq


@router.get(
    "",
    summary="This API: its version, its document and its routes",
    operation_id="listRoutes",
    responses=ok(schemas.Routes, "Every route of the API, with its operationId."),
)
def index(request: Request) -> Response:
    """Where to start: the OpenAPI document (``/api/v1/openapi.json``), the reference
    page (``/docs``) and each route, as the document names it."""
    doc = request.app.openapi()
    listed = [
        {
            "method": method.upper(),
            "path": path,
            "operation": op["operationId"],
            "summary": op["summary"],
        }
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    ]
    body = {"version": __version__, "openapi": OPENAPI, "docs": DOCS, "routes": listed}
    return _json(request, body)


@router.get(
    "/health",
    summary="Whether the service can read its database, and its checks",
    operation_id="getHealth",
    responses=ok(schemas.Health, "The database answers; its quick checks."),
)
def health(request: Request, store: Store) -> Response:
    """For a load balancer: 200 and the log's head while the database answers (a 503
    problem when it does not), ``status`` ``degraded`` with the ``problems`` that
    ``verify``'s quick checks find (the database's pages, the search engine, every seq
    held), else ``ok``. The checks run at most every 30 seconds."""
    now = time.monotonic()
    held = getattr(request.app.state, "health", None)
    if held is None or now - held[0] > HEALTH_EVERY:
        held = request.app.state.health = (now, store.quick_problems())
    problems = held[1]
    doc: dict[str, Any] = {"status": "degraded" if problems else "ok", "seq": store.head()}
    if problems:
        doc["problems"] = problems
    return _json(request, doc)


@router.get(
    "/status",
    summary="Version, log position and counts",
    operation_id="getStatus",
    responses=ok(schemas.Status, "The service's version, the log's head and its counts."),
)
def status(request: Request, store: Store, reader: Asking) -> Response:
    """The version, the log's head ``seq`` (records are numbered 1..seq: ``records``
    counts every one, the log's own threads too), how many threads and events it
    shows (known today in the public view, all for ``read:all``; retractions left out),
    and whether it takes writes."""
    head = store.head()
    listing = _listing(store, reader, head)
    doc = {
        "version": __version__,
        "seq": head,
        "records": head,
        "threads": len(listing),
        "events": sum(render.listing(s)["events"] for s in listing),
        "writes": request.app.state.writes,
    }
    return _json(request, doc)


def _listing(store: Timeline, reader: Reader, head: int) -> list[Any]:
    """Every thread as it stands today: all of them for ``read:all`` (those that show
    nothing yet too), those with an event public today else."""
    if reader.everything:
        return list(store.threads(reader.today))
    return list(store.as_of(reader.today, at_seq=head))


@router.get(
    "/threads",
    summary="Every thread: status, event count, first and last event",
    operation_id="listThreads",
    responses={**ok(schemas.ThreadList, "Every thread, by slug."), **documented(400, 422)},
)
def threads(
    request: Request,
    store: Store,
    reader: Asking,
    asof: Annotated[str | None, DAY] = None,
    at_seq: Annotated[int | None, AT_SEQ] = None,
) -> Response:
    """As ``timeline threads --format json`` lists them, with the ``seq`` read at; with
    ``asof``, as publicly known at the end of that day (then ``at_seq`` pins it). The
    public view lists them as known today."""
    if asof is None:
        head = store.head()
        listing = _listing(store, reader, head)
        return _json(request, {"seq": head, "threads": [render.listing(s) for s in listing]})
    when = reader.asked(asof, "asof")
    seq = _basis(store, at_seq)
    states = store.as_of(when, at_seq=seq)
    doc = {"as_of": when.isoformat(), "seq": seq, "threads": [render.listing(s) for s in states]}
    return _json(request, doc, immutable=at_seq is not None)


@router.get(
    "/threads/{thread}",
    summary="One thread's state: status, parties, positions",
    operation_id="getThread",
    responses={**ok(schemas.ThreadAnswer, "The thread's state."), **EVERY},
)
def thread(
    request: Request,
    store: Store,
    reader: Asking,
    thread: Annotated[str, SLUG],
    asof: Annotated[str | None, DAY] = None,
    viewer: Annotated[str | None, AS] = None,
    at_seq: Annotated[int | None, AT_SEQ] = None,
) -> Response:
    """The thread as it stands (as ``asof`` shows a thread; in the public view, as known
    today), or as known at the end of ``asof`` (``null`` if nothing of it was known
    then)."""
    reader.viewer(viewer)
    require_published(request, reader, [thread], None)
    if viewer is not None and asof is None:
        raise TimelineError("as needs asof: a viewpoint is what an actor knew on a day")
    if asof is None:
        head = store.head()
        found = [s for s in _listing(store, reader, head) if s.thread == thread]
        if not found:
            raise UnknownThread(f"unknown thread {thread!r}; `timeline threads` lists them")
        s = found[0]
        shown = s.to_dict() if isinstance(s, ThreadState) else render.listing(s)
        return _json(request, {"seq": head, "thread": shown})
    when = reader.asked(asof, "asof")
    seq = _basis(store, at_seq)
    states = store.as_of(when, thread=thread, viewer=viewer, at_seq=seq)
    doc: dict[str, Any] = {"as_of": when.isoformat()}
    if viewer is not None:
        doc["as"] = viewer
    doc |= {"seq": seq, "thread": states[0].to_dict() if states else None}
    return _json(request, doc, immutable=at_seq is not None)


@router.get(
    "/asof/{date}",
    summary="Where each thread stood on a day",
    operation_id="getAsOf",
    responses={**ok(schemas.AsOf, "Each thread as known at the end of the day."), **EVERY},
)
def asof(
    request: Request,
    store: Store,
    reader: Asking,
    date: Annotated[str, Path(description="The day: " + DAY_WORDS)],
    only: Only,
    thread: Annotated[list[str] | None, THREADS] = None,
    viewer: Annotated[str | None, AS] = None,
    at_seq: Annotated[int | None, AT_SEQ] = None,
    limit: Annotated[int | None, THREADS_LIMIT] = None,
    after: Annotated[str | None, THREADS_AFTER] = None,
) -> Response:
    """``timeline asof DATE --format json``, with ``seq``: every thread (or those asked
    for) as publicly known at the end of the day, or as the actor ``as`` knew it. The
    filters keep whole threads, as the CLI's do. The public view answers up to today.
    With ``limit`` (or ``after``), a page of threads at a time, by slug: ``next`` is the
    address of the following page (absent on the last); a page the filters thin may
    hold fewer than ``limit``."""
    when = reader.asked(date, "date")
    reader.viewer(viewer)
    require_published(request, reader, thread, only)
    seq = _basis(store, at_seq)
    following = None
    if limit is not None or after is not None:
        # the threads with something known by the day (to this reader: the public view
        # never names a thread known later, not even as a cursor), after the cursor
        missing = set(thread or ()) - set(store.thread_slugs())
        if missing:
            raise UnknownThread(f"unknown thread {sorted(missing)[0]!r}")
        known = sorted(store.recent(per_thread=0, known_by=when).counts)
        asked = [t for t in known if (not thread or t in thread) and (after is None or t > after)]
        page = asked[: limit or 100]
        if len(asked) > len(page):
            following = _next_after(request, page[-1])
        thread = page
    # (a page past the last thread is empty: never every thread)
    states = (
        []
        if thread == []
        else store.as_of(when, thread=thread or None, viewer=viewer, only=only, at_seq=seq)
    )
    doc: dict[str, Any] = {"as_of": when.isoformat()}
    if viewer is not None:
        doc["as"] = viewer
    doc |= {"seq": seq, "threads": [s.to_dict() for s in states]}
    if following is not None:
        doc["next"] = following
    headers = {"Link": f'<{following}>; rel="next"'} if following else {}
    body = (pretty(doc) + "\n").encode()
    return answer(request, body, JSON, immutable=_pinned(at_seq, only), headers=headers)


@router.get(
    "/window",
    summary="What a timeline draws between two days, dense stretches counted",
    operation_id="getWindow",
    responses={**ok(schemas.Window, "The events to draw, and clusters of the rest."), **EVERY},
)
def window(
    request: Request,
    store: Store,
    reader: Asking,
    start: Annotated[str, Query(alias="from", description="The first day: " + DAY_WORDS)],
    end: Annotated[str, Query(alias="to", description="The last day: " + DAY_WORDS)],
    only: Only,
    asof: Annotated[str | None, DAY] = None,
    thread: Annotated[list[str] | None, THREADS] = None,
    limit: Annotated[int, WINDOW_LIMIT] = 1000,
) -> Response:
    """The events whose dates overlap [from, to], as publicly known by the end of
    ``asof`` (default: today) and not retracted then, as amended then: what the page's
    timeline draws as it is panned and zoomed. About ``limit`` items in all, shared by
    the threads (at least four each): a thread with more events than its share has them
    counted by calendar unit (``unit``: a day, a week, a month, ... a millennium),
    clusters; an event alone in its unit is drawn. ``events`` counts them all."""
    day = reader.asked(asof or "today", "asof")
    since = parse_day(start, "from", today=reader.today)
    until = parse_day(end, "to", today=reader.today)
    if until < since:
        raise TimelineError(f"to ({until.isoformat()}) is before from ({since.isoformat()})")
    require_published(request, reader, thread, only)
    seq = store.head()
    found = store.window(
        known_by=day, since=since, until=until, thread=thread or None, only=only, budget=limit
    )
    doc = {
        "asof": day.isoformat(),
        "from": since.isoformat(),
        "to": until.isoformat(),
        "seq": seq,
        "unit": found.unit.name,
        "events": found.events,
        "drawn": [_drawn(v) for v in found.views],
        "clusters": [
            {
                "thread": c.thread,
                "start": c.start.isoformat(),
                "end": c.end.isoformat(),
                "count": c.count,
                "types": c.types,
                "late": c.late,
            }
            for c in found.clusters
        ],
    }
    return _json(request, doc)


def _drawn(view: EventView[Record]) -> dict[str, Any]:
    """An event as a timeline draws it (``getWindow``)."""
    event = view.record.event
    amended = [c.known for c in view.correction_entries if c.known_given]
    return {
        "thread": event.thread,
        "id": event.id,
        "date": event.date.text,
        "start": event.date.first.isoformat(),
        "end": event.date.last.isoformat(),
        "known": view.public_known.isoformat(),
        "announced": None if event.announced is None else event.announced.isoformat(),
        "amended": max(amended).isoformat() if amended else None,
        "imprecise": event.date.precision != "day" or event.date.qualified,
        "type": event.type,
        "title": event.title,
        "actors": list(event.actors),
    }


@router.get(
    "/diff",
    summary="What became known between two days",
    operation_id="getDiff",
    responses={**ok(schemas.Diff, "What changed, thread by thread."), **EVERY},
)
def diff(
    request: Request,
    store: Store,
    reader: Asking,
    start: Annotated[str, Query(alias="from", description="The first day: " + DAY_WORDS)],
    end: Annotated[str, Query(alias="to", description="The second day: " + DAY_WORDS)],
    only: Only,
    thread: Annotated[list[str] | None, THREADS] = None,
    viewer: Annotated[str | None, AS] = None,
    at_seq: Annotated[int | None, AT_SEQ] = None,
) -> Response:
    """``timeline diff FROM TO --format json``, with ``seq``: what became known after
    ``from``, up to and including ``to``."""
    d1, d2 = reader.asked(start, "from"), reader.asked(end, "to")
    reader.viewer(viewer)
    require_published(request, reader, thread, only)
    seq = _basis(store, at_seq)
    found = store.diff(d1, d2, thread=thread or None, viewer=viewer, only=only, at_seq=seq)
    doc = orjson.loads(changes.diff_json(found))
    doc = {k: v for k, v in doc.items() if k != "threads"} | {"seq": seq, "threads": doc["threads"]}
    return _json(request, doc, immutable=_pinned(at_seq, only))


@router.get(
    "/events",
    summary="The log, a page at a time",
    operation_id="listEvents",
    responses={
        **ok(schemas.EventsPage, "A page of records, in seq order."),
        **documented(400, 404, 422),
    },
)
def events(
    request: Request,
    store: Store,
    reader: Asking,
    only: Only,
    thread: Annotated[list[str] | None, THREADS] = None,
    after: Annotated[int, AFTER] = 0,
    limit: Annotated[int, LIMIT] = 100,
) -> Response:
    """Records as appended (``timeline log --raw --format json``), in seq order, after the
    cursor ``after``. A full page has a ``next`` link (also as ``Link: rel="next"``); for
    ``read:all``, unless it holds a text search, it never changes: sent as immutable.
    The public view leaves out the log's own threads, what is not public yet, who knew
    before the public (``known_to``) and, unless the operator publishes it,
    ``recorded_by``; token records are never served."""
    require_published(request, reader, thread, only)
    shown, last = _page(store, reader, after, limit, thread or None, only)
    following = _next(request, last) if last is not None else None
    doc = {"events": orjson.loads(render.log_json(shown)), "next": following}
    headers = {"Link": f'<{following}>; rel="next"'} if following else {}
    body = (pretty(doc) + "\n").encode()
    # a public page changes as its records become public; a search, as texts change
    immutable = last is not None and reader.everything and (only is None or only.text is None)
    return answer(request, body, JSON, immutable=immutable, headers=headers)


def _page(
    store: Timeline,
    reader: Reader,
    after: int,
    limit: int,
    threads: list[str] | None,
    only: EventFilter | None,
) -> tuple[list[Record], int | None]:
    """A page of the log as this reader may see it, and the cursor of the next (None:
    none follows). Where records are left out (token records; in the public view the
    log's own threads and what is not public yet) the log is read on until the page is
    full, and the cursor is the last record served: it never points at one left out."""
    known_by = None if reader.everything else reader.today
    shown: list[Record] = []
    while True:
        page = store.records_after(after, limit, thread=threads, only=only, known_by=known_by)
        shown += [r for r in (_served(r, reader) for r in page) if r is not None]
        if len(shown) >= limit or len(page) < limit:
            break
        after = page[-1].seq
    if len(shown) < limit:
        return shown, None
    return shown[:limit], shown[limit - 1].seq


def _served(record: Record, reader: Reader) -> Record | None:
    """A record as this reader may see it (None: not at all)."""
    if record.entry.thread == TOKENS:
        return None  # token names and digests: never
    if reader.everything:
        return record
    if record.entry.thread in SYSTEM_THREADS or record.entry.known > reader.today:
        return None
    return public_record(record, recorded_by=reader.show_recorded_by)


def _next(request: Request, last: int) -> str:
    """The next page's address, relative to the server (the other parameters kept): the
    same bytes however the client reached it."""
    return _next_after(request, str(last))


def _next_after(request: Request, cursor: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
    return f"{request.url.path}?{urlencode([*query, ('after', cursor)])}"


@router.get(
    "/events/{thread}/{id}",
    summary="One event, as corrected, with its corrections and retraction",
    operation_id="getEvent",
    responses={**ok(schemas.LogRecord, "The event, as corrected."), **documented(404)},
)
def event(
    request: Request,
    store: Store,
    reader: Asking,
    thread: Annotated[str, SLUG],
    id: Annotated[str, Path(description="The event's id within its thread.")],
    asof: Annotated[str | None, DAY] = None,
) -> Response:
    """As ``timeline log --format json`` shows an event: its values as corrected, the
    corrections that made them (``corrected_by``) and its retraction, if any: in the
    public view as known by the end of ``asof`` (default: today; a 404 before it was
    public), for ``read:all`` with every amendment unless ``asof`` is given."""
    require_published(request, reader, [thread], None)
    day = reader.maybe_asked(asof, "asof") or (None if reader.everything else reader.today)
    if not (is_slug(thread) and is_slug(id)):
        raise HTTPException(404, f"no event {id!r} in thread {thread!r}")
    found = store.event(Key(thread, id), known_by=day)
    if found is None:
        raise HTTPException(404, f"no event {id!r} in thread {thread!r}")
    if not reader.everything:
        found = public_view(found, recorded_by=reader.show_recorded_by)
    return _json(request, orjson.loads(render.log_json([found]))[0])


@router.get(
    "/tokens",
    summary="The tokens granted: names, scopes, when granted and revoked",
    operation_id="listTokens",
    responses={**ok(schemas.Tokens, "Every token granted."), **documented(401, 403)},
)
def tokens(request: Request, store: Store) -> Response:
    """For a token holding ``admin``: every token granted, by name, with its scopes and
    when it was granted and revoked; never a token or its digest."""
    doc = {
        "tokens": [
            {
                "name": g.name,
                "scopes": list(g.scopes),
                "granted": format_recorded_at(g.granted),
                "revoked": None if g.revoked is None else format_recorded_at(g.revoked),
            }
            for g in store.tokens()
        ]
    }
    return _json(request, doc)

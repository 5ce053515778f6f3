"""The JSON API under ``/api/v1``: status, health, threads, the log a page at a time, one
event, as-of states and diffs. Read-only; each answer is the CLI's JSON (``render``,
``changes``) with the log position it was computed at (``seq``)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from timeline import api
from timeline._version import __version__
from timeline.api import EventFilter, EventStore
from timeline.codec import pretty
from timeline.errors import TimelineError, UnknownThread
from timeline.formats import changes, render
from timeline.model import ThreadState
from timeline.web.caching import answer
from timeline.web.params import (
    AFTER,
    AS,
    AT_SEQ,
    DAY,
    LIMIT,
    THREADS,
    day,
    filters,
    store_of,
)
from timeline.web.problems import documented

__all__ = ["router"]

JSON = "application/json"
router = APIRouter(prefix="/api/v1")

Store = Annotated[EventStore, Depends(store_of)]
Only = Annotated[EventFilter | None, Depends(filters)]
SLUG = Path(description="The thread's slug.")

EVERY = documented(400, 404, 422)


def _json(request: Request, doc: Any, *, immutable: bool = False) -> Response:
    return answer(request, (pretty(doc) + "\n").encode(), JSON, immutable=immutable)


def _basis(store: EventStore, at_seq: int | None) -> int:
    """The seq an answer is computed at: the one asked for, or the head as it is now."""
    return api.head(store) if at_seq is None else at_seq


@router.get("/health", summary="Whether the service can read its database")
def health(request: Request, store: Store) -> Response:
    """For a load balancer: 200 and the log's head while the database answers, a 503
    problem when it does not."""
    return _json(request, {"status": "ok", "seq": api.head(store)})


@router.get("/status", summary="Version, log position and counts")
def status(request: Request, store: Store) -> Response:
    """The version, the log's head ``seq`` (records are numbered 1..seq), how many threads
    and events (known now, retractions left out) it holds, and whether it takes writes."""
    listing = api.threads(store)
    head = max((s.max_seq for s in listing), default=0)
    doc = {
        "version": __version__,
        "seq": head,
        "records": head,
        "threads": len(listing),
        "events": sum(render.listing(s)["events"] for s in listing),
        "writes": request.app.state.writes,
    }
    return _json(request, doc)


@router.get(
    "/threads",
    summary="Every thread: status, event count, first and last event",
    responses=documented(400, 422),
)
def threads(
    request: Request,
    store: Store,
    asof: Annotated[str | None, DAY] = None,
    at_seq: Annotated[int | None, AT_SEQ] = None,
) -> Response:
    """As ``timeline threads --format json`` lists them, with the ``seq`` read at; with
    ``asof``, as publicly known at the end of that day (then ``at_seq`` pins it)."""
    if asof is None:
        listing = api.threads(store)
        head = max((s.max_seq for s in listing), default=0)
        return _json(request, {"seq": head, "threads": [render.listing(s) for s in listing]})
    when = day(asof, "asof")
    seq = _basis(store, at_seq)
    states = api.as_of(store, when, at_seq=seq)
    doc = {"as_of": when.isoformat(), "seq": seq, "threads": [render.listing(s) for s in states]}
    return _json(request, doc, immutable=at_seq is not None)


@router.get(
    "/threads/{thread}",
    summary="One thread's state: status, parties, positions",
    responses=EVERY,
)
def thread(
    request: Request,
    store: Store,
    thread: Annotated[str, SLUG],
    asof: Annotated[str | None, DAY] = None,
    viewer: Annotated[str | None, AS] = None,
    at_seq: Annotated[int | None, AT_SEQ] = None,
) -> Response:
    """The thread as it stands (as ``asof`` shows a thread), or as known at the end of
    ``asof`` (``null`` if nothing of it was known then)."""
    if viewer is not None and asof is None:
        raise TimelineError("as needs asof: a viewpoint is what an actor knew on a day")
    if asof is None:
        listing = api.threads(store)
        head = max((s.max_seq for s in listing), default=0)
        found = [s for s in listing if s.thread == thread]
        if not found:
            raise UnknownThread(f"unknown thread {thread!r}; `timeline threads` lists them")
        s = found[0]
        shown = s.to_dict() if isinstance(s, ThreadState) else render.listing(s)
        return _json(request, {"seq": head, "thread": shown})
    when = day(asof, "asof")
    seq = _basis(store, at_seq)
    states = api.as_of(store, when, thread=thread, viewer=viewer, at_seq=seq)
    doc: dict[str, Any] = {"as_of": when.isoformat()}
    if viewer is not None:
        doc["as"] = viewer
    doc |= {"seq": seq, "thread": states[0].to_dict() if states else None}
    return _json(request, doc, immutable=at_seq is not None)


@router.get("/asof/{date}", summary="Where each thread stood on a day", responses=EVERY)
def asof(
    request: Request,
    store: Store,
    date: Annotated[str, Path(description="The day, YYYY-MM-DD.")],
    only: Only,
    thread: Annotated[list[str] | None, THREADS] = None,
    viewer: Annotated[str | None, AS] = None,
    at_seq: Annotated[int | None, AT_SEQ] = None,
) -> Response:
    """``timeline asof DATE --format json``, with ``seq``: every thread (or those asked
    for) as publicly known at the end of the day, or as the actor ``as`` knew it. The
    filters keep whole threads, as the CLI's do."""
    when = day(date, "date")
    seq = _basis(store, at_seq)
    states = api.as_of(store, when, thread=thread or None, viewer=viewer, only=only, at_seq=seq)
    doc: dict[str, Any] = {"as_of": when.isoformat()}
    if viewer is not None:
        doc["as"] = viewer
    doc |= {"seq": seq, "threads": [s.to_dict() for s in states]}
    return _json(request, doc, immutable=at_seq is not None)


@router.get("/diff", summary="What became known between two days", responses=EVERY)
def diff(
    request: Request,
    store: Store,
    start: Annotated[str, Query(alias="from", description="The first day, YYYY-MM-DD.")],
    end: Annotated[str, Query(alias="to", description="The second day, YYYY-MM-DD.")],
    only: Only,
    thread: Annotated[list[str] | None, THREADS] = None,
    viewer: Annotated[str | None, AS] = None,
    at_seq: Annotated[int | None, AT_SEQ] = None,
) -> Response:
    """``timeline diff FROM TO --format json``, with ``seq``: what became known after
    ``from``, up to and including ``to``."""
    d1, d2 = day(start, "from"), day(end, "to")
    seq = _basis(store, at_seq)
    found = api.diff(store, d1, d2, thread=thread or None, viewer=viewer, only=only, at_seq=seq)
    doc = orjson.loads(changes.diff_json(found))
    doc = {k: v for k, v in doc.items() if k != "threads"} | {"seq": seq, "threads": doc["threads"]}
    return _json(request, doc, immutable=at_seq is not None)


@router.get("/events", summary="The log, a page at a time", responses=documented(400, 404, 422))
def events(
    request: Request,
    store: Store,
    only: Only,
    thread: Annotated[list[str] | None, THREADS] = None,
    after: Annotated[int, AFTER] = 0,
    limit: Annotated[int, LIMIT] = 100,
) -> Response:
    """Records as appended (``timeline log --raw --format json``), in seq order, after the
    cursor ``after``. A full page has a ``next`` link (also as ``Link: rel="next"``) and,
    but for a text search, never changes: it is sent as immutable."""
    page = api.records_after(store, after, limit, thread=thread or None, only=only)
    full = len(page) == limit
    following = _next(request, page[-1].seq) if full else None
    doc = {"events": orjson.loads(render.log_json(page)), "next": following}
    headers = {"Link": f'<{following}>; rel="next"'} if following else {}
    body = (pretty(doc) + "\n").encode()
    immutable = full and (only is None or only.text is None)
    return answer(request, body, JSON, immutable=immutable, headers=headers)


def _next(request: Request, last: int) -> str:
    """The next page's address, relative to the server (the other parameters kept): the
    same bytes however the client reached it."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
    return f"{request.url.path}?{urlencode([*query, ('after', str(last))])}"


@router.get(
    "/events/{thread}/{id}",
    summary="One event, as corrected, with its corrections and retraction",
    responses=documented(404),
)
def event(
    request: Request,
    store: Store,
    thread: Annotated[str, SLUG],
    id: Annotated[str, Path(description="The event's id within its thread.")],
) -> Response:
    """As ``timeline log --format json`` shows an event: its values as corrected, the
    corrections that made them (``corrected_by``) and its retraction, if any."""
    found = [v for v in api.log(store, thread=thread) if v.record.event.id == id]
    if not found:
        raise HTTPException(404, f"no event {id!r} in thread {thread!r}")
    return _json(request, orjson.loads(render.log_json(found))[0])

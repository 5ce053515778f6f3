"""Calendar feeds to subscribe to (``/feeds/...ics``), the Atom feeds of what became
known (``/feeds/...atom``) and the other exports (``/export/...``), made by the CLI's
exporters, each with an ETag so that a reader polling an unchanged feed gets a 304."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from timeline.api import EventFilter, ExportFormat, Timeline
from timeline.core.access import public_view
from timeline.core.errors import TimelineError
from timeline.formats.atom import AtomFeed, known_atom
from timeline.web.access import Reader, reader_of, require_published
from timeline.web.caching import answer, answer_pieces
from timeline.web.params import AS, DAY, THREADS, filters, store_of
from timeline.web.problems import Responses, documented

__all__ = ["router"]

router = APIRouter()

Store = Annotated[Timeline, Depends(store_of)]
Asking = Annotated[Reader, Depends(reader_of)]
Only = Annotated[EventFilter | None, Depends(filters)]
CALENDAR = "text/calendar; charset=utf-8"
SINCE = Query(description="Events that happened on or after this date (EDTF).")
UNTIL = Query(description="Events that happened on or before this date (EDTF; 2022-01: to 31 Jan).")
ERRORS = documented(400, 403, 404, 422)
FEED: Responses = {
    200: {
        "content": {CALENDAR: {"schema": {"type": "string"}}},
        "description": "An iCalendar (RFC 5545) feed.",
    },
    **ERRORS,
}


def _export(
    request: Request,
    store: Timeline,
    reader: Reader,
    fmt: ExportFormat,
    media_type: str,
    filename: str,
    threads: list[str] | None,
    asof: str | None,
    viewer: str | None,
    only: EventFilter | None,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    reader.viewer(viewer)
    require_published(request, reader, threads, only)
    day = reader.maybe_asked(asof, "asof")
    if viewer is not None and day is None:
        raise TimelineError("as needs asof: a viewpoint is what an actor knew on a day")
    pieces = store.export_chunks(
        fmt,
        threads=threads,
        as_of=reader.cut(day),  # the public view: as known today, or on a day before
        since=since,
        until=until,
        viewer=viewer,
        only=only,
        public=not reader.everything,
    )
    disposition = {"Content-Disposition": f'inline; filename="{filename}"'}
    return answer_pieces(request, pieces, media_type, headers=disposition)


@router.get(
    "/feeds/all.ics",
    summary="Every thread as a calendar",
    operation_id="getCalendar",
    response_class=Response,
    responses=FEED,
)
def all_feed(
    request: Request,
    store: Store,
    reader: Asking,
    only: Only,
    asof: Annotated[str | None, DAY] = None,
    viewer: Annotated[str | None, AS] = None,
    since: Annotated[str | None, SINCE] = None,
    until: Annotated[str | None, UNTIL] = None,
) -> Response:
    """``timeline export ics``: one all-day event per event, corrected; retracted ones
    cancelled. ``asof``: only what was publicly known then (known to ``as``). The
    public view: as known today (or on an earlier ``asof``), without ``known_to``."""
    return _export(
        request, store, reader, "ics", CALENDAR, "all.ics", None, asof, viewer, only, since, until
    )


@router.get(
    "/feeds/threads/{thread}.ics",
    summary="One thread as a calendar",
    operation_id="getThreadCalendar",
    response_class=Response,
    responses=FEED,
)
def thread_feed(
    request: Request,
    store: Store,
    reader: Asking,
    thread: Annotated[str, Path(description="The thread's slug.")],
    only: Only,
    asof: Annotated[str | None, DAY] = None,
    viewer: Annotated[str | None, AS] = None,
    since: Annotated[str | None, SINCE] = None,
    until: Annotated[str | None, UNTIL] = None,
) -> Response:
    """``timeline export ics --thread THREAD``, named after the thread."""
    name = f"{thread}.ics"
    return _export(
        request, store, reader, "ics", CALENDAR, name, [thread], asof, viewer, only, since, until
    )


ATOM_TYPE = "application/atom+xml; charset=utf-8"
ATOM_FEED: Responses = {
    200: {
        "content": {"application/atom+xml": {"schema": {"type": "string"}}},
        "description": "An Atom (RFC 4287) feed: an entry per event, on the day it became "
        "public, the latest first.",
    },
    **ERRORS,
}
LIMIT = Query(ge=1, le=500, description="At most this many entries, the latest.")


def _known_feed(
    request: Request,
    store: Timeline,
    reader: Reader,
    threads: list[str] | None,
    limit: int,
    title: str,
) -> Response:
    require_published(request, reader, threads, None)
    site = request.app.state.public_url
    views = store.known_lately(limit=limit, known_by=reader.today, thread=threads)
    if not reader.everything:
        views = [public_view(v, recorded_by=reader.show_recorded_by) for v in views]
    query = f"?{request.url.query}" if request.url.query else ""
    feed = AtomFeed(f"{site}{request.url.path}{query}", title, site)
    body = known_atom(views, feed, reader.today)
    return answer(request, body, ATOM_TYPE)


@router.get(
    "/feeds/known.atom",
    summary="What became known: an Atom feed, an entry per event on the day it became public",
    operation_id="getKnownFeed",
    response_class=Response,
    responses=ATOM_FEED,
)
def known_feed(
    request: Request,
    store: Store,
    reader: Asking,
    thread: Annotated[list[str] | None, THREADS] = None,
    limit: Annotated[int, LIMIT] = 100,
) -> Response:
    """The events that became public last (up to today), the latest first, each as
    amended now; a retracted one drops out. ``thread``: only those threads'."""
    title = "timeline: what became known"
    return _known_feed(request, store, reader, thread or None, limit, title)


@router.get(
    "/feeds/threads/{thread}.atom",
    summary="What became known in one thread, as an Atom feed",
    operation_id="getThreadKnownFeed",
    response_class=Response,
    responses=ATOM_FEED,
)
def thread_known_feed(
    request: Request,
    store: Store,
    reader: Asking,
    thread: Annotated[str, Path(description="The thread's slug.")],
    limit: Annotated[int, LIMIT] = 100,
) -> Response:
    """As ``/feeds/known.atom?thread=THREAD``, under the thread's own address."""
    title = f"timeline: what became known in {thread}"
    return _known_feed(request, store, reader, [thread], limit, title)


@router.get(
    "/export/timelinejs.json",
    summary="A TimelineJS file",
    operation_id="getTimelineJS",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "Knight Lab's TimelineJS JSON (its own format: title, events).",
        },
        **ERRORS,
    },
)
def timelinejs(
    request: Request,
    store: Store,
    reader: Asking,
    only: Only,
    thread: Annotated[list[str] | None, THREADS] = None,
    asof: Annotated[str | None, DAY] = None,
    viewer: Annotated[str | None, AS] = None,
) -> Response:
    """``timeline export timelinejs``: Knight Lab's TimelineJS JSON, a slide per event."""
    return _export(
        request,
        store,
        reader,
        "timelinejs",
        "application/json",
        "timelinejs.json",
        thread,
        asof,
        viewer,
        only,
    )


JSONL: Responses = {
    200: {
        "content": {"application/jsonl": {"schema": {"type": "string"}}},
        "description": "JSON Lines: an entry a line, as an event file writes it.",
    },
    **ERRORS,
}


@router.get(
    "/export/events.jsonl",
    summary="Event files to import elsewhere",
    operation_id="exportEvents",
    response_class=Response,
    responses=JSONL,
)
def shared_events(
    request: Request,
    store: Store,
    reader: Asking,
    thread: Annotated[list[str] | None, THREADS] = None,
    since: Annotated[str | None, SINCE] = None,
    until: Annotated[str | None, UNTIL] = None,
) -> Response:
    """``timeline export events``: the events with their corrections and retractions, in
    the shape a person writes them, and the events they refer to; ``timeline import``
    takes the file. They carry who knew each event before the public (``known_to``) and
    what is not public yet: for a token holding ``read:all`` only."""
    reader.needs_everything("the event files to share")
    body = b"".join(store.share("jsonl", threads=thread, since=since, until=until))
    disposition = {"Content-Disposition": 'inline; filename="events.jsonl"'}
    return answer(request, body, "application/jsonl", headers=disposition)

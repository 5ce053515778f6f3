"""The query parameters the routes share — the CLI's filters and viewpoint under the same
names — and turning them into the library's values."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from timeline.api import EventFilter, Timeline

__all__ = [
    "AFTER",
    "AS",
    "AT_SEQ",
    "DAY",
    "DAY_WORDS",
    "LIMIT",
    "THREADS",
    "filters",
    "store_of",
]

DAY_WORDS = "YYYY-MM-DD, today or yesterday (the service's day)."
DAY_FORMAT = "A day: " + DAY_WORDS + " A bad day is a 400 problem."

THREADS = Query(
    alias="thread",
    description="Only this thread (repeat for several).",
)
AS = Query(
    alias="as",
    description="As this actor knew it on the day asked: what was public, and what it "
    "was privy to.",
)
AT_SEQ = Query(
    ge=0,
    description="Answer from the log as it stood when its last record had this seq "
    "(the `seq` an earlier answer echoed): the same answer, however the log grows.",
)
# the document says what a day looks like, so that a client (or a fuzzer) can tell a
# value the service takes; the service checks it itself (a 400 problem for a bad day,
# as for a bad day in a path), not by FastAPI's validation (which would answer 422)
DAY_PATTERN = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|today|yesterday)$"
DAY = Query(description=DAY_FORMAT, json_schema_extra={"pattern": DAY_PATTERN})
AFTER = Query(ge=0, description="The cursor: records with a seq after this one.")
LIMIT = Query(ge=1, le=1000, description="At most this many records.")


def filters(
    actor: Annotated[
        list[str] | None,
        Query(description="Only what this actor is a party to or takes a stance in (repeat: any)."),
    ] = None,
    type: Annotated[
        list[str] | None, Query(description="Only events of this type (repeat: any).")
    ] = None,
    issue: Annotated[
        str | None, Query(description="Only events with a stance on this issue.")
    ] = None,
    status: Annotated[str | None, Query(description="Only events that set this status.")] = None,
    text: Annotated[
        str | None,
        Query(description="Only events whose text holds every word (prefixes; accents aside)."),
    ] = None,
) -> EventFilter | None:
    """The filter the query asks for (None: none); TimelineError (400) for an unknown type
    or status, 422 for an actor or issue the log does not name."""
    found = EventFilter.of(actor, type, issue, status, text)
    return found if found else None


def store_of(request: Request) -> Timeline:
    """This worker's store (opened at start-up); each library call reads in a
    transaction of its own, so every request sees what was committed before it."""
    store: Timeline = request.app.state.store
    return store

"""The shapes of the service's JSON answers, as the OpenAPI document gives them: one
model per answer, so that a generated client gets typed values, not bare dicts.

The routes send the CLI's JSON as it is (``render``, ``changes``, ``proofs``); these
models describe it and never build it. A test holds each to what its route sends
(every key, no other), and Schemathesis checks every answer against the document.
Models forbid keys they do not name: an answer that grows a key must say so here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AsOf",
    "Checkpoint",
    "ConsistencyProof",
    "Diff",
    "EventsPage",
    "Health",
    "InclusionProof",
    "LogRecord",
    "Routes",
    "Status",
    "ThreadAnswer",
    "ThreadList",
    "Tokens",
    "Window",
    "ok",
]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class EventSummary(_Shape):
    """An event as a state names it."""

    id: str
    date: str = Field(description="Its date as recorded: an EDTF date (2022-01, 2021-12~).")
    known: str = Field(description="The day it became public, YYYY-MM-DD.")
    type: str
    title: str


class Position(_Shape):
    """An actor's stance on an issue, and the event that set it."""

    actor: str
    issue: str
    stance: str
    since: str = Field(description="The date of the event that set it.")
    event: str = Field(description="That event's id, in the thread.")


class Upcoming(_Shape):
    """A scheduled event announced by the day asked about, not yet happened on it."""

    id: str
    date: str
    announced: str
    type: str
    title: str


class Drawn(_Shape):
    """An event as a timeline draws it, as amended by the day asked about."""

    thread: str
    id: str
    date: str = Field(description="Its date as recorded: an EDTF date.")
    start: str = Field(description="The first day of its date, YYYY-MM-DD.")
    end: str = Field(description="The last day of its date: after start for 2022-01.")
    known: str = Field(description="The day it became public.")
    announced: str | None = Field(description="A scheduled event: the day it was announced.")
    amended: str | None = Field(description="The last day a correction of it took effect.")
    imprecise: bool = Field(description="A month, a year, or an uncertain or approximate date.")
    type: str
    title: str
    actors: list[str]


class Cluster(_Shape):
    """A thread's events in one calendar unit, counted rather than drawn."""

    thread: str
    start: str = Field(description="The first day of the unit.")
    end: str = Field(description="Its last day.")
    count: int
    types: dict[str, int] = Field(description="How many of each type, the most first.")
    late: int = Field(description="How many became public after their date.")


class Window(_Shape):
    """What a timeline draws between two days (``from``, ``to``)."""

    asof: str = Field(description="As publicly known by the end of this day.")
    from_: str = Field(alias="from", description="The first day of the window.")
    to: str = Field(description="Its last day.")
    seq: int = Field(description="The log position the answer was computed at.")
    unit: str = Field(description="What clusters count in: day, week, month, ..., millennium.")
    events: int = Field(description="Every event in the window, drawn or counted.")
    drawn: list[Drawn] = Field(description="The events drawn, in timeline order.")
    clusters: list[Cluster] = Field(description="The rest, by thread and unit.")


class ThreadState(_Shape):
    """A thread as known at the end of a day: what ``timeline asof`` shows."""

    thread: str
    title: str | None
    status: str
    parties: list[str] = Field(description="Every actor and position holder, sorted.")
    positions: list[Position] = Field(description="Sorted by actor, then issue.")
    events: int = Field(description="How many of its events are known.")
    first: EventSummary
    last: EventSummary = Field(description="The event that became known last.")
    upcoming: list[Upcoming]
    types: dict[str, int] = Field(description="Its events by type, the most frequent first.")
    earlier: list[EventSummary] = Field(
        description="The (at most two) events that became known just before the last, latest first."
    )


class ThreadListing(_Shape):
    """A thread as ``timeline threads`` lists it. One that shows nothing (every event
    retracted, or still ahead) has no first or last event."""

    thread: str
    title: str | None
    status: str
    events: int
    first: EventSummary | None
    last: EventSummary | None


class Health(_Shape):
    status: Literal["ok", "degraded"]
    seq: int = Field(description="The log's head.")
    problems: list[str] | None = Field(
        None, description="What verify's quick checks found (only when degraded)."
    )


class Status(_Shape):
    version: str
    seq: int = Field(description="The log's head: records are numbered 1..seq.")
    records: int
    threads: int
    events: int
    writes: bool = Field(description="Whether POST /api/v1/events is mounted.")


class ThreadList(_Shape):
    as_of: str | None = Field(None, description="The day asked (only with asof).")
    seq: int = Field(description="The log position the answer was computed at.")
    threads: list[ThreadListing]


class ThreadAnswer(_Shape):
    as_of: str | None = Field(None, description="The day asked (only with asof).")
    as_: str | None = Field(None, alias="as", description="The viewpoint asked (only with as).")
    seq: int
    thread: ThreadState | ThreadListing | None = Field(
        description="The thread's state (a listing, for a thread that shows nothing yet; "
        "null when nothing of it was known on the day asked)."
    )


class AsOf(_Shape):
    as_of: str
    as_: str | None = Field(None, alias="as", description="The viewpoint asked (only with as).")
    seq: int
    threads: list[ThreadState]
    next: str | None = Field(
        None, description="Paged (limit, after): the next page's address; absent on the last."
    )


class StatusChange(_Shape):
    from_: str = Field(alias="from")
    to: str


class Stance(_Shape):
    stance: str
    since: str
    event: str


class StanceChange(_Shape):
    actor: str
    issue: str
    from_: Stance = Field(alias="from")
    to: Stance


class PositionChanges(_Shape):
    added: list[Position]
    changed: list[StanceChange]
    dropped: list[Position]


class RetractedEvent(EventSummary):
    reason: str


class CorrectedEvent(EventSummary):
    fields: list[str] = Field(description="The fields the corrections changed.")


class EventChanges(_Shape):
    known: list[EventSummary]
    retracted: list[RetractedEvent]
    corrected: list[CorrectedEvent]


class ThreadChange(_Shape):
    thread: str
    title: str | None
    change: str = Field(description="new, changed or retracted (every event withdrawn).")
    status: StatusChange | None
    positions: PositionChanges
    events: EventChanges


class Diff(_Shape):
    from_: str = Field(alias="from")
    to: str
    as_: str | None = Field(None, alias="as", description="The viewpoint asked (only with as).")
    seq: int
    threads: list[ThreadChange]


class Source(_Shape):
    name: str
    url: str | None = None
    date: str | None = None


class StatedPosition(_Shape):
    actor: str
    issue: str
    stance: str


class Retracted(_Shape):
    by: str = Field(description="The retraction, thread/id.")
    reason: str
    known: str


class LogRecord(_Shape):
    """A record as ``timeline log --format json`` shows it: what the store assigned
    (seq, version, recorded_at, recorded_by), then the entry's fields, which depend on
    its kind (no ``kind``: an event)."""

    seq: int
    version: int = Field(description="The thread's number of records, this one included.")
    recorded_at: str
    recorded_by: str | None = None
    thread_title: str | None = None
    kind: str | None = Field(
        None,
        description="correction, retraction, title, alias, key or checkpoint; absent for an event.",
    )
    thread: str
    id: str
    date: str | None = None
    known: str
    known_given: bool | None = None
    type: str | None = None
    actors: list[str] | None = None
    title: str | None = None
    summary: str | None = None
    sources: list[Source] | None = None
    status: str | None = None
    positions: list[StatedPosition] | None = None
    refs: list[str] | None = None
    known_to: dict[str, str] | None = None
    scheduled: bool | None = None
    codes: dict[str, str] | None = Field(None, description="A dataset's codes (cameo, plover).")
    corrects: str | None = None
    set: dict[str, Any] | None = Field(None, description="A correction's new values.")
    note: str | None = None
    retracts: str | None = None
    reason: str | None = None
    alias: str | None = None
    canonical: str | None = None
    vkey: str | None = None
    size: int | None = None
    corrected_by: list[str] | None = None
    retracted: Retracted | None = None
    public_known: str | None = Field(
        None, description="With a viewpoint: the day it became public (known is the actor's)."
    )


class EventsPage(_Shape):
    events: list[LogRecord]
    next: str | None = Field(description="The next page's address; null on the last page.")


class TokenGrant(_Shape):
    name: str
    scopes: list[str]
    granted: str
    revoked: str | None


class Tokens(_Shape):
    tokens: list[TokenGrant]


class Checkpoint(_Shape):
    """A signed checkpoint: the first ``size`` records' root, signed on a day."""

    seq: int = Field(description="The record that holds it.")
    size: int
    root: str = Field(description="The Merkle tree's root, base64.")
    signed: str
    key: str = Field(description="The verifier key that signed it.")
    note: str = Field(description="The signed note, exactly as signed.")


class ProvenRecord(_Shape):
    seq: int
    recorded_at: str
    recorded_by: str | None = None
    kind: str
    thread: str
    id: str
    thread_title: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class InclusionProof(_Shape):
    """What ``timeline verify-proof`` checks with no database."""

    format: Literal["timeline-inclusion-proof/1"]
    record: ProvenRecord
    path: list[str] = Field(description="The audit path, base64 hashes.")
    checkpoint: str = Field(description="The signed note of the tree the path leads to.")
    keys: list[str]


class ConsistencyProof(_Shape):
    """What ``timeline verify-proof`` checks with no database."""

    format: Literal["timeline-consistency-proof/1"]
    old: str = Field(description="The older checkpoint's signed note.")
    new: str = Field(description="The newer checkpoint's signed note.")
    path: list[str]
    keys: list[str]


class Route(_Shape):
    method: str
    path: str
    operation: str = Field(description="The operationId in the OpenAPI document.")
    summary: str


class Routes(_Shape):
    """What ``GET /api/v1`` lists."""

    version: str
    openapi: str = Field(description="The OpenAPI document's address.")
    docs: str = Field(description="The reference page's address.")
    routes: list[Route]


def ok(model: Any, description: str) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=`` entry for its JSON answer, of ``model``."""
    return {200: {"model": model, "description": description}}

"""Writes through the API: ``POST /api/v1/events`` takes one event, correction or
retraction as an event file writes it, from a holder of a token (see ``access``). Mounted
only when a token is in force and the service is not ``--read-only``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from timeline.api import Timeline
from timeline.core.codec import pretty
from timeline.core.errors import Forbidden
from timeline.formats.render import record_dict
from timeline.web.access import reader_of
from timeline.web.problems import documented
from timeline.web.schemas import LogRecord

__all__ = ["router"]

router = APIRouter(prefix="/api/v1")

BODY = Body(
    description="One entry as an event file writes it: an event (with its `thread`), or "
    "`type: correction` / `type: retraction`. Give it an `id`: sent again (a retry), the "
    "same entry is answered 200 with the record made the first time.",
    examples=[
        {
            "thread": "russia-nato-security-guarantees",
            "id": "us-doors-open",
            "date": "2022-02-03",
            "type": "statement",
            "actors": ["United States"],
            "title": "US says NATO's doors stay open",
        }
    ],
)


# documented in the OpenAPI document as its security scheme; checked by ``access.Gate``
# before the body is read, so that a request without the right to write is refused
# whatever it sends
BEARER = HTTPBearer(auto_error=False, description="A token from `timeline token create`.")


def writer_of(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> str:
    """The name of the token the request carries (``Gate`` let it through: it writes)."""
    reader = reader_of(request)
    if reader.name is None or "write" not in reader.scopes:  # Gate refuses these first
        raise Forbidden("writes need a token holding write")
    return reader.name


def _writer(request: Request) -> Timeline:
    store: Timeline = request.app.state.writer
    return store


@router.post(
    "/events",
    summary="Record one event, correction or retraction",
    operation_id="recordEvent",
    status_code=201,
    responses={
        200: {"model": LogRecord, "description": "The same entry was recorded before: its record."},
        201: {
            "model": LogRecord,
            "description": "Recorded: the new record, as `log --raw --format json` shows it.",
        },
        **documented(401, 403, 409, 422),
    },
)
def post_event(
    request: Request,
    entry: Annotated[dict[str, Any], BODY],
    by: Annotated[str, Depends(writer_of)],
    expected: Annotated[
        int | None,
        Query(
            ge=0,
            description="The thread's version (its number of records) the writer read: "
            "409 if another record came in since.",
        ),
    ] = None,
) -> Response:
    """Appends the entry, recorded by the token's name (`recorded_by`, which `history`
    shows), after the same input rules as `timeline import`."""
    record, new = _writer(request).record(entry, recorded_by=by, expected=expected)
    body = (pretty(record_dict(record)) + "\n").encode()
    location = f"/api/v1/events/{record.entry.thread}/{record.entry.id}"
    headers = {"Location": location, "Cache-Control": "no-store"}
    return Response(body, 201 if new else 200, headers, media_type="application/json")

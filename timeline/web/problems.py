"""Errors as RFC 9457 problem details (``application/problem+json``): one shape for every
error the service answers, whichever layer found it, and documented in the OpenAPI
document."""

from __future__ import annotations

import http
import re
import sys
import traceback
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from timeline.core.errors import (
    ConflictError,
    DatabaseError,
    Forbidden,
    InvalidEvent,
    KeyTaken,
    Missing,
    TimelineError,
    UnknownName,
    UnknownThread,
)

__all__ = [
    "PROBLEM",
    "Problem",
    "Responses",
    "documented",
    "http_words",
    "install_handlers",
    "problem_body",
    "problem_response",
    "status_of",
]

PROBLEM = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details. ``type`` is ``about:blank`` (RFC 9457, 4.2.1): ``title``
    is then the HTTP status phrase, and ``detail`` says what was wrong with this request
    (the same sentence the CLI prints after ``Error:``)."""

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="The HTTP status phrase.")
    status: int = Field(description="The HTTP status code, as sent.")
    detail: str = Field(description="What was wrong with this request, in one sentence.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="For 422: each invalid parameter, where it is and what is wrong."
    )


def problem_body(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> bytes:
    doc: dict[str, Any] = {
        "type": "about:blank",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        doc["errors"] = errors
    return orjson.dumps(doc)


def problem_response(
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Response:
    body = problem_body(status, detail, errors)
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


Responses = dict[int | str, dict[str, Any]]

_MEANINGS = {
    400: "A bad value: a day not written YYYY-MM-DD, an unknown type or status, an at_seq "
    "beyond the log's head...",
    401: "No token, or one that was never granted: send 'Authorization: Bearer TOKEN'.",
    403: "The token was revoked, or its scopes do not include what was asked (read:all for "
    "viewpoints and what is not public yet).",
    404: "No such thread, event, record or checkpoint.",
    409: "The key holds a different record, or the thread moved past the expected version.",
    422: "A parameter of the wrong kind or out of range, or a name the log does not use.",
}


def documented(*statuses: int) -> Responses:
    """The ``responses=`` of a route: what these statuses mean there (each is sent as a
    problem; the OpenAPI document says so for every error)."""
    return {status: {"description": _MEANINGS[status]} for status in statuses}


def status_of(e: TimelineError) -> int:
    """The HTTP status for an error the library raised about the request."""
    if isinstance(e, KeyTaken | ConflictError):
        return 409  # the key holds another record; the thread moved past the version
    if isinstance(e, InvalidEvent):
        return 422  # a well-formed body that breaks the input rules
    if isinstance(e, UnknownThread | Missing):
        return 404
    if isinstance(e, UnknownName):
        return 422  # a well-formed name that the log does not use
    if isinstance(e, Forbidden):
        return 403  # a scope the reader's token does not hold
    if isinstance(e, DatabaseError):
        return 503  # busy or unreachable: the request may succeed later
    return 400  # InvalidDate and every other bad value


def _where(error: Any) -> dict[str, Any]:
    loc = [str(part) for part in error.get("loc", ())]
    return {"in": loc[0] if loc else "request", "name": ".".join(loc[1:]), "msg": error["msg"]}


# The library's errors end with a hint for the command line; an HTTP client is pointed at
# the route that helps instead, or told what holds (never asked to run a command).
_ROUTES = (
    ("`timeline threads` lists them", "GET /api/v1/threads lists them"),
    (": `timeline checkpoint` signs one", " yet"),
    (": `timeline checkpoint` signs the log as it stands", ": a later checkpoint will"),
    (": `timeline checkpoints`", " (GET /api/v1/checkpoints lists them)"),
)
_COMMAND = re.compile(
    r"\s*\([^()]*`timeline [^`]*`[^()]*\)|\s*[;:,]\s*[^;:,()]*`timeline [^`]*`[^;()]*"
)


def http_words(detail: str) -> str:
    """A library error's sentence as an HTTP client should read it (see ``_ROUTES``);
    any other command-line hint is left out."""
    for cli, http_hint in _ROUTES:
        detail = detail.replace(cli, http_hint)
    return _COMMAND.sub("", detail)


async def _timeline_error(request: Request, e: TimelineError) -> Response:
    status = status_of(e)
    if status >= 500:  # the operator's: the command that mends it stays
        return problem_response(status, str(e))
    return problem_response(status, http_words(str(e)))


async def _invalid(request: Request, e: RequestValidationError) -> Response:
    errors = [_where(err) for err in e.errors()]
    first = errors[0] if errors else {"in": "request", "name": "", "msg": "invalid"}
    detail = f"{first['in']} parameter {first['name']!r}: {first['msg']}"
    return problem_response(422, detail, errors=errors)


async def _http(request: Request, e: HTTPException) -> Response:
    detail = e.detail if isinstance(e.detail, str) else http.HTTPStatus(e.status_code).phrase
    if e.status_code == 404 and detail == "Not Found":
        detail = f"no such resource: {request.url.path}"
    return problem_response(e.status_code, detail, headers=e.headers)


async def _unexpected(request: Request, e: Exception) -> Response:
    # the traceback is for the operator's log, never for the client
    traceback.print_exception(e, file=sys.stderr)
    return problem_response(500, "the server failed to answer; the error is in its log")


def install_handlers(app: FastAPI) -> None:
    """Every error becomes a problem: the library's (by kind), a parameter that does not
    validate (422), an HTTP error such as an unknown path (404), anything else (500)."""
    app.exception_handler(TimelineError)(_timeline_error)
    app.exception_handler(RequestValidationError)(_invalid)
    app.exception_handler(HTTPException)(_http)
    app.exception_handler(Exception)(_unexpected)

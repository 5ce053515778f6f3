"""Who is asking, and what the service publishes to them: the publication mode the
operator chose, the token a request carries (and its scopes), and the rules every read
route applies to what it answers.

Three modes (``Publish``):

- ``public`` (the default): anyone reads the public view, what is public as of today
  and nothing else; a token holding ``read:all`` reads everything.
- ``private``: every route but the health check, the static files and the sign-in
  needs a token; ``read`` gives the public view, ``read:all`` everything.
- ``open``: everything, to anyone, without a token: for one analyst on their own
  machine, so ``timeline serve`` allows it only on a loopback address.

Writes need a token holding ``write`` in every mode. A request names its token in the
``Authorization`` header (``Bearer TOKEN``, or ``Basic`` with the token as the password,
which calendar apps send), or, for reads only, in the cookie the sign-in form sets: a
cookie never authorises a write, so no other site can make a browser write.

``Gate`` checks the token before any route runs and before the body is read, so a
request without the right to write never has its body parsed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from http.cookies import SimpleCookie

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from timeline.api import EventFilter
from timeline.core.dates import parse_day
from timeline.core.errors import Forbidden, TimelineError, UnknownName, UnknownThread
from timeline.web.problems import problem_body

__all__ = [
    "COOKIE",
    "Gate",
    "Publish",
    "Published",
    "Reader",
    "reader_of",
    "require_published",
]

COOKIE = "timeline_token"


class Publish(StrEnum):
    """What ``timeline serve`` publishes, and to whom (see the module's docstring)."""

    PUBLIC = "public"
    PRIVATE = "private"
    OPEN = "open"


@dataclass(frozen=True)
class Reader:
    """Who asks: the name of their token (None: no token) and the scopes they hold, with
    those the mode gives everyone; ``today`` is the last day the public view shows."""

    name: str | None
    scopes: frozenset[str]
    today: dt.date
    show_recorded_by: bool = False

    @property
    def everything(self) -> bool:
        """May this reader see what is not public yet (``read:all``)?"""
        return "read:all" in self.scopes

    def day(self, value: dt.date, what: str) -> dt.date:
        """A day asked for: one after today is refused in the public view, where the
        state of a later day could show what is not public yet."""
        if value > self.today and not self.everything:
            raise TimelineError(
                f"{what} {value.isoformat()} is after today ({self.today.isoformat()}): "
                "the service publishes what is public as of today"
            )
        return value

    def asked(self, value: str, what: str) -> dt.date:
        """A day as a request writes it (YYYY-MM-DD, ``today`` or ``yesterday``: this
        service's), through ``day``."""
        return self.day(parse_day(value, what, today=self.today), what)

    def maybe_asked(self, value: str | None, what: str) -> dt.date | None:
        return None if value is None else self.asked(value, what)

    def viewer(self, viewer: str | None) -> str | None:
        """A viewpoint (``as``): an actor's private knowledge, for ``read:all`` only."""
        if viewer is not None and not self.everything:
            raise Forbidden("as: viewpoints need a token holding read:all")
        return viewer

    def cut(self, day: dt.date | None) -> dt.date | None:
        """The day an answer without one is cut at: none for ``read:all``, else today."""
        if day is not None:
            return self.day(day, "asof")
        return None if self.everything else self.today

    def needs_everything(self, what: str) -> None:
        if not self.everything:
            raise Forbidden(f"{what} needs a token holding read:all")


def reader_of(request: Request) -> Reader:
    """The reader ``Gate`` found for this request."""
    reader: Reader = request.state.reader
    return reader


@dataclass(frozen=True)
class Published:
    """What the public view names as of today: the threads with an event public by
    then, and the actors (under each of their names) and issues of those events."""

    threads: frozenset[str]
    actors: frozenset[str]
    issues: frozenset[str]


def _published(request: Request, today: dt.date) -> Published:
    """``Published`` for today, made once per state of the log (its head) and day."""
    store = request.app.state.store
    key = (store.head(), today)
    held = getattr(request.app.state, "published", None)
    if held is None or held[0] != key:
        found = Published(*store.published(today))
        held = request.app.state.published = (key, found)
    published: Published = held[1]
    return published


def require_published(
    request: Request, reader: Reader, threads: list[str] | None, only: EventFilter | None
) -> None:
    """In the public view, a thread, an actor or an issue that only later records name
    is as unknown as one never recorded: the same 404 or 422, and no "did you mean"
    that would name another."""
    if reader.everything:
        return
    shown = _published(request, reader.today)
    for thread in threads or ():
        if thread not in shown.threads:
            raise UnknownThread(f"unknown thread {thread!r}; `timeline threads` lists them")
    if only is None:
        return
    for actor in only.actors:
        if actor not in shown.actors:
            raise UnknownName(f"no actor {actor!r} in the log")
    if only.issue is not None and only.issue not in shown.issues:
        raise UnknownName(f"no issue {only.issue!r} in the log")


# What each path needs beyond what the mode gives everyone; None: nothing at all.
_OPEN_PATHS = ("/static/", "/api/v1/health", "/session")


def _needed(method: str, path: str, publish: Publish, writes: bool) -> str | None:
    if method == "POST" and path == "/api/v1/events" and writes:
        return "write"
    if path.startswith(_OPEN_PATHS):
        return None
    if path == "/api/v1/tokens":
        return "admin"
    return "read" if publish is Publish.PRIVATE else None


def _mode_scopes(publish: Publish) -> frozenset[str]:
    if publish is Publish.OPEN:
        return frozenset({"read", "read:all"})
    return frozenset({"read"}) if publish is Publish.PUBLIC else frozenset()


def _header_token(scope: Scope) -> str | None:
    """The token of an ``Authorization: Bearer`` or ``Basic`` header ('' if malformed)."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            header: str = value.decode("latin-1")
            kind, _, given = header.strip().partition(" ")
            if kind.lower() == "bearer":
                return given.strip()
            if kind.lower() == "basic":
                try:
                    decoded = base64.b64decode(given.strip(), validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    return ""
                return decoded.partition(":")[2].strip()
            return ""
    return None


def cookie_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header: as if it held none
                return None
            morsel = jar.get(COOKIE)
            return morsel.value if morsel is not None else None
    return None


class Gate:
    """Find the request's reader (``request.state.reader``) and refuse, before any route
    runs or any body is read, a request that needs what its token does not hold: 401
    without a usable token, 403 with one that lacks the scope (or was revoked)."""

    def __init__(
        self, app: ASGIApp, publish: Publish, *, writes: bool, show_recorded_by: bool = False
    ) -> None:
        self.app = app
        self.publish = publish
        self.writes = writes  # the write route is mounted (else a POST is a 405)
        self.show_recorded_by = show_recorded_by

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        needed = _needed(method, path, self.publish, self.writes)
        token = _header_token(scope)
        from_cookie = token is None and method in ("GET", "HEAD")
        if from_cookie:
            token = cookie_token(scope)
        scopes = _mode_scopes(self.publish)
        name = None
        if token is not None:
            store = scope["app"].state.store
            bearer = await run_in_threadpool(store.token_holder, token)
            if bearer.name is not None:
                name, scopes = bearer.name, scopes | bearer.scopes
            elif not from_cookie:
                # a token sent that is none in force: say so, rather than answer less (a
                # stale cookie is as none: the sign-in page asks again)
                await _refuse(send, *_unusable(token, bearer.revoked), path)
                return
        if needed is not None and needed not in scopes:
            if name is None:
                what = "writes need" if needed == "write" else "this service needs"
                await _refuse(
                    send, 401, f"{what} a token: send 'Authorization: Bearer TOKEN'", path
                )
            else:
                await _refuse(send, 403, f"this token's scopes do not include {needed}", path)
            return
        scope.setdefault("state", {})["reader"] = Reader(
            name, scopes, dt.datetime.now(dt.UTC).date(), self.show_recorded_by
        )
        await self.app(scope, receive, send)


def _unusable(token: str, revoked: bool) -> tuple[int, str]:
    if revoked:
        return 403, "this token was revoked"
    if not token:
        return 401, "send the token as 'Authorization: Bearer TOKEN'"
    return 401, "this token was never granted"


def _challenge(path: str) -> bytes:
    # calendar apps answer a Basic challenge by asking for a user and a password (the
    # token); an API client reads the Bearer one
    if path.startswith(("/feeds/", "/export/")):
        return b'Basic realm="timeline", charset="UTF-8"'
    return b'Bearer realm="timeline"'


async def _refuse(send: Send, status: int, detail: str, path: str) -> None:
    headers = [(b"cache-control", b"no-store")]
    if path == "/" and status == 401:  # a browser: the form that asks for the token
        from timeline.web.session import SIGN_IN_CSP, sign_in_page

        body, media = sign_in_page(detail), b"text/html; charset=utf-8"
        headers.append((b"content-security-policy", SIGN_IN_CSP.encode()))
    else:
        body, media = problem_body(status, detail), b"application/problem+json"
    headers += [(b"content-type", media), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", _challenge(path)))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""The service's application: its settings, its middleware, its routes, and the OpenAPI
document that describes them (every error as a problem)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from timeline import api
from timeline._version import __version__
from timeline.core.access import implied
from timeline.web import docs, feeds, page, proofs, routes, session
from timeline.web import writes as writes_
from timeline.web.access import Gate, Publish
from timeline.web.caching import IMMUTABLE
from timeline.web.guard import MAX_BODY, Hosts, Limited, Logged, Sized
from timeline.web.problems import PROBLEM, Problem, install_handlers
from timeline.web.remember import Remembered, Shelf
from timeline.web.warm import keep_warm

__all__ = ["OPENAPI", "ServeConfig", "create_app"]

OPENAPI = routes.OPENAPI


@dataclass(frozen=True)
class ServeConfig:
    """How ``timeline serve`` runs. ``publish``: what it publishes, to whom
    (``access.Publish``: public, private, open); ``show_recorded_by``: the public view
    names the token each record came with; ``read_only``: never take writes;
    ``cors``: the origins a browser may call from (none: CORS off); ``rate_limit``:
    requests a second per client (None: no limit); ``allowed_hosts``: the Host headers
    it answers (None: any; ``serve`` always names them); ``public_url``: where the
    service is reached, for the links it hands out (never taken from a request);
    ``forwarded_allow``: the proxies whose X-Forwarded-For/-Proto it believes;
    ``sign_key``: the file of a key the log publishes, with which it signs a checkpoint
    a day (checking every ``sign_every`` seconds; None: it signs none); ``shelf``: a
    folder where the workers share the answers they computed (``remember.Shelf``);
    ``warm_every``: how often it looks whether the log changed, to make the big
    answers of the public view ahead (``warm``; None: never)."""

    db: str
    read_only: bool = False
    cors: tuple[str, ...] = ()
    rate_limit: float | None = 20.0
    max_body: int = MAX_BODY
    access_log: IO[str] | None = None
    publish: Publish = Publish.PUBLIC
    show_recorded_by: bool = False
    allowed_hosts: tuple[str, ...] | None = None
    public_url: str = "http://127.0.0.1:8000"
    forwarded_allow: tuple[str, ...] = ()
    sign_key: str | None = None
    sign_every: float = 3600.0
    shelf: str | None = None  # a folder its workers share answers in (None: memory only)
    warm_every: float | None = None  # seconds between looks at the head (``warm``; None: off)

    def to_dict(self) -> dict[str, Any]:
        """What a worker process needs to make the same app (the log goes to its stderr)."""
        return {
            "db": self.db,
            "read_only": self.read_only,
            "cors": list(self.cors),
            "rate_limit": self.rate_limit,
            "max_body": self.max_body,
            "publish": str(self.publish),
            "show_recorded_by": self.show_recorded_by,
            "allowed_hosts": None if self.allowed_hosts is None else list(self.allowed_hosts),
            "public_url": self.public_url,
            "forwarded_allow": list(self.forwarded_allow),
            "sign_key": self.sign_key,
            "sign_every": self.sign_every,
            "shelf": self.shelf,
            "warm_every": self.warm_every,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], access_log: IO[str] | None) -> ServeConfig:
        return cls(
            db=d["db"],
            read_only=d["read_only"],
            cors=tuple(d["cors"]),
            rate_limit=d["rate_limit"],
            max_body=d["max_body"],
            access_log=access_log,
            publish=Publish(d["publish"]),
            show_recorded_by=d["show_recorded_by"],
            allowed_hosts=None if d["allowed_hosts"] is None else tuple(d["allowed_hosts"]),
            public_url=d["public_url"],
            forwarded_allow=tuple(d["forwarded_allow"]),
            sign_key=d["sign_key"],
            sign_every=d["sign_every"],
            shelf=d.get("shelf"),
            warm_every=d.get("warm_every"),
        )


async def _sign_daily(signer: api.Timeline, key: str, every: float) -> None:
    """Sign a checkpoint a day with ``key``, checking every ``every`` seconds (at start
    too): the first check of a day that finds records since the last checkpoint signs.
    Workers that check at once sign one: each signs under the log's lock, and the
    others then find today's (``Timeline.checkpoint(daily=True)``)."""
    while True:
        try:
            signed, new = await asyncio.to_thread(signer.checkpoint, key, daily=True)
        except Exception as e:  # the service stays up; the operator reads why
            reason = api.database_error(e) or str(e)
            print(f"Error: signing a checkpoint: {reason}", file=sys.stderr, flush=True)
        else:
            if new:
                print(
                    f"Signed the log's first {signed.size} records (checkpoint at seq "
                    f"{signed.seq})",
                    file=sys.stderr,
                    flush=True,
                )
        await asyncio.sleep(every)


_GRACE = 30.0  # seconds a stopping service gives the answer being made ahead


@asynccontextmanager
async def _background(
    app: FastAPI, config: ServeConfig, reader: api.Timeline
) -> AsyncIterator[None]:
    """What the service does beside its answers, for as long as it runs: it signs a
    checkpoint a day (``sign_key``) and makes big answers ahead (``warm_every``)."""
    tasks = []
    signer = None
    stop = asyncio.Event()  # the warming stops after the answer it is making
    warm = None
    if config.sign_key is not None:
        signer = api.open(config.db).connect()
        tasks.append(asyncio.create_task(_sign_daily(signer, config.sign_key, config.sign_every)))
    if config.warm_every is not None and config.publish is not Publish.PRIVATE:
        warming = keep_warm(
            app, reader.standing, _host(config), config.warm_every, config.shelf, stop
        )
        warm = asyncio.create_task(warming)
        tasks.append(warm)
    try:
        yield
    finally:
        stop.set()
        if warm is not None:  # (the signing is cancelled as it waits)
            await asyncio.wait([warm], timeout=_GRACE)
        for task in tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        if signer is not None:
            signer.close()


def _host(config: ServeConfig) -> str:
    """A Host the service answers to: its public URL's, or the first it is allowed."""
    public = urlsplit(config.public_url).netloc
    allowed = config.allowed_hosts
    if not allowed or public.split(":")[0] in {h.split(":")[0] for h in allowed}:
        return public
    return allowed[0]


def create_app(config: ServeConfig) -> FastAPI:
    """The application. Its store is opened when it starts (in each worker, after the
    fork) and closed when it stops. It opens the database read-only first, so that it
    never creates or migrates one; when writes are mounted (a token in force, not
    ``read_only``), a second store appends."""

    writes = not config.read_only and _tokens_in_force(config.db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reader = api.open(config.db, access="read").connect()
        app.state.store = reader
        app.state.writer = api.open(config.db).connect() if writes else None
        try:
            async with _background(app, config, reader):
                yield
        finally:
            reader.close()
            if app.state.writer is not None:
                app.state.writer.close()

    app = FastAPI(
        title="timeline",
        version=__version__,
        summary="What was publicly known, when: diplomatic events.",
        openapi_url=OPENAPI,
        docs_url=None,  # FastAPI's Swagger UI and ReDoc load from a CDN: ours is vendored
        redoc_url=None,
        lifespan=lifespan,
    )
    install_handlers(app)
    app.include_router(routes.router)
    app.include_router(proofs.router)
    app.include_router(feeds.router)
    if writes:
        app.include_router(writes_.router)
    app.state.writes = writes
    app.state.public_url = config.public_url.rstrip("/")
    app.include_router(page.router)
    app.include_router(docs.router)
    app.include_router(session.router)
    app.mount("/static", page.CachedStatic(directory=page.STATIC), name="static")
    # FastAPI's documented way to change the document: replace the method on the app
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    # added innermost first: the log sees everything, CORS headers reach a 429 too; the
    # gate runs after the rate limit and before any body is read (Sized reads it), and
    # before the answers held for every reader of the same scopes (Remembered)
    # inside the gate: it keys answers by their reader
    app.add_middleware(Remembered, shelf=Shelf(config.shelf) if config.shelf else None)
    app.add_middleware(Sized, max_body=config.max_body)
    app.add_middleware(
        Gate, publish=config.publish, writes=writes, show_recorded_by=config.show_recorded_by
    )
    app.add_middleware(Limited, rate=config.rate_limit, exempt=frozenset({"/api/v1/health"}))
    if config.cors:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors),
            allow_methods=["GET", "POST"] if writes else ["GET"],
            # a token is sent for reads too (read:all, a private service)
            allow_headers=["Authorization", "Content-Type"] if writes else ["Authorization"],
            expose_headers=["ETag", "Link", "Retry-After"],
            max_age=600,
        )
    if config.allowed_hosts is not None:
        app.add_middleware(Hosts, allowed=config.allowed_hosts)
    app.add_middleware(Logged, out=config.access_log)
    if config.forwarded_allow:
        # outermost: the log and the rate limit see the client the proxy names
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(config.forwarded_allow))
    return app


def _tokens_in_force(db: str) -> bool:
    """Does the database hold a token in force that writes? (Writes are mounted only
    then: restart the service after ``timeline token create``.)"""
    with api.open(db, access="read") as tl:
        return any(g.revoked is None and "write" in implied(g.scopes) for g in tl.tokens())


# documented on every operation: what any request may meet
COMMON = {
    "304": "Not Modified: the If-None-Match tag is the answer's.",
    "413": "The request body is larger than the limit (1 MB).",
    "429": "Too many requests from this client; Retry-After says when to try again.",
    "500": "The server failed; its log has the error.",
    "503": "The database is busy or cannot be reached.",
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error response a problem (``application/problem+
    json``, the ``Problem`` schema) instead of its own validation error shape."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in doc["paths"].values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, text in COMMON.items():
                responses.setdefault(code, {"description": text})
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    response["content"] = problem
            if "200" in responses:
                responses["200"].setdefault("headers", {})["ETag"] = {
                    "description": f"The answer's tag; Cache-Control is {IMMUTABLE!r} for "
                    "an answer that never changes, else no-cache.",
                    "schema": {"type": "string"},
                }
    app.openapi_schema = doc
    return doc

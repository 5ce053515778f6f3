"""`timeline serve`: the JSON API and the calendar feeds over HTTP (``timeline.web``).

FastAPI and uvicorn are imported inside the command only: every other command starts as
fast as before. Each worker process makes its app from the settings the command passes
in its environment (``worker_app``), so one code path serves one worker or several.
"""

import gc
import ipaddress
import json
import os
import sys
import tempfile
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer

from timeline.cli._app import app, env_of
from timeline.core.errors import TimelineError

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["serve", "worker_app"]

CONFIG_VAR = "TIMELINE_SERVE_CONFIG"  # the settings, as JSON, for the worker processes
# how often each worker looks whether the log changed, to make the big answers ahead
WARM_EVERY = 5.0
# glibc's malloc arenas a worker may have. Its default, 8 a core, gives each of the
# threads that read and send answers an arena of its own, which keeps what it freed: 50
# readers took a worker from 450 to 603 MB (`make bench`, the service under load).
MALLOC_ARENAS = 2


class Publish(StrEnum):
    """``web.access.Publish``, named here so that ``--help`` needs no web import."""

    public = "public"
    private = "private"
    open = "open"


def _public_url(given: str | None, host: str, port: int) -> str:
    if given is None:
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise TimelineError(f"--public-url {given!r}: give an http(s) address, e.g. https://host")
    return given.rstrip("/")


def _default_hosts(host: str, url: str) -> tuple[str, ...]:
    """The bound address (unless every address: name the hosts then), localhost, and the
    public address's host."""
    bound = [] if host in ("0.0.0.0", "::") else [host]
    return tuple(dict.fromkeys([*bound, "localhost", urlsplit(url).hostname or "localhost"]))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(metavar="ADDRESS", help="Listen on this address (0.0.0.0: every one)."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(metavar="N", min=1, help="Worker processes, each with its own pool.")
    ] = 1,
    read_only: Annotated[
        bool,
        typer.Option("--read-only", help="Never take writes, even with a token in force."),
    ] = False,
    cors: Annotated[
        list[str] | None,
        typer.Option(
            "--cors",
            metavar="ORIGIN",
            help="Let browser pages from this origin call the API, e.g. "
            "https://news.example.org (repeat for several) [default: none].",
        ),
    ] = None,
    rate_limit: Annotated[
        float,
        typer.Option(
            metavar="N", min=0, help="Requests a second per client and worker; 0: no limit."
        ),
    ] = 20.0,
    publish: Annotated[
        Publish,
        typer.Option(
            help="What it publishes, to whom. public: to anyone, what is public as of "
            "today and nothing else (a token with read:all sees everything); private: "
            "every route needs a token (read: the public view; read:all: everything); "
            "open: everything to anyone, on a loopback address only.",
        ),
    ] = Publish.public,
    show_recorded_by: Annotated[
        bool,
        typer.Option(
            "--show-recorded-by",
            help="Name, in the public view, the token each record came with (recorded_by).",
        ),
    ] = False,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            metavar="NAME",
            help="Answer requests for this host name (repeat); any other Host header gets "
            "400 [default: the address bound, localhost and the --public-url host].",
        ),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="Where readers reach the service (e.g. https://timeline.example.org), "
            "for the links the page hands out [default: http://ADDRESS:PORT].",
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        list[str] | None,
        typer.Option(
            "--forwarded-allow-ips",
            metavar="PROXY",
            help="Believe X-Forwarded-For and -Proto from this proxy's address (repeat): "
            "the rate limit and the access log then see the real client.",
        ),
    ] = None,
    sign_key: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Sign a checkpoint a day with this key (`timeline key create`): at start, "
            "then at the first hourly check of each day that finds new records.",
        ),
    ] = None,
) -> None:
    """Serve the page (/), the JSON API (/api/v1), the calendar feeds (/feeds) and the
    exports (/export) over HTTP until interrupted, publishing what --publish says (public,
    private or open); writes (POST /api/v1/events) only while a token holding write is in
    force (`timeline token create`). One JSON line per request goes to stderr.

    Example: timeline serve --port 8000 --publish private --cors https://news.example.org
    """
    import uvicorn

    from timeline.web import ServeConfig
    from timeline.web.access import Publish as WebPublish

    if publish is Publish.open and not _loopback(host):
        raise TimelineError(
            f"--publish open serves everything to anyone: only on a loopback address "
            f"(127.0.0.1, ::1, localhost), not {host}"
        )
    url = _public_url(public_url, host, port)
    hosts = tuple(allowed_host or ()) or _default_hosts(host, url)
    env = env_of(ctx)
    # read what /api/v1/status reads: a database that cannot answer is one line now,
    # not a problem on every request
    tl = env.timeline()
    tl.head()
    tl.threads("today")
    tl.close()  # each worker opens its own, after it starts
    if sign_key is not None:  # a key that cannot sign is one line now, not one an hour
        signer = env.timeline("write")
        signed, new = signer.checkpoint(sign_key, daily=True)
        signer.close()
        done = "Signed" if new else "Signed already"
        typer.echo(
            f"{done} the log's first {signed.size} records (checkpoint at seq "
            f"{signed.seq}); one a day from now on, with {sign_key}",
            err=True,
        )
    # the answers every worker shares, for as long as the service runs (web/remember.py)
    shelf = tempfile.TemporaryDirectory(prefix="timeline-answers-")
    config = ServeConfig(
        shelf=shelf.name,
        db=tl.url,
        read_only=read_only,
        cors=tuple(cors or ()),
        rate_limit=rate_limit or None,
        publish=WebPublish(str(publish)),
        show_recorded_by=show_recorded_by,
        allowed_hosts=hosts,
        public_url=url,
        forwarded_allow=tuple(forwarded_allow_ips or ()),
        sign_key=sign_key,
        warm_every=WARM_EVERY,
    )
    os.environ[CONFIG_VAR] = json.dumps(config.to_dict())
    typer.echo(
        f"The page: {url}/ (the API: {url}/api/v1, its reference: {url}/docs); Ctrl-C stops",
        err=True,
    )
    from timeline.cli import PYTHON_COLLECTION

    gc.set_threshold(*PYTHON_COLLECTION)  # a long process: see cli.BULK_COLLECTION
    with shelf:
        uvicorn.run(
            f"{__name__}:worker_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,  # the app writes its own, as JSON
            server_header=False,
            proxy_headers=False,  # the client is the peer: forwarded headers can be forged
        )


def worker_app() -> "FastAPI":
    """The app of one worker process, from the settings ``serve`` put in its environment."""
    from timeline.web import ServeConfig, create_app

    value = os.environ.get(CONFIG_VAR)
    if value is None:
        raise RuntimeError(f"{CONFIG_VAR} is not set: start the service with `timeline serve`")
    _few_malloc_arenas()
    return create_app(ServeConfig.from_dict(json.loads(value), access_log=sys.stderr))


def _few_malloc_arenas() -> None:
    """At most ``MALLOC_ARENAS`` arenas for the threads this process makes from now on
    (glibc's ``mallopt(M_ARENA_MAX)``); nothing where the C library is not glibc."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if sys.platform != "linux" or name is None:
        return
    libc = ctypes.CDLL(name)
    if hasattr(libc, "mallopt") and hasattr(libc, "gnu_get_libc_version"):
        m_arena_max = -8  # malloc.h
        libc.mallopt(m_arena_max, MALLOC_ARENAS)

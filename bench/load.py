"""The service under load: many readers at once on loopback, for a bounded time, each
asking in turn for one thread's state on a day, the threads, a thread's feed, the page,
the feed of every event and the health check (the floor: what this machine's HTTP stack
costs with no work behind it).

Prints, per route, how many answers, p50, p95 and the slowest, any 5xx, p95 beside the
health check's p95 under the same load, and the target: within 2x of that floor and under
100 ms wherever it allows, but for the feed of every event (under 1 s, once built); then
the peak memory of each of the service's processes (under 500 MB).

Beside each route, the wire: the same load, right after, on a bare server that sends the
same calendar of every event from its file through the kernel and a short answer for
every other path (``wire.py``). No service can beat it on this machine: where the wire's
p95 itself misses a target, the target is beyond this machine under this load, and the
verdict says so ("floor").

The load client is plain asyncio on keep-alive sockets (HTTP/1.1, gzip asked, bodies
read and dropped): a general-purpose async HTTP client spends more CPU per request than
the server on 2 cores, which would measure the client. Loopback only.

    python bench/load.py [--events 200000 --threads 1000] [--postgres URL] [--db DB]...
                         [--readers 50] [--seconds 30] [--workers 2]

By default ``bench.corpus``'s events, imported into a SQLite file and, with
``--postgres`` (``make bench`` gives its throwaway server), a PostgreSQL database;
``--db`` measures databases as they are instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from pageload import free_port, listening, stop  # (beside this file: bench/)

TARGET_MS = 100.0


@dataclass
class Route:
    name: str
    path: Callable[[random.Random], str]  # a path to ask, drawn anew each time
    target_ms: float | None = None  # p95's; None: within 2x the health check's (see _verdict)
    latencies: list[float] = field(default_factory=list)  # ms
    errors: int = 0  # 5xx, or no answer
    statuses: dict[int, int] = field(default_factory=dict)

    def fresh(self) -> Route:
        """The same route, nothing measured yet."""
        return Route(self.name, self.path, self.target_ms)


async def _read_answer(reader: asyncio.StreamReader) -> int:
    """One HTTP/1.1 answer, read whole and dropped: its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _reader_loop(host: str, port: int, routes: list[Route], until: float, seed: int) -> None:
    rng = random.Random(seed)
    order = rng.sample(range(len(routes)), len(routes))
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    n = 0
    while time.perf_counter() < until:
        route = routes[order[n % len(order)]]
        n += 1
        path = route.path(rng)
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: gzip\r\n"
            "Connection: keep-alive\r\n\r\n"
        ).encode()
        start = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection(host, port)
            conn[1].write(request)
            await conn[1].drain()
            status = await asyncio.wait_for(_read_answer(conn[0]), timeout=60)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            route.errors += 1
            if conn is not None:
                conn[1].close()
            conn = None
            continue
        route.latencies.append((time.perf_counter() - start) * 1000)
        route.statuses[status] = route.statuses.get(status, 0) + 1
        if status >= 500:
            route.errors += 1
    if conn is not None:
        conn[1].close()


def run_load(url: str, routes: list[Route], readers: int, seconds: float) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    async def main() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(_reader_loop(host, port, routes, until, seed) for seed in range(readers))
        )

    asyncio.run(main())


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _verdict(r: Route, p95: float, floor95: float | None) -> tuple[str, bool]:
    """The target of ``r`` and whether its p95 meets it: its own, or within 2x the
    health check's p95 under the same load (the floor of this machine's HTTP stack), and
    under 100 ms wherever that floor allows (it is under 100 ms itself)."""
    if r.name == "health":
        return "floor", True
    if r.target_ms is not None:
        return f"< {r.target_ms:.0f} ms", p95 < r.target_ms
    if floor95 is None:
        return f"< {TARGET_MS:.0f} ms", p95 < TARGET_MS
    if floor95 < TARGET_MS / 2:
        return f"< {TARGET_MS:.0f} ms", p95 < TARGET_MS
    if floor95 < TARGET_MS:
        return f"<= 2x health, < {TARGET_MS:.0f} ms", p95 <= 2 * floor95 and p95 < TARGET_MS
    return "<= 2x health", p95 <= 2 * floor95


def print_table(
    title: str, routes: list[Route], seconds: float, wire: list[Route] | None = None
) -> None:
    """The table of ``routes``, with the p95 of each on the wire (``wire.py``) beside it:
    a target the wire's p95 misses too is marked "floor" (this machine cannot meet it)."""
    floor = next((r for r in routes if r.name == "health"), None)
    floor95 = _percentile(floor.latencies, 0.95) if floor and floor.latencies else None
    on_wire = {r.name: _percentile(r.latencies, 0.95) for r in wire or [] if r.latencies}
    print(f"\n{title}")
    print(
        f"  {'route':<22}{'answers':>8}{'/s':>6}{'p50':>8}{'p95':>8}{'max':>8}{'5xx':>5}"
        f"  {'p95 / health':>12}{'wire p95':>10}  {'target':<26}"
    )
    for r in routes:
        if not r.latencies:
            print(f"  {r.name:<22}{0:>8}  no answer ({r.errors} errors)")
            continue
        p50 = statistics.median(r.latencies)
        p95 = _percentile(r.latencies, 0.95)
        ratio = f"{p95 / floor95:.1f}x" if floor95 else "-"
        wire95 = on_wire.get(r.name)
        target, ok = _verdict(r, p95, floor95)
        verdict = "" if r.name == "health" else "pass" if ok and not r.errors else "FAIL"
        if verdict == "FAIL" and not r.errors and r.target_ms and wire95 and wire95 >= r.target_ms:
            verdict = "FAIL, floor"
        shown = f"{wire95:>8.0f}ms" if wire95 is not None else f"{'-':>10}"
        print(
            f"  {r.name:<22}{len(r.latencies):>8}{len(r.latencies) / seconds:>6.0f}"
            f"{p50:>6.0f}ms{p95:>6.0f}ms{max(r.latencies):>6.0f}ms{r.errors:>5}"
            f"  {ratio:>12}{shown}  {target:<26}{verdict}"
        )


def routes_for(url: str) -> list[Route]:
    """The routes, with the threads and days of the service's log to ask about."""
    import urllib.request

    with urllib.request.urlopen(f"{url.rstrip('/')}/api/v1/threads", timeout=120) as answer:
        listing = json.load(answer)["threads"]
    slugs = [t["thread"] for t in listing]
    days = [dt.date.fromisoformat(t["first"]["known"]) for t in listing if t.get("first")]
    first = min(days) if days else dt.date(2022, 1, 1)
    span = max(1, (dt.date.today() - first).days)

    def day(rng: random.Random) -> str:
        return (first + dt.timedelta(days=rng.randrange(span))).isoformat()

    return [
        Route("health", lambda rng: "/api/v1/health"),
        Route(
            "asof/{day}?thread=",
            lambda rng: f"/api/v1/asof/{day(rng)}?thread={quote(rng.choice(slugs))}",
        ),
        Route("threads", lambda rng: "/api/v1/threads"),
        Route("a thread's feed", lambda rng: f"/feeds/threads/{quote(rng.choice(slugs))}.ics"),
        Route("the page", lambda rng: "/"),
        # every event: built once per log head (web/warm.py), then served as it is
        Route("/feeds/all.ics", lambda rng: "/feeds/all.ics", target_ms=1000.0),
    ]


def _family(pid: int) -> list[int]:
    """A process and all its descendants (Linux's /proc)."""
    found = [pid]
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += _family(int(child))
    return found


def _peak_mb(pid: int) -> float:
    """A process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def serving(db: str, workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [sys.executable, "-m", "timeline", "--db", db, "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers), "--rate-limit", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        listening(port, process)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        stop(process)


@contextlib.contextmanager
def wire(workers: int, calendar: Path) -> Iterator[str]:
    """``wire.py`` on a free loopback port, sending ``calendar``, until the block ends."""
    port = free_port()
    here = Path(__file__).resolve().parent
    process = subprocess.Popen(
        [sys.executable, str(here / "wire.py"), str(port), str(workers), str(calendar)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its forks are stopped with it (os.killpg)
    )
    try:
        listening(port, process, seconds=10)
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _made_ahead(url: str) -> None:
    """Wait until the answers the service makes ahead after it starts are made (each
    asked once, as a reader who takes gzip: the request waits for the worker making it):
    the load measures them served, not made."""
    from timeline.web.warm import WARMED

    for path in WARMED:
        _fetch(url, path)


def _fetch(url: str, path: str, into: Path | None = None) -> None:
    """GET ``path`` as a reader who takes gzip; its body written into ``into``, or
    read and dropped."""
    import urllib.request

    asked = urllib.request.Request(url.rstrip("/") + path, headers={"Accept-Encoding": "gzip"})
    with (
        urllib.request.urlopen(asked, timeout=600) as answer,
        into.open("wb") if into else contextlib.nullcontext() as out,
    ):
        while piece := answer.read(2**20):
            if out is not None:
                out.write(piece)


def measure(db: str, title: str, readers: int, seconds: float, workers: int) -> list[Route]:
    """The service of ``db`` under the load, then the wire under the same load: the
    service's table with the wire's p95 beside each route."""
    with tempfile.TemporaryDirectory() as tmp:
        with serving(db, workers) as (url, pid):
            _made_ahead(url)
            routes = routes_for(url)
            run_load(url, routes, readers, min(3.0, seconds))  # warm up: start-up, caches
            routes = routes_for(url)
            run_load(url, routes, readers, seconds)
            peaks = {p: _peak_mb(p) for p in _family(pid)}
            calendar = Path(tmp) / "all.ics.gz"  # as a reader who takes gzip gets it
            _fetch(url, "/feeds/all.ics", calendar)
        calendar_mb = calendar.stat().st_size / 1e6
        on_wire = [r.fresh() for r in routes]  # the service has stopped: the machine is free
        with wire(workers, calendar) as wire_url:
            run_load(wire_url, on_wire, readers, seconds)
    print_table(
        f"{title}: {readers} readers for {seconds:.0f} s, {workers} workers",
        routes,
        seconds,
        on_wire,
    )
    largest = max(peaks.values())
    verdict = "pass" if largest < 500 else "FAIL"
    shown = ", ".join(f"{mb:.0f}" for mb in sorted(peaks.values(), reverse=True))
    print(f"  peak memory of each process (MB): {shown}  target < 500 MB each  {verdict}")
    print(f"  the calendar of every event: {calendar_mb:.1f} MB gzipped")
    return routes


def databases(folder: Path, args: argparse.Namespace) -> list[str]:
    """The databases to measure: those named, else the generated corpus imported into a
    SQLite file and (``--postgres``) a PostgreSQL database emptied first."""
    if args.db:
        return list(args.db)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench import _drop_all, corpus

    source, sqlite = folder / "corpus.jsonl", folder / "load.db"
    corpus(source, args.events, args.threads, args.seed)
    found = [str(sqlite)]
    if args.postgres:
        _drop_all(args.postgres)
        found.append(args.postgres)
    for db in found:
        subprocess.run(
            [sys.executable, "-m", "timeline", "--db", db, "import", str(source)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", action="append", help="a database as it is (repeat)")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--threads", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default=os.environ.get("TIMELINE_TEST_POSTGRES_URL"))
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for db in databases(Path(tmp), args):
            name = "PostgreSQL" if db.startswith("postgresql") else "SQLite"
            measure(db, name, args.readers, args.seconds, args.workers)


if __name__ == "__main__":
    main()

"""`make bench`: generate a synthetic corpus and measure timeline on it, side by side
with its peers (``peers.py``) in the same run, so that the machine's noise cancels.

Prints a table per backend: each figure, timeline's value, the peer's, their ratio,
the target and whether it is met; and floors, the database's own share of an import and
of a rebuild, measured with no Python per event (see ``peers.py``), which timeline's
figure cannot pass, whatever its code. Import and rebuild are whole commands (Python
start-up included), with their peak memory, each measured --runs times (default 3), as
the peers' are: the table gives the medians. ``asof`` is timed inside the process
(p50 and p95 over 200 random threads and days anywhere in the corpus's range) and as
whole commands (medians). Options: --events N (default 1,000,000) --threads N --seed N
--runs N --exports (also time the exports but iCalendar's, always timed) --wide-events N
(a second corpus over 10,000 threads for ``asof`` of them all; 0: none) --postgres URL
(a PostgreSQL column; `make bench` starts a throwaway server).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_VOCABULARY = (
    "talks treaty missile security guarantees enlargement withdrawal troops border "
    "ceasefire sanctions dialogue proposal draft reply minister summit delegation "
    "verification inspection reduction deployment forces nuclear arms control alliance "
    "neutrality referendum recognition corridor grain shipping port monitoring"
)
WORDS = tuple(_VOCABULARY.split())
ACTORS = [
    "Russia",
    "United States",
    "NATO",
    "Ukraine",
    "Georgia",
    "Moldova",
    "European Union",
    "OSCE",
    "China",
    "Turkey",
    "France",
    "Germany",
    "United Kingdom",
    "United Nations",
    "El País",
    "Reuters",
]
TYPES = [
    "statement",
    "demand",
    "proposal",
    "offer",
    "response",
    "rejection",
    "acceptance",
    "talks",
    "meeting",
    "agreement",
    "signing",
    "disclosure",
    "confirmation",
    "denial",
]
STATUSES = ["open", "negotiating", "stalled", "agreed", "in-force", "suspended"]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def place_names(seed: int, n: int = 5000) -> list[str]:
    """Made-up place names (Velmora, Tarsukai, ...): the rare words of the corpus, one in
    each summary, so that a one-word search finds a few hundredths of a percent of it."""
    rng = random.Random(seed)
    syllables = [
        "ka",
        "ve",
        "lo",
        "mar",
        "tsu",
        "ri",
        "an",
        "do",
        "bel",
        "gra",
        "vin",
        "os",
        "te",
        "nu",
        "pol",
        "ze",
        "ha",
        "ir",
    ]
    names: set[str] = set()
    while len(names) < n:
        names.add("".join(rng.choice(syllables) for _ in range(rng.randint(3, 4))).capitalize())
    return sorted(names)


def corpus(path: Path, events: int, threads: int, seed: int) -> None:
    """Events spread over threads; 70% day, 20% month, 10% year precision; 15% known
    late. Like a real negotiation, each thread has its own few parties (2-6) and the
    issues they argue about (3-12), whose positions change over time. Each summary names
    one of 5,000 places (``place_names``), drawn apart from the rest."""
    rng = random.Random(seed)
    places, where = place_names(seed), random.Random(seed + 1)
    start = dt.date(1990, 1, 1)
    parties = [rng.sample(ACTORS, rng.randint(2, 6)) for _ in range(threads)]
    issues = [[sentence(rng, 2).lower() for _ in range(rng.randint(3, 12))] for _ in range(threads)]
    with path.open("w", encoding="utf-8") as out:
        for i in range(events):
            t = i % threads
            thread = f"thread-{t:05d}"
            day = start + dt.timedelta(days=rng.randrange(12000))
            r = rng.random()
            if r < 0.7:
                date = day.isoformat()
                last = day
            elif r < 0.9:
                date = day.strftime("%Y-%m")
                nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                last = nxt - dt.timedelta(days=1)
            else:
                date = str(day.year)
                last = dt.date(day.year, 12, 31)
            if rng.random() < 0.1:
                date += rng.choice("~?%")
            ev: dict = {
                "thread": thread,
                "id": f"e{i:06d}",
                "date": date,
                "type": rng.choice(TYPES),
                "actors": rng.sample(parties[t], rng.randint(1, min(3, len(parties[t])))),
                "title": sentence(rng, rng.randint(6, 14)),
                "summary": sentence(rng, rng.randint(20, 60)) + f" in {where.choice(places)}.",
                "sources": [
                    {
                        "name": rng.choice(ACTORS),
                        "url": f"https://news.example.org/{i}/{rng.randrange(10**6)}",
                        "date": last.isoformat(),
                    }
                ],
            }
            if rng.random() < 0.15:
                ev["known"] = (last + dt.timedelta(days=rng.randint(1, 400))).isoformat()
            if rng.random() < 0.3:
                ev["status"] = rng.choice(STATUSES)
            if rng.random() < 0.5:
                ev["positions"] = [
                    {
                        "actor": rng.choice(parties[t]),
                        "issue": rng.choice(issues[t]),
                        "stance": sentence(rng, rng.randint(4, 12)).lower(),
                    }
                    for _ in range(rng.randint(1, 3))
                ]
                seen = set()
                ev["positions"] = [
                    p
                    for p in ev["positions"]
                    if (k := (p["actor"], p["issue"])) not in seen and not seen.add(k)
                ]
            if i == i % threads:
                ev["thread_title"] = f"Negotiation {i:05d}"
            out.write(json.dumps(ev, ensure_ascii=False) + "\n")


def timeline(*args: str, db: str | Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "timeline", "--db", str(db), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


_MEASURE = """
import os, subprocess, sys
out = open(sys.argv[1], "w") if sys.argv[1] else subprocess.DEVNULL
child = subprocess.Popen(sys.argv[2:], stdout=out)
_, status, usage = os.wait4(child.pid, 0)
print(status, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""


def timeline_rss(*args: str, db: str | Path, output: Path | None = None) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one whole command (its output in
    ``output``, if given)."""
    wall, mb, _ = timeline_usage(*args, db=db, output=output)
    return wall, mb


def timeline_usage(
    *args: str, db: str | Path, output: Path | None = None
) -> tuple[float, float, float]:
    """Wall time (s), peak resident memory (MB) and CPU time (s, user and system) of one
    whole command (its output in ``output``, if given).

    Through a small Python that starts it: a child forked from this process counts the
    bench's own memory (shared until exec) in its peak, which would measure the bench,
    not timeline."""
    t0 = time.perf_counter()
    argv = [sys.executable, "-m", "timeline", "--db", str(db), *args]
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(output or ""), *argv],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if out[0] != "0":
        raise SystemExit(f"timeline {' '.join(args)} failed")
    return time.perf_counter() - t0, int(out[1]) / 1024, float(out[2])


@dataclass
class Row:
    """One line of the table: timeline's figure, a peer's, and the target."""

    figure: str
    ours: float
    unit: str
    target: str  # as printed
    ok: bool | None  # None: a floor, measured to compare, with no target of its own
    peer: str = ""
    theirs: float | None = None

    @property
    def ratio(self) -> str:
        return "" if self.theirs is None else f"{self.ours / self.theirs:.2f}x"


def _num(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:,.2f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "%":
        return f"{value:,.1f} %"
    return f"{value:,.0f}/s"


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    head = ("figure", "timeline", "peer", "peer figure", "ratio", "target", "")
    lines = [head] + [
        (
            r.figure,
            _num(r.ours, r.unit),
            r.peer,
            "" if r.theirs is None else _num(r.theirs, r.unit),
            r.ratio,
            r.target,
            "" if r.ok is None else "pass" if r.ok else "FAIL",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def _floor_rows(figure: str, rate: float, peers: list[tuple[str, float]]) -> list[Row]:
    """A floor beside the peers: the database's own share of one of timeline's figures
    (no Python per event), which that figure cannot pass, whatever its code."""
    return [Row(figure, rate, "/s", "floor", None, peer, theirs) for peer, theirs in peers]


def _setting_rows(name: str, rate: float, mb: float, search: float) -> list[Row]:
    """An alternative setting of the search index, measured to choose one (no target)."""
    return [
        Row(f"{name}: build", rate, "/s", "", None),
        Row(f"{name}: index", mb, "MB", "", None),
        Row(f"{name}: search of 2 words", search, "ms", "", None),
    ]


def _median(runs: int, measure: Callable[[], float]) -> float:
    """The median of ``runs`` measurements (seconds)."""
    return statistics.median(measure() for _ in range(runs))


def _fresh(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def _afresh(floor: Callable[[Path, Path], float], source: Path, db: Path) -> float:
    """A floor measured from ``source`` into a new database ``db``, removed after."""
    _fresh(db)
    try:
        return floor(source, db)
    finally:
        _fresh(db)


def _days(rng: random.Random, n: int) -> list[dt.date]:
    """Days anywhere in the corpus's range (1990 to 2023)."""
    return [dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12400)) for _ in range(n)]


def _asof_rows(db: str, threads: int, rng: random.Random) -> list[Row]:
    from timeline.formats.render import asof_json
    from timeline.usecases import as_of, open_store

    store = open_store(db, access="read")
    inside = []
    for day in _days(rng, 200):
        thread = f"thread-{rng.randrange(threads):05d}"
        t0 = time.perf_counter()
        as_of(store, day, thread)
        inside.append((time.perf_counter() - t0) * 1000)
    all_inside = []
    for day in _days(rng, 5):
        t0 = time.perf_counter()
        asof_json(day, as_of(store, day))
        all_inside.append(time.perf_counter() - t0)
    store.engine.dispose()
    p50 = statistics.median(inside)
    p95 = statistics.quantiles(inside, n=20)[-1]
    one = [
        timeline("asof", d.isoformat(), "--thread", f"thread-{rng.randrange(threads):05d}", db=db)
        for d in _days(rng, 7)
    ]
    every = [timeline("asof", d.isoformat(), "--format", "json", db=db) for d in _days(rng, 5)]
    seen = [
        timeline(
            "asof",
            d.isoformat(),
            "--as",
            rng.choice(ACTORS),
            "--thread",
            f"thread-{rng.randrange(threads):05d}",
            db=db,
        )
        for d in _days(rng, 7)
    ]
    return [
        Row(  # a viewpoint replays the thread's whole records (known_to is in the payload)
            "asof D --as A --thread T, whole command",
            statistics.median(seen),
            "s",
            "< 0.3 s",
            statistics.median(seen) < 0.3,
        ),
        Row("asof D --thread T, in process, p50", p50, "ms", "< 20 ms", p50 < 20),
        Row("asof D --thread T, in process, p95", p95, "ms", "", True),
        Row(
            "asof D --thread T, whole command",
            statistics.median(one),
            "s",
            "< 0.3 s",
            statistics.median(one) < 0.3,
        ),
        Row(
            f"asof D, all {threads:,} threads, JSON, in process",
            statistics.median(all_inside),
            "s",
            "",
            True,
        ),
        Row(  # the target is for 1,000 threads: the answer grows with their number
            f"asof D, all {threads:,} threads, JSON, whole command",
            statistics.median(every),
            "s",
            "< 1.5 s" if threads <= 1000 else "",
            threads > 1000 or statistics.median(every) < 1.5,
        ),
    ]


def _search_rows(db: str, args: argparse.Namespace, rng: random.Random) -> list[Row]:
    """``log --text PLACE``: a one-word search (a place named in about one event in
    5,000), in process and as a whole command."""
    from timeline.core.filters import EventFilter
    from timeline.usecases import log, open_store

    store = open_store(db, access="read")
    words = rng.sample(place_names(args.seed), 40)
    inside = []
    for word in words:
        t0 = time.perf_counter()
        log(store, only=EventFilter.of(text=word))
        inside.append((time.perf_counter() - t0) * 1000)
    store.engine.dispose()
    whole = [timeline("log", "--text", w, db=db) for w in words[:7]]
    p50 = statistics.median(inside)
    return [
        Row(
            f"log --text WORD at {args.events:,} events, in process, p50",
            p50,
            "ms",
            "< 50 ms",
            p50 < 50,
        ),
        Row(
            "log --text WORD, in process, p95",
            statistics.quantiles(inside, n=20)[-1],
            "ms",
            "",
            True,
        ),
        Row("log --text WORD, whole command", statistics.median(whole), "s", "", True),
    ]


def _tree_rows(db: str, rng: random.Random, import_secs: float) -> list[Row]:
    """The log's Merkle tree: a proof read from the store (in process, against the
    whole log), the tree recomputed from the log's rows as ``verify`` does (which reads
    them anyway, for the hash chains: their reading is shown apart), and the tree made
    from the log beside the import's time (an upper bound of what appending leaves adds
    to an import: it reads the log back too)."""
    from timeline.core.merkle import tree_nodes
    from timeline.usecases import open_store

    store = open_store(db)
    inclusion, consistency = [], []
    with store.reading() as r:
        n = r.log.head()
        for _ in range(200):
            index, size1 = rng.randrange(n), rng.randint(1, n)
            t0 = time.perf_counter()
            r.log.tree.inclusion(index, n)
            inclusion.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            r.log.tree.consistency(size1, n)
            consistency.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        read = list(r.log.leaves())  # verify holds these already: it reads every row
        reading = len(read) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        leaves, _ = tree_nodes(read, r.log.tree.level)
        recompute = leaves / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    with store.writing(None) as w:
        w.log.tree.rebuild(w.log.leaves())
    share = (time.perf_counter() - t0) / import_secs
    store.close()
    p50, c50 = statistics.median(inclusion), statistics.median(consistency)
    return [
        Row(f"inclusion proof at {n:,} records, in process, p50", p50, "ms", "< 20 ms", p50 < 20),
        Row("consistency proof, in process, p50", c50, "ms", "< 20 ms", c50 < 20),
        Row("verify: the tree recomputed", recompute, "/s", ">= 200,000/s", recompute >= 200_000),
        Row("  (the leaves read from the store)", reading, "/s", "", True),
        Row("the tree made from the log / import", share * 100, "%", "< 10 %", share < 0.10),
    ]


def _gdelt_rows(
    args: argparse.Namespace, db: str, jsonl: float, fresh: Callable[[], None], tmp: Path
) -> list[Row]:
    """``import --format gdelt --thread-by dyad`` of the made GDELT rows (see
    ``gdelt.py``), whole commands, against the JSONL import's events per second in the
    same run: a GDELT row is one of GDELT's events (its GLOBALEVENTID), which the
    import folds into fewer (``formats.coded``), recorded at the rate below."""
    if not args.gdelt_rows:
        return []
    summary, rows = tmp / "gdelt-summary.txt", args.gdelt_made
    command = ("import", "--format", "gdelt", "--thread-by", "dyad", str(args.gdelt_path))
    runs = []
    for _ in range(args.runs):
        fresh()
        runs.append(timeline_rss(*command, db=db, output=summary))
    secs = statistics.median(secs for secs, _ in runs)
    mb = max(mb for _, mb in runs)
    said = summary.read_text().splitlines()
    backend = "PostgreSQL" if db.startswith("postgresql") else "SQLite"
    print(f"{backend}, import --format gdelt: {said[0]}")
    recorded = int(said[-1].split()[1].replace(",", "")) if said[-1].startswith("Imported") else 0
    return [
        Row(
            f"import --format gdelt ({rows:,} rows)",
            rows / secs,
            "/s",
            ">= 1x",
            rows / secs >= jsonl,
            "JSONL import, events",
            jsonl,
        ),
        Row("  (its events, folded, recorded)", recorded / secs, "/s", "", None),
        Row("import --format gdelt peak memory", mb, "MB", "< 300 MB", mb < 300),
    ]


def _rebuild(db: str, runs: int, n: int, *only: str) -> tuple[float, float]:
    """Records per second of `timeline rebuild` of ``only`` (every projection if none),
    the median of ``runs`` whole commands, and the highest peak memory."""
    args = [a for name in only for a in ("--only", name)] or ["--all"]
    measured = [timeline_rss("rebuild", *args, db=db) for _ in range(runs)]
    return n / statistics.median(secs for secs, _ in measured), max(mb for _, mb in measured)


def _rebuild_rows(
    db: str, runs: int, n: int, scan: float, replay: float, fts: float | None
) -> list[Row]:
    """The rebuild of each projection on its own beside its floor or peer: the states
    and checkpoints (one replay makes both) against the raw ordered scan and
    eventsourcing's replay; the search index against FTS5 fed the same texts straight
    from the log (SQLite); the tree, and all of them, as they are."""
    folded, folded_mb = _rebuild(db, runs, n, "states", "checkpoints")
    search, _ = _rebuild(db, runs, n, "search")
    tree, _ = _rebuild(db, runs, n, "tree")
    every, mb = _rebuild(db, runs, n)
    states = "rebuild --only states --only checkpoints"
    rows = []
    if scan:
        rows.append(
            Row(
                states,
                folded,
                "/s",
                ">= 0.5x",
                folded >= 0.5 * scan,
                "raw ordered scan + json.loads",
                scan,
            )
        )
    if replay:
        rows.append(
            Row(
                states,
                folded,
                "/s",
                ">= 2.5x",
                folded >= 2.5 * replay,
                "eventsourcing replay",
                replay,
            )
        )
    if not rows:
        rows.append(Row(states, folded, "/s", "", True))
    if fts:
        rows.append(
            Row(
                "rebuild --only search",
                search,
                "/s",
                ">= 0.7x",
                search >= 0.7 * fts,
                "FTS5 fed the same texts",
                fts,
            )
        )
    else:
        rows.append(Row("rebuild --only search", search, "/s", "", True))
    peak = max(mb, folded_mb)
    rows.append(Row("rebuild --only tree", tree, "/s", "", True))
    rows.append(Row("rebuild --all (whole command)", every, "/s", "", True))
    rows.append(Row("rebuild peak memory", peak, "MB", "< 300 MB", peak < 300))
    return rows


def _startup_rows(tmp: Path) -> list[Row]:
    """The CPU a read command spends on a small log (the bundled events): what the
    interpreter, the imports and the option parsing cost before the answer."""
    db = tmp / "small.db"
    timeline("import", "--bundled", db=db)
    rows = []
    for command in (("asof", "2022-02-02"), ("threads",)):
        cpu = statistics.median(timeline_usage(*command, db=db)[2] for _ in range(9))
        figure = f"start-up: timeline {' '.join(command)} on the bundled events, CPU"
        rows.append(Row(figure, cpu, "s", "< 0.15 s", cpu < 0.15))
    return rows


def _export_ics_rows(db: str, n: int, tmp: Path, runs: int) -> list[Row]:
    """The whole log as one calendar: the events written as RFC 5545 lines by timeline
    itself (``formats/ics.py``), with its peak memory."""
    out = tmp / "out.ics"
    measured = [timeline_rss("export", "ics", "-o", str(out), db=db) for _ in range(runs)]
    rate = n / statistics.median(secs for secs, _ in measured)
    mb = max(mb for _, mb in measured)
    size = out.stat().st_size / 1e6
    out.unlink()
    return [
        Row(f"export ics ({size:.0f} MB)", rate, "/s", ">= 20,000/s", rate >= 20_000),
        Row("export ics peak memory", mb, "MB", "< 200 MB", mb < 200),
    ]


def _wide_rows(tmp: Path, args: argparse.Namespace) -> list[Row]:
    """``asof`` of every thread when there are 10,000 of them: a second corpus, of
    --wide-events events over 10,000 threads, imported for it alone."""
    threads, events = 10_000, args.wide_events
    source, db = tmp / "wide.jsonl", tmp / "wide.db"
    corpus(source, events, threads, args.seed)
    timeline("import", str(source), db=db)
    source.unlink()
    rng = random.Random(args.seed)
    every = [timeline("asof", d.isoformat(), db=db) for d in _days(rng, 5)]
    _fresh(db)
    figure = f"asof D, all {threads:,} threads ({events:,} events), whole command"
    return [Row(figure, statistics.median(every), "s", "< 1.5 s", statistics.median(every) < 1.5)]


def sqlite_column(corpus_path: Path, tmp: Path, args: argparse.Namespace) -> list[Row]:
    import peers

    n, runs = args.events, args.runs
    db, raw, es = tmp / "bench.db", tmp / "raw.db", tmp / "es.db"

    def ours_import() -> tuple[float, float]:
        _fresh(db)
        return timeline_rss("import", str(corpus_path), db=str(db))

    def raw_import() -> float:
        _fresh(raw)
        return peers.sqlite_import(corpus_path, raw)

    ids: list[Any] = []

    def es_import() -> float:
        _fresh(es)
        secs, made = peers.eventsourcing_append(corpus_path, es)
        ids[:] = made
        return secs

    imports = [ours_import() for _ in range(runs)]  # the last one's database stays
    ours = n / statistics.median(secs for secs, _ in imports)
    mb = max(mb for _, mb in imports)
    raw_rate = n / _median(runs, raw_import)
    es_rate = n / _median(runs, es_import)
    rows = [
        Row(
            "import (whole command)",
            ours,
            "/s",
            ">= 0.4x",
            ours >= 0.4 * raw_rate,
            "raw sqlite3 executemany",
            raw_rate,
        ),
        Row(
            "import (whole command)",
            ours,
            "/s",
            ">= 1.5x",
            ours >= 1.5 * es_rate,
            "eventsourcing append",
            es_rate,
        ),
        Row("import peak memory", mb, "MB", "< 300 MB", mb < 300),
    ]
    coded = tmp / "coded.db"
    rows += _gdelt_rows(args, str(coded), ours, lambda: _fresh(coded), tmp)
    _fresh(coded)
    rows += _floor_rows(
        "floor: timeline's tables filled by SQL alone",
        n / _median(runs, lambda: _afresh(peers.sqlite_writes, db, tmp / "floor.db")),
        [("raw sqlite3 executemany", raw_rate), ("eventsourcing append", es_rate)],
    )
    scan = n / _median(runs, lambda: peers.sqlite_scan(raw))
    replay = n / _median(runs, lambda: peers.eventsourcing_replay(es, ids))
    fts = n / _median(runs, lambda: _afresh(peers.sqlite_search_index, db, tmp / "fts.db"))
    rows += _rebuild_rows(str(db), runs, n, scan, replay, fts)
    for name, build, mb, search in peers.fts5_settings(db, tmp, runs):
        rows += _setting_rows(f"FTS5 {name}", n / build, mb, search)
    for name, secs, mb, check in peers.sqlite_text_copy(db, tmp, runs):
        rows.append(Row(f"texts {name}: indexed", n / secs, "/s", "", None))
        rows.append(
            Row(f"texts {name}: stored (FTS5's check against them: {check})", mb, "MB", "", None)
        )
    rows += _asof_rows(str(db), args.threads, random.Random(args.seed))
    rows += _search_rows(str(db), args, random.Random(args.seed))
    import_secs = statistics.median(secs for secs, _ in imports)
    rows += _tree_rows(str(db), random.Random(args.seed), import_secs)
    helps = [timeline("--help", db=str(tmp / "unused.db")) for _ in range(7)]
    rows.append(
        Row(
            "timeline --help",
            statistics.median(helps),
            "s",
            "< 0.25 s",
            statistics.median(helps) < 0.25,
        )
    )
    rows += _startup_rows(tmp)
    rows += _export_ics_rows(str(db), n, tmp, args.runs)
    if args.wide_events:
        rows += _wide_rows(tmp, args)
    if args.exports:
        for fmt in ("jsonl", "timelinejs"):
            out = tmp / f"out.{fmt}"
            secs, mb = timeline_rss("export", fmt, "-o", str(out), db=str(db))
            rows.append(
                Row(f"export {fmt} ({out.stat().st_size / 1e6:.0f} MB)", n / secs, "/s", "", True)
            )
            rows.append(Row(f"export {fmt} peak memory", mb, "MB", "< 200 MB", mb < 200))
    return rows


def postgres_column(corpus_path: Path, url: str, args: argparse.Namespace) -> list[Row]:
    import peers

    n, runs = args.events, args.runs

    def ours_import() -> tuple[float, float]:
        _drop_all(url)
        return timeline_rss("import", str(corpus_path), db=url)

    imports = [ours_import() for _ in range(runs)]  # the last one's database stays
    ours = n / statistics.median(secs for secs, _ in imports)
    mb = max(mb for _, mb in imports)
    copy = n / _median(runs, lambda: peers.postgres_copy(corpus_path, url))
    rows = [
        Row("import (whole command)", ours, "/s", "", None, "raw COPY", copy),
        Row("import peak memory", mb, "MB", "< 300 MB", mb < 300),
    ]
    rows += _postgres_gdelt_rows(args, url, ours)
    floor = n / _median(runs, lambda: peers.postgres_writes(url))
    rows += _floor_rows("floor: timeline's tables filled by SQL alone", floor, [("raw COPY", copy)])
    rows.append(
        Row(
            "import (whole command)",
            ours,
            "/s",
            ">= 0.5x",
            ours >= 0.5 * floor,
            "timeline's tables filled by SQL alone",
            floor,
        )
    )
    rows += _rebuild_rows(url, runs, n, 0.0, 0.0, None)
    rows += _asof_rows(url, args.threads, random.Random(args.seed))
    rows += _search_rows(url, args, random.Random(args.seed))
    import_secs = statistics.median(secs for secs, _ in imports)
    rows += _tree_rows(url, random.Random(args.seed), import_secs)
    with tempfile.TemporaryDirectory() as folder:
        rows += _export_ics_rows(url, n, Path(folder), runs)
    # last: three tables of every text built and dropped leave the server's background
    # work (autovacuum) behind them, which the reads above must not share
    for name, build, mb, search in peers.postgres_text_settings(url, runs):
        rows += _setting_rows(name, n / build, mb, search)
    _drop_all(url)
    return rows


def _postgres_gdelt_rows(args: argparse.Namespace, url: str, jsonl: float) -> list[Row]:
    """The GDELT import into a database of its own beside the corpus's (created and
    dropped here), so that the asof and search figures after it read the corpus alone."""
    if not args.gdelt_rows:
        return []
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    coded = make_url(url).set(database="timeline_bench_gdelt")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS timeline_bench_gdelt"))
        conn.execute(text("CREATE DATABASE timeline_bench_gdelt"))
    try:
        target = coded.render_as_string(hide_password=False)
        with tempfile.TemporaryDirectory() as folder:
            return _gdelt_rows(args, target, jsonl, lambda: _drop_all(target), Path(folder))
    finally:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS timeline_bench_gdelt"))
        admin.dispose()


def _drop_all(url: str) -> None:
    """An empty database: timeline's tables and the peer's go."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--exports", action="store_true", help="also time the other exports")
    ap.add_argument(
        "--wide-events",
        type=int,
        default=200_000,
        help="events of a second corpus over 10,000 threads, for asof of every thread "
        "(0: not measured)",
    )
    ap.add_argument(
        "--gdelt-rows",
        type=int,
        default=1_000_000,
        help="GDELT export rows made for `import --format gdelt` (0: not measured)",
    )
    ap.add_argument(
        "--runs",
        type=int,
        default=3,
        help="imports and rebuilds (timeline's and the peers') measured this many times "
        "each; the table gives the median (the peak memory: the highest)",
    )
    ap.add_argument(
        "--backend",
        choices=("both", "sqlite", "postgresql"),
        default="both",
        help="the backends measured (PostgreSQL only where --postgres names a database)",
    )
    ap.add_argument(
        "--postgres",
        default=os.environ.get("TIMELINE_TEST_POSTGRES_URL"),
        help="a PostgreSQL database that may be emptied (default: $TIMELINE_TEST_POSTGRES_URL)",
    )
    args = ap.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        corpus_path = tmp / "corpus.jsonl"
        t0 = time.perf_counter()
        corpus(corpus_path, args.events, args.threads, args.seed)
        print(
            f"corpus: {args.events:,} events over {args.threads:,} threads "
            f"({corpus_path.stat().st_size / 1e6:.0f} MB JSONL, made in "
            f"{time.perf_counter() - t0:.1f} s)"
        )
        if args.gdelt_rows:
            import gdelt

            args.gdelt_path = tmp / "gdelt.export.CSV"
            t0 = time.perf_counter()
            args.gdelt_made = gdelt.gdelt_corpus(args.gdelt_path, args.gdelt_rows, args.seed)
            print(
                f"GDELT: {args.gdelt_made:,} export rows in the shipped batch's shapes "
                f"({args.gdelt_path.stat().st_size / 1e6:.0f} MB, made in "
                f"{time.perf_counter() - t0:.1f} s)"
            )
        runs = f"median of {args.runs} runs" if args.runs > 1 else "one run"
        if args.backend != "postgresql":
            print_table(
                f"SQLite (a file in a temporary folder; imports and rebuilds: {runs})",
                sqlite_column(corpus_path, tmp, args),
            )
        if args.postgres and args.backend != "sqlite":
            print_table(
                f"PostgreSQL (a local server; imports and rebuilds: {runs})",
                postgres_column(corpus_path, args.postgres, args),
            )


if __name__ == "__main__":
    main()

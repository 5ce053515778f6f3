"""`make bench`: generate a synthetic corpus and print how fast timeline is on it.

Prints import throughput, rebuild throughput, `asof` latency (one thread, all
threads) and `timeline --help` wall time. Figures, not pass/fail: compare them
with the targets printed beside them. Options: --events N --threads N --seed N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def corpus(path: Path, events: int, threads: int, seed: int) -> None:
    """Events spread over threads; 70% day, 20% month, 10% year precision; 15% known late."""
    rng = random.Random(seed)
    start = dt.date(1990, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        for i in range(events):
            thread = f"thread-{i % threads:04d}"
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
                "actors": rng.sample(ACTORS, rng.randint(1, 3)),
                "title": sentence(rng, rng.randint(6, 14)),
                "summary": sentence(rng, rng.randint(20, 60)) + ".",
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
                        "actor": rng.choice(ACTORS),
                        "issue": sentence(rng, 2).lower(),
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
                ev["thread_title"] = f"Negotiation {i:04d}"
            out.write(json.dumps(ev, ensure_ascii=False) + "\n")


def timeline(*args: str, db: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "timeline", "--db", str(db), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


_MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(status, usage.ru_maxrss)
"""


def timeline_rss(*args: str, db: Path) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one whole command.

    Through a small Python that starts it: a child forked from this process counts the
    bench's own memory (shared until exec) in its peak, which would measure the bench,
    not timeline."""
    t0 = time.perf_counter()
    argv = [sys.executable, "-m", "timeline", "--db", str(db), *args]
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *argv], capture_output=True, text=True, check=True
    ).stdout.split()
    if out[0] != "0":
        raise SystemExit(f"timeline {' '.join(args)} failed")
    return time.perf_counter() - t0, int(out[1]) / 1024


def best_ms(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=2022)
    args = ap.parse_args()

    from timeline.db import resolve_url
    from timeline.queries import as_of
    from timeline.service import open_store

    with tempfile.TemporaryDirectory() as tmp:
        path, db = Path(tmp) / "corpus.jsonl", Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        corpus(path, args.events, args.threads, args.seed)
        made = time.perf_counter() - t0
        print(
            f"corpus: {args.events:,} events over {args.threads:,} threads "
            f"({path.stat().st_size / 1e6:.0f} MB JSONL, made in {made:.1f} s)"
        )

        secs = timeline("import", str(path), db=db)
        print(
            f"import (timeline import, whole command):  {args.events / secs:>10,.0f} events/s"
            f"   ({secs:.2f} s; target >= 50,000/s)"
        )
        secs = timeline("rebuild", db=db)
        print(
            f"rebuild (timeline rebuild, whole command): {args.events / secs:>10,.0f} events/s"
            f"   ({secs:.2f} s; target >= 100,000/s)"
        )

        store = open_store(resolve_url(str(db)))
        thread = "thread-0007"
        past, today = dt.date(2005, 6, 30), dt.date(2030, 1, 1)
        for label, day in (("a past date (replayed)", past), ("today (stored state)", today)):
            med, low = best_ms(lambda d=day: as_of(store, d, thread), 50)
            print(
                f"asof one thread, {label}: median {med:.1f} ms, best {low:.1f} ms"
                "   (target < 50 ms)"
            )
        for label, day in (("a past date (replayed)", past), ("today (stored state)", today)):
            med, low = best_ms(lambda d=day: as_of(store, d), 3)
            print(
                f"asof all {args.threads:,} threads, {label}: median {med:.0f} ms, "
                f"best {low:.0f} ms"
            )
        med, low = best_ms(lambda: timeline("asof", past.isoformat(), "--thread", thread, db=db), 5)
        print(f"asof one thread as a whole command (Python start-up included): median {med:.0f} ms")
        store.engine.dispose()
        for fmt in ("jsonl", "ics", "timelinejs"):
            secs, mb = timeline_rss("export", fmt, "-o", str(Path(tmp) / f"out.{fmt}"), db=db)
            size = (Path(tmp) / f"out.{fmt}").stat().st_size / 1e6
            print(
                f"export {fmt} (whole command): {args.events / secs:>10,.0f} events/s "
                f"({secs:.1f} s, {size:.0f} MB), peak memory {mb:.0f} MB   (target < 200 MB)"
            )

    helps = [timeline("--help", db=Path("unused.db")) for _ in range(7)]
    print(
        f"timeline --help: median {statistics.median(helps) * 1000:.0f} ms, "
        f"best {min(helps) * 1000:.0f} ms   (target < 300 ms)"
    )


if __name__ == "__main__":
    main()

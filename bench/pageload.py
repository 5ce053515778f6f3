"""The page at scale, in Chromium: from navigation to the timeline drawn (its first
window of events and clusters, from /api/v1/window), and from a move of the day slider
to the timeline showing the new day. ``make bench`` runs it on a generated corpus
(``bench.corpus``: 100,000 events over 200 threads by default) and prints each figure
beside its target (3 s to the first render, 1 s a slider move); the page's browser test
(tests/web/test_page_scale.py) runs the same walk and checks what it drew.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright: never a downloaded
browser. Options: --events N --threads N --runs N (medians) --seed N --keep DIR.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
FIRST_RENDER = 3.0  # seconds, the targets
SLIDER_MOVE = 1.0


@dataclass
class Walk:
    """What one walk of the page measured and saw."""

    first_render: float  # seconds from navigation to the first window drawn
    moves: list[tuple[str, float]] = field(default_factory=list)  # (day, seconds)
    html_bytes: int = 0
    items: int = 0  # held by the timeline after the first window
    clusters: int = 0  # drawn in view after the first window
    events: int = 0  # the first window's events, drawn or counted
    unit: str = ""
    after_moves: list[dict[str, str]] = field(default_factory=list)  # the timeline's data
    errors: list[str] = field(default_factory=list)  # the console's errors and warnings
    phases: dict[str, float] = field(default_factory=dict)  # ms since navigation


# where the first render's time goes: the page's HTML received, parsed, its scripts run
# (DOMContentLoaded), and the first window asked and received
PHASES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const win = performance.getEntriesByType("resource")
    .find((r) => r.name.includes("/api/v1/window"));
  return {
    html: nav.responseEnd, parsed: nav.domInteractive, scripts: nav.domContentLoadedEventEnd,
    window_asked: win ? win.startTime : -1, window_received: win ? win.responseEnd : -1,
  };
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def listening(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> bool:
    """Wait until ``process`` listens on the loopback ``port``: True, or False once it
    has ended (or ``seconds`` have passed) without doing so."""
    for _ in range(int(seconds * 10)):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            if process.poll() is not None:
                return False
            time.sleep(0.1)
    return False


@contextmanager
def served(db: Path) -> Iterator[str]:
    """``timeline serve`` on a free loopback port, until the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "timeline", "--db", str(db), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        if not listening(port, process):
            why = "no answer within 60 s"
            if process.poll() is not None and process.stderr is not None:
                why = process.stderr.read().decode()
            raise RuntimeError(why)
        yield url
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Stop a service: SIGTERM, then SIGKILL if it has not stopped within ``timeout`` (the
    bench fails, and leaves no process behind to load the machine)."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def walk(url: str, moves: Sequence[dt.date], shots: Path | None = None) -> Walk:
    """Open the page, wait for the timeline's first window, then move the day slider to
    each day in turn (as a drag ends: ``input``, then ``change`` as it is let go) and
    wait for the timeline to show it and the page to settle."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on(
                "console",
                lambda m: errors.append(m.text) if m.type in ("error", "warning") else None,
            )
            page.on("pageerror", lambda e: errors.append(str(e)))
            response = page.goto(url, wait_until="commit")
            page.wait_for_selector("#timeline[data-drawn-asof]", state="attached", timeout=120_000)
            seen = page.evaluate("({...document.getElementById('timeline').dataset})")
            found = Walk(first_render=int(seen["drawnAt"]) / 1000)
            found.html_bytes = len(response.body()) if response else 0
            found.items = int(seen["drawnItems"])
            found.events = int(seen["windowEvents"])
            found.unit = seen["unit"]
            found.clusters = page.locator("#timeline .vis-item.cluster").count()
            found.phases = page.evaluate(PHASES)
            if shots:
                page.screenshot(path=str(shots / "first.png"))
            first = dt.date.fromisoformat(page.get_attribute("#asof-range", "data-first") or "")
            for day in moves:
                page.wait_for_selector("body[data-shown-asof]", state="attached")
                offset = (day - first).days
                start = time.perf_counter()
                page.eval_on_selector(
                    "#asof-range",
                    "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input'));"
                    " el.dispatchEvent(new Event('change')); }",
                    offset,
                )
                iso = day.isoformat()
                page.wait_for_selector(
                    f"#timeline[data-drawn-asof='{iso}']", state="attached", timeout=120_000
                )
                found.moves.append((iso, time.perf_counter() - start))
                page.wait_for_selector(f"body[data-shown-asof='{iso}']", state="attached")
                found.after_moves.append(
                    page.evaluate("({...document.getElementById('timeline').dataset})")
                )
            if shots:
                page.screenshot(path=str(shots / "moved.png"))
            found.errors = errors
            return found
        finally:
            browser.close()


def corpus_db(folder: Path, events: int, threads: int, seed: int) -> Path:
    """A database of ``bench.corpus``'s events, imported as a user would."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench import corpus

    source, db = folder / "corpus.jsonl", folder / "page.db"
    corpus(source, events, threads, seed)
    subprocess.run(
        [sys.executable, "-m", "timeline", "--db", str(db), "import", str(source)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return db


MOVES = (dt.date(2005, 6, 1), dt.date(1995, 1, 1), dt.date(2020, 1, 1), dt.date(2010, 3, 15))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep the database and screenshots here")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"page: skipped, no {CHROMIUM} (apt-get install chromium)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = corpus_db(folder, args.events, args.threads, args.seed)
        walks = []
        for run in range(args.runs):
            with served(db) as url:  # a fresh server each run: nothing cached
                walks.append(walk(url, MOVES, folder if run == 0 else None))
    first = statistics.median(w.first_render for w in walks)
    moves = [s for w in walks for _, s in w.moves]
    w = walks[0]
    print(f"\nThe page: {args.events:,} events, {args.threads} threads, Chromium, {args.runs} runs")
    print(
        f"  page HTML {w.html_bytes / 1e6:.2f} MB; first window: {w.events:,} events as "
        f"{w.items} items ({w.clusters} clusters in view, by {w.unit})"
    )
    rows = [
        ("first render (median)", first, FIRST_RENDER),
        ("slider move, median", statistics.median(moves), SLIDER_MOVE),
        ("slider move, slowest", max(moves), SLIDER_MOVE),
    ]
    for name, value, target in rows:
        verdict = "pass" if value <= target else "FAIL"
        print(f"  {name:<24} {value:6.2f} s   target < {target:.0f} s   {verdict}")
    print("  first render, ms since navigation:", {k: round(v) for k, v in w.phases.items()})
    if any(w.errors for w in walks):
        print("  console errors:", sorted({e for w in walks for e in w.errors})[:5])


if __name__ == "__main__":
    main()

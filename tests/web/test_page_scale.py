"""The page at 100,000 events over 200 threads, in Chromium: the timeline draws the
window in view from the API, dense threads counted in clusters, and the day slider
redraws it for each day moved to, counting exactly the events public by then.

The walk is ``bench/pageload.py``'s: `make bench` times it against its targets (3 s to
the first render, 1 s a slider move); here the times are measured and saved beside the
screenshots (``timings.txt`` in the test's temporary folder), and what was drawn is
checked, never how fast: a loaded machine would fail a timed test.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from timeline import api

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
pageload = pytest.importorskip("pageload")
pytest.importorskip("playwright.sync_api")

EVENTS, THREADS = 100_000, 200


def test_the_page_draws_a_window_of_100000_events_and_follows_the_slider(
    tmp_path: Path,
) -> None:
    if not pageload.CHROMIUM.exists():
        pytest.skip(f"no {pageload.CHROMIUM}: `apt-get install chromium` (.ci/run does)")
    db = pageload.corpus_db(tmp_path, EVENTS, THREADS, seed=7)
    with pageload.served(db) as url:
        found = pageload.walk(url, pageload.MOVES, shots=tmp_path)
    lines = [f"first render {found.first_render:.2f} s", f"phases {found.phases}"]
    lines += [f"move to {day}: {seconds:.2f} s" for day, seconds in found.moves]
    (tmp_path / "timings.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))

    with api.open(str(db), access="read") as tl:

        def public_on(day: dt.date) -> int:
            return sum(tl.recent(per_thread=0, known_by=day).counts.values())

        assert found.events == public_on(dt.date.today()) == EVENTS
        for day, data in zip(pageload.MOVES, found.after_moves, strict=True):
            assert data["drawnAsof"] == day.isoformat()
            # the window spans every date: it counts each event public by then, once
            assert int(data["windowEvents"]) == public_on(day), day
            assert int(data["drawnItems"]) <= 2 * 2000  # events and clusters, and gaps
    assert found.clusters > 0 and found.unit not in ("day", "week")
    assert found.items <= 2 * 2000
    assert found.html_bytes < 4_000_000  # the page lists each thread's latest few
    assert not found.errors
    assert (tmp_path / "first.png").exists() and (tmp_path / "moved.png").exists()

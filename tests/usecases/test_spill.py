"""The on-disk fold of a coded import (``usecases._spill``), row by row: events merged on
their day, code and parties exactly (never on the digest in their id alone), and each
event named by the file and line of its own first row."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from timeline.formats import coded
from timeline.formats.datasets import Actor, CodedRow
from timeline.usecases._spill import Spill

DAY = dt.date(2018, 6, 1)


def _row(line: int, story: str, *parties: str, source: str = "Reuters") -> CodedRow:
    actors = tuple(Actor(p, p.upper()[:3]) for p in parties)
    return CodedRow(line, DAY, DAY, "040", actors, story, source)


def _fold(tmp_path: Path, rows: list[tuple[CodedRow, str]]) -> list[coded.CodedEvent]:
    spill = Spill(tmp_path, "icews")
    try:
        for row, file in rows:
            spill.add(row, file)
        count = spill.fold()
        events = list(spill.events())
    finally:
        spill.close()
    assert count == len(events)
    return events


def test_parties_whose_ids_share_a_digest_stay_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coded, "ID_DIGEST", 1)  # 16 digests: 40 pairs must share some
    names = [f"Party{n}" for n in range(10)]
    pairs = list(itertools.combinations(names, 2))[:40]
    rows = [(_row(n, f"story-{n}", a, b), "a.tab") for n, (a, b) in enumerate(pairs, 1)]
    rows += [(_row(99, "another", *pairs[0], source="AFP"), "a.tab")]  # the same as the first
    events = _fold(tmp_path, rows)
    assert len({e.id for e in events}) < len(events) == 40  # ids shared; events not merged
    assert {frozenset(a.name for a in e.actors) for e in events} == {frozenset(p) for p in pairs}
    first = events[0]
    assert [name for name, _ in first.sources] == ["Reuters", "AFP"] and first.rows == 2


def test_an_event_is_named_by_the_file_and_line_of_its_own_first_row(tmp_path: Path) -> None:
    rows = [
        (_row(2, "S1", "Aland", "Bland"), "a.tab"),
        (_row(2, "S1", "Cland", "Dland"), "b.tab"),  # the same story, read from a second file
        (_row(3, "S1", "Bland", "Aland"), "b.tab"),
    ]
    events = _fold(tmp_path, rows)
    assert [(e.file, e.line, e.rows) for e in events] == [("a.tab", 2, 2), ("b.tab", 2, 1)]

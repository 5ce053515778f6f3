"""`timeline actors` and `timeline issues`: every name the events use, with counts, as
known on a day."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Run

THREAD = "russia-nato-security-guarantees"


def _names(run: Run, kind: str, *extra: str) -> dict[str, Any]:
    result = run(kind, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    return {n["name"]: n for n in doc[kind]}


def test_every_actor_with_its_events_threads_and_dates(imported: Run) -> None:
    found = _names(imported, "actors")
    assert sorted(found) == ["El País", "NATO", "OSCE", "Russia", "Ukraine", "United States"]
    assert found["El País"] == {
        "name": "El País",
        "events": 1,
        "threads": [THREAD],
        "first": "2022-02-02",
        "last": "2022-02-02",
        "aliases": [],
    }
    assert (found["Russia"]["events"], len(found["Russia"]["threads"])) == (13, 3)
    text = imported("actors").stdout.splitlines()
    assert text[0].split() == ["ACTOR", "EVENTS", "THREADS", "FIRST", "LAST"]
    assert text[4].split() == ["Russia", "13", "3", "2021-12-01", "2022-02-17"]


def test_asof_leaves_out_what_was_not_yet_known(imported: Run) -> None:
    found = _names(imported, "actors", "--asof", "2022-02-01")
    assert "El País" not in found
    assert found["Russia"]["events"] < _names(imported, "actors")["Russia"]["events"]
    issues = _names(imported, "issues", "--asof", "2022-01-28")
    everything = _names(imported, "issues")
    assert issues["NATO enlargement"]["events"] == 4
    assert everything["NATO enlargement"]["events"] > 4  # the replies, public on 2 February


def test_names_follow_corrections_and_retractions(run_ok: Run) -> None:
    add = ("add", "--thread", "t", "--type", "statement", "--title", "Said")
    run_ok(*add, "--date", "2022-01-10", "--actor", "US", "--id", "a")
    run_ok(*add, "--date", "2022-01-11", "--actor", "Russia", "--id", "b",
           "--position", "Russia|Georgia|no")  # fmt: skip
    run_ok("correct", "t/a", "--actor", "United States", "--known", "2022-01-20")
    run_ok("retract", "t/b", "--reason", "duplicate", "--known", "2022-01-20")
    before = _names(run_ok, "actors", "--asof", "2022-01-15")
    assert sorted(before) == ["Russia", "US"]
    assert _names(run_ok, "issues", "--asof", "2022-01-15")["Georgia"]["events"] == 1
    assert sorted(_names(run_ok, "actors")) == ["United States"]
    assert _names(run_ok, "issues") == {}
    assert run_ok("issues").stdout == "No issues appear in the events.\n"

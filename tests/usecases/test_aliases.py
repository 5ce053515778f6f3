"""`timeline alias`: one actor under several names, by a record, never by an edit.

The bundled story calls the United States "United States"; a colleague's events say
"US". Once `US` is an alias, every view shows "United States" and every filter or
viewpoint naming either name matches both; the records keep the names as recorded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, asof_json, count_rows
from timeline.core.model import PositionState, ThreadState
from timeline.core.names import Names

THREAD = "russia-nato-security-guarantees"
BEFORE = "2026-11-28T12:30:00Z"
LATER = "2026-11-29T08:00:00Z"
US_EVENT = {
    "thread": THREAD,
    "id": "us-doors-open",
    "date": "2022-02-03",
    "type": "statement",
    "actors": ["US"],
    "title": "US says NATO's doors stay open",
    "positions": [{"actor": "US", "issue": "NATO enlargement", "stance": "doors stay open"}],
}


@pytest.fixture
def colleague(imported: Run, tmp_path: Path) -> Run:
    """The bundled story, and a colleague's event that says US."""
    path = tmp_path / "us.jsonl"
    path.write_text(json.dumps(US_EVENT) + "\n")
    assert imported("import", str(path), now="2026-11-28T12:10:00Z").exit_code == 0
    return imported


@pytest.fixture
def aliased(colleague: Run) -> Run:
    result = colleague("alias", "US", "United States", now=LATER)
    assert result.stdout == "Recorded _aliases/alias-1: 'US' is shown as 'United States' (seq 29)\n"
    return colleague


def _thread(run: Run, day: str, *extra: str) -> dict[str, Any]:
    (state,) = asof_json(run, day, "--thread", THREAD, *extra)["threads"]
    return state


def _stances(state: dict[str, Any], actor: str) -> dict[str, str]:
    return {p["issue"]: p["stance"] for p in state["positions"] if p["actor"] == actor}


def test_asof_shows_one_actor_with_the_later_stance(colleague: Run, aliased: Run) -> None:
    state = _thread(aliased, "2022-02-05")
    assert "US" not in state["parties"] and "United States" in state["parties"]
    # the colleague's later statement replaces the replies' stance on the same issue
    assert _stances(state, "United States")["NATO enlargement"] == "doors stay open"
    assert "security dialogue with Russia" in _stances(state, "United States")
    assert not _stances(state, "US")


def test_an_earlier_moment_shows_the_names_as_they_were(aliased: Run) -> None:
    state = _thread(aliased, "2022-02-05", "--recorded-before", BEFORE)
    assert {"US", "United States"} <= set(state["parties"])
    assert _stances(state, "US") == {"NATO enlargement": "doors stay open"}


def test_a_filter_naming_either_name_matches_both(aliased: Run) -> None:
    def ids(*args: str) -> set[str]:
        out = aliased("log", "--thread", THREAD, "--format", "json", *args).stdout
        return {e["id"] for e in json.loads(out)}

    by_alias, by_name = ids("--actor", "US"), ids("--actor", "United States")
    assert by_alias == by_name and {"us-doors-open", "replies-open-door"} <= by_alias
    shown = json.loads(aliased("log", "--actor", "US", "--format", "json").stdout)
    assert all("US" not in e["actors"] for e in shown)


def test_a_viewpoint_under_either_name_is_the_same(aliased: Run) -> None:
    as_us = asof_json(aliased, "2022-01-28", "--as", "US")
    as_name = asof_json(aliased, "2022-01-28", "--as", "United States")
    assert as_us["threads"] == as_name["threads"]
    assert as_us["threads"] != asof_json(aliased, "2022-01-28")["threads"]


def test_actors_lists_the_aliases_under_the_name_shown(aliased: Run) -> None:
    out = aliased("actors").stdout
    assert "United States (also US)" in out
    assert not any(line.startswith("US ") for line in out.splitlines())
    doc = json.loads(aliased("actors", "--format", "json").stdout)
    (united,) = [a for a in doc["actors"] if a["name"] == "United States"]
    assert united["aliases"] == ["US"]


def test_records_keep_the_names_as_recorded(aliased: Run, tmp_path: Path) -> None:
    raw = aliased("log", "--raw", "--thread", THREAD).stdout
    assert "            US — US says NATO's doors stay open" in raw
    assert aliased("log", "--raw").stdout.endswith(
        "2026-11-29  alias            _aliases/alias-1\n            US is shown as United States\n"
    )
    out = tmp_path / "shared.jsonl"
    aliased("export", "events", "--thread", THREAD, "-o", str(out))
    (line,) = [json.loads(x) for x in out.read_text().splitlines() if "us-doors-open" in x]
    assert line["actors"] == ["US"]
    assert "_aliases" not in aliased("threads").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NATO", "NATO"], "Error: 'NATO' cannot be an alias of itself\n"),
        (
            ["United States", "USA"],
            "Error: 'United States' is already the name shown for 'US': it cannot become an "
            "alias\n",
        ),
        (
            ["USA", "US"],
            "Error: 'US' is itself an alias of 'United States': make 'USA' an alias of "
            "'United States'\n",
        ),
        (["US", "NATO"], "Error: 'US' is already an alias of 'United States'\n"),
        (["US", "  "], "Error: the canonical name must be non-empty text\n"),
    ],
)
def test_a_bad_alias_is_one_error_line_and_nothing_is_written(
    aliased: Run, db_url: str, args: list[str], message: str
) -> None:
    before = count_rows(db_url)
    result = aliased("alias", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)
    assert count_rows(db_url) == before


def test_the_same_alias_again_records_nothing(aliased: Run, db_url: str) -> None:
    before = count_rows(db_url)
    assert aliased("alias", "US", "United States").stdout == (
        "'US' is already an alias of 'United States'; nothing recorded\n"
    )
    assert count_rows(db_url) == before


def test_an_aliased_log_verifies_rebuilds_and_restores(
    aliased: Run, run: Run, tmp_path: Path
) -> None:
    assert aliased("verify").stdout.startswith("Verified 29 records in 3 threads")
    assert aliased("rebuild", "--all").exit_code == 0
    backup = tmp_path / "backup.jsonl"
    aliased("export", "jsonl", "-o", str(backup))
    env = {"TIMELINE_DB": str(tmp_path / "restored.db")}
    assert run("restore", str(backup), env=env).exit_code == 0
    assert run("verify", env=env).stdout.startswith("Verified 29 records in 3 threads")
    restored = json.loads(run("asof", "2022-02-05", "--format", "json", env=env).stdout)
    assert restored["threads"] == asof_json(aliased, "2022-02-05")["threads"]


def _state(positions: list[tuple[str, str, str, int]], parties: tuple[str, ...]) -> ThreadState:
    import datetime as dt

    from timeline.core.model import EventSummary

    day = dt.date(2022, 1, 1)
    summary = EventSummary("e", "2022-01-01", "2022-01-01", "statement", "E")
    return ThreadState(
        "t",
        None,
        "open",
        parties,
        tuple(PositionState(a, i, s, "2022", "e", (day, day, k)) for a, i, s, k in positions),
        1,
        summary,
        summary,
    )


def test_merged_stances_keep_the_one_set_by_the_later_record() -> None:
    names = Names({"US": "United States"})
    state = _state(
        [("US", "x", "new", 9), ("United States", "x", "old", 3), ("US", "y", "only", 1)],
        ("US", "United States"),
    )
    merged = names.state(state)
    assert merged.parties == ("United States",)
    assert [(p.actor, p.issue, p.stance) for p in merged.positions] == [
        ("United States", "x", "new"),
        ("United States", "y", "only"),
    ]


def test_an_answer_pinned_before_the_alias_shows_the_names_as_they_were(
    colleague: Run, db_url: str
) -> None:
    import timeline

    with timeline.open(db_url) as tl:
        before = tl.head()
        tl.alias("US", "United States")
        (pinned,) = tl.as_of("2022-02-05", thread=THREAD, at_seq=before)
        (now,) = tl.as_of("2022-02-05", thread=THREAD)
        assert "US" in pinned.parties and "US" not in now.parties

"""`timeline retitle`: a thread named anew by a record of its own, never by an edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import Run, asof_json, count_rows

THREAD = "russia-nato-security-guarantees"
OLD = "Russia–US/NATO security guarantees"
NEW = "Russia–NATO: the draft treaties and the replies"
BEFORE = "2026-11-28T12:00:00Z"  # the bundled events are imported then
LATER = "2026-11-29T08:00:00Z"


@pytest.fixture
def retitled(imported: Run) -> Run:
    result = imported("retitle", THREAD, NEW, now=LATER)
    assert result.stdout == (
        f"Recorded {THREAD}/title-1: {THREAD} is now titled '{NEW}' (seq 28)\n"
    )
    return imported


def _title(run: Run, day: str, *extra: str) -> str:
    doc = asof_json(run, day, "--thread", THREAD, *extra)
    return doc["threads"][0]["title"]


def test_every_view_shows_the_new_title_at_once(retitled: Run) -> None:
    # a label, not news: asof on a day long before the retitle shows it too
    assert _title(retitled, "2021-12-20") == NEW
    assert _title(retitled, "2022-02-02") == NEW
    listed = retitled("threads", "--format", "json").stdout
    assert {t["thread"]: t["title"] for t in json.loads(listed)["threads"]}[THREAD] == NEW


def test_an_earlier_moment_shows_the_title_of_then(retitled: Run) -> None:
    assert _title(retitled, "2022-02-02", "--recorded-before", BEFORE) == OLD


def test_history_lists_each_title_the_thread_had(retitled: Run) -> None:
    out = retitled("history", THREAD).stdout
    assert out.startswith(f"{THREAD} — {NEW}\n")
    assert (
        "Titles, as recorded:\n"
        f"    2026-11-28T12:00:00.000000Z · seq 7 · {OLD}\n"
        f"    2026-11-29T08:00:00.000000Z · seq 28 · {NEW}\n"
    ) in out
    doc = json.loads(retitled("history", THREAD, "--format", "json").stdout)
    assert [t["title"] for t in doc["titles"]] == [OLD, NEW]


def test_the_raw_log_shows_the_title_record(retitled: Run) -> None:
    out = retitled("log", "--raw", "--thread", THREAD).stdout
    assert out.endswith(f"2026-11-29  retitle          {THREAD}/title-1\n            {NEW}\n")
    (last,) = json.loads(retitled("log", "--raw", "--format", "json").stdout)[-1:]
    assert (last["kind"], last["title"], last["thread_title"]) == ("title", NEW, NEW)


def test_the_same_title_again_records_nothing(retitled: Run, db_url: str) -> None:
    before = count_rows(db_url)
    result = retitled("retitle", THREAD, f"  {NEW} ")
    assert result.stdout == f"{THREAD} is already titled that; nothing recorded\n"
    assert count_rows(db_url) == before


def test_a_second_retitle_takes_the_next_id(retitled: Run) -> None:
    out = retitled("retitle", THREAD, OLD, now=LATER).stdout
    assert out.startswith(f"Recorded {THREAD}/title-2: ")
    assert _title(retitled, "2022-02-02") == OLD


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-thread", "A title"], "Error: unknown thread 'no-such-thread'; "),
        ([THREAD, "   "], "Error: the new title is empty\n"),
        ([THREAD, "two\nlines"], "Error: the thread title "),
    ],
)
def test_a_bad_retitle_is_one_error_line_and_nothing_is_written(
    imported: Run, db_url: str, args: list[str], message: str
) -> None:
    before = count_rows(db_url)
    result = imported("retitle", *args)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert count_rows(db_url) == before


def test_a_retitled_log_verifies_rebuilds_and_restores(
    retitled: Run, run: Run, tmp_path: Path
) -> None:
    assert "projections match" in retitled("verify").stdout
    assert retitled("rebuild", "--all").exit_code == 0
    backup = tmp_path / "backup.jsonl"
    retitled("export", "jsonl", "-o", str(backup))
    restored = str(tmp_path / "restored.db")
    env = {"TIMELINE_DB": restored}
    assert run("restore", str(backup), env=env).exit_code == 0
    assert "projections match" in run("verify", env=env).stdout
    assert _title(lambda *a, **k: run(*a, env=env, **k), "2022-02-02") == NEW


def test_a_shared_thread_carries_its_latest_title(retitled: Run, tmp_path: Path) -> None:
    out = tmp_path / "thread.yaml"
    retitled("export", "events", "--thread", THREAD, "--format", "yaml", "-o", str(out))
    doc = yaml.safe_load(out.read_text())
    assert doc["title"] == NEW
    assert "title-1" not in {e["id"] for e in doc["events"]}

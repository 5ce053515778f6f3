"""The same --format set on every command that prints a table or list: CSV that the csv
module reads back row for row against the JSON, and Markdown tables and sections that
say what the JSON says (a row per name, event or change), hostile text kept as text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import EVENTS, Run

HOSTILE = """\
thread: russia-nato-security-guarantees
events:
  - id: pipe-title
    date: 2022-02-03
    type: statement
    actors: ["=cmd|' /C calc'!A0", "A | B"]
    title: "A | pipe, *stars* and [a](link)"
  - type: retraction
    id: pipe-title-withdrawn
    retracts: pipe-title
    known: 2022-02-04
    reason: "wrong | twice"
"""


@pytest.fixture
def story(run: Run, tmp_path: Path) -> Run:
    extra = tmp_path / "hostile.yaml"
    extra.write_text(HOSTILE)
    for args in (("import", str(EVENTS)), ("import", str(extra))):
        assert run(*args).exit_code == 0
    return run


def _json(run: Run, *args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("| ")][1:]


@pytest.mark.parametrize("kind", ["actors", "issues"])
def test_names_as_csv_and_markdown(story: Run, kind: str) -> None:
    names = _json(story, kind)[kind]
    table = list(csv.DictReader(io.StringIO(story(kind, "--format", "csv").stdout)))
    assert [r["name"] for r in table] == [
        ("'" + n["name"]) if n["name"][:1] in "=+-@" else n["name"] for n in names
    ]
    assert [int(r["events"]) for r in table] == [n["events"] for n in names]
    assert [int(r["threads"]) for r in table] == [len(n["threads"]) for n in names]
    rows = _table_rows(story(kind, "--format", "markdown").stdout)
    assert len(rows) == len(names)
    assert all(row.count(" | ") == 4 for row in rows)  # a pipe in a name stays text


def test_log_as_markdown_is_a_row_per_event_a_retracted_one_struck(story: Run) -> None:
    events = _json(story, "log")
    rows = _table_rows(story("log", "--format", "markdown").stdout)
    assert len(rows) == len(events)
    assert all(row.count(" | ") == 5 for row in rows)
    (struck,) = [r for r in rows if "pipe-title" in r]
    assert "~~A \\| pipe, \\*stars\\* and \\[a\\](link)~~ (retracted: wrong \\| twice)" in struck
    assert story("log", "--thread", "nope", "--format", "markdown").exit_code == 1


def test_diff_as_markdown_is_a_section_per_thread_with_each_change(story: Run) -> None:
    doc = _json(story, "diff", "2022-02-01", "2022-02-02")
    text = story("diff", "2022-02-01", "2022-02-02", "--format", "markdown").stdout
    assert text.startswith("# What became known after 2022-02-01, up to 2022-02-02\n")
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert len(sections) == len(doc["threads"])
    known = sum(len(t["events"]["known"]) for t in doc["threads"])
    assert text.count("- **Newly known:**") == known
    added = sum(len(t["positions"]["added"]) for t in doc["threads"])
    assert text.count("- **Position added:**") == added
    later = story("diff", "2022-02-03", "2022-02-04", "--format", "markdown").stdout
    assert "- **Retracted:** 2022-02-03 — A \\| pipe" in later
    nothing = story("diff", "2023-01-01", "2023-01-02", "--format", "markdown").stdout
    assert nothing.endswith("_Nothing._\n")

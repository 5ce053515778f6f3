"""Spreadsheets of event files (``export events --format csv``, ``import FILE.csv``):
a thread through a spreadsheet and back is the same log, formula-looking cells
included; a hand-written one reads as its header says; a bad one is named by line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import EVENTS, Run, count_rows

THREAD = "russia-nato-security-guarantees"


def _entries(run: Run, db: Path) -> list[dict[str, object]]:
    """What a log holds, recording aside: each record's payload, in order."""
    raw = json.loads(run("log", "--raw", "--format", "json", env={"TIMELINE_DB": str(db)}).stdout)
    return [{k: v for k, v in r.items() if k not in ("seq", "recorded_at")} for r in raw]


def test_a_log_through_a_spreadsheet_and_back_is_the_same(run: Run, tmp_path: Path) -> None:
    first = tmp_path / "first.db"
    at = {"TIMELINE_DB": str(first)}
    assert run("import", str(EVENTS), env=at).exit_code == 0
    hostile = '=HYPERLINK("x"); a: b = c <d> (e) \\ f'  # a formula, and every separator
    fixed = run(
        "correct", f"{THREAD}/el-pais-publishes", "--title", hostile, "--type", "disclosure",
        "--source", "'@Reuters; wire|https://www.reuters.com/", env=at,
    )  # fmt: skip
    assert fixed.exit_code == 0, fixed.output
    assert (
        run(
            "retract", f"{THREAD}/putin-concerns-ignored", "--reason", "-1: wrong", env=at
        ).exit_code
        == 0
    )
    sheet = tmp_path / "log.csv"
    assert run("export", "events", "--format", "csv", "-o", str(sheet), env=at).exit_code == 0
    cells = [c for row in csv.reader(sheet.open(newline="")) for c in row]
    assert "'" + hostile in cells  # a spreadsheet takes it as text, not a formula
    assert "'-1: wrong" in cells
    second = tmp_path / "second.db"
    back = run("import", str(sheet), env={"TIMELINE_DB": str(second)})
    assert back.exit_code == 0, back.output
    assert _entries(run, second) == _entries(run, first)
    again = tmp_path / "again.csv"
    run("export", "events", "--format", "csv", "-o", str(again), env={"TIMELINE_DB": str(second)})
    assert again.read_bytes() == sheet.read_bytes()
    # into the database it came from: nothing new, nothing conflicting
    assert run("import", str(sheet), env=at).stdout.startswith(
        "Imported 1 file: 0 added, 29 already"
    )


def test_a_hand_written_spreadsheet_reads_as_its_header_says(run: Run, tmp_path: Path) -> None:
    sheet = tmp_path / "talks.csv"
    sheet.write_text(
        "thread,thread_title,id,date,known,type,actors,title,summary,sources,positions,known_to,codes\n"
        "geneva-talks,Geneva talks,round-1,2022-01-10,,talks,United States; Russia,First round,"
        '"Two lines\nof summary",Reuters <https://www.reuters.com/> (2022-01-10),'
        "Russia: NATO enlargement = no further enlargement; "
        "United States: NATO enlargement = open door,"
        ",cameo: 046\n"
        "geneva-talks,,round-2,2022-01,2022-02-01,talks,United States; Russia,Second round,,,,"
        "Russia: 2022-01,\n"
    )
    result = run("import", str(sheet))
    assert result.exit_code == 0, result.output
    log = {e["id"]: e for e in json.loads(run("log", "--format", "json").stdout)}
    one = log["round-1"]
    assert (
        one["actors"] == ["United States", "Russia"] and one["summary"] == "Two lines\nof summary"
    )
    assert one["sources"] == [
        {"name": "Reuters", "url": "https://www.reuters.com/", "date": "2022-01-10"}
    ]
    assert [(p["actor"], p["stance"]) for p in one["positions"]] == [
        ("Russia", "no further enlargement"),
        ("United States", "open door"),
    ]
    assert one["codes"] == {"cameo": "046"}
    assert log["round-2"]["known_to"] == {"Russia": "2022-01"}
    assert json.loads(run("threads", "--format", "json").stdout)["threads"][0]["title"] == (
        "Geneva talks"
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("thread,id,colour\n", "{f}:1: unknown column 'colour' (valid: thread, thread_title"),
        ("id,title\n", "{f}:1: no 'thread' column"),
        ("thread,id\nt,a,extra\n", "{f}:2: 3 cells, not the header's 2"),
        (
            "thread,id,date,type,actors,title,summary,positions\n"
            't,a,2022-01-01,talks,X,T,"two\nlines",X no colon\n',
            "{f}:2: 'X no colon' has no ':'",
        ),
        (
            "thread,id,date,type,actors,title,summary\n"
            't,a,2022-01-01,talks,X,T,"two\nlines"\n'
            "t,b,2022-02-30,talks,X,T,\n",
            "{f}:4: invalid date '2022-02-30'",
        ),
    ],
)
def test_a_bad_spreadsheet_names_its_line_and_writes_nothing(
    run: Run, db_url: str, tmp_path: Path, text: str, error: str
) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text(text)
    result = run("import", str(sheet))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: " + error.format(f=sheet)), result.stderr
    assert count_rows(db_url) == 0


def test_format_csv_reads_any_file_as_a_spreadsheet(run: Run, tmp_path: Path) -> None:
    sheet = tmp_path / "events.txt"
    sheet.write_text("thread,id,date,type,actors,title\nt,a,2022-01-01,talks,X,T\n")
    assert run("import", str(sheet)).stderr.startswith(f"Error: {sheet}: not an event file")
    assert run("import", "--format", "csv", str(sheet)).stdout.startswith(
        "Imported 1 file: 1 added"
    )


def test_a_correction_that_empties_fields_goes_through_a_spreadsheet(
    run: Run, tmp_path: Path
) -> None:
    events = tmp_path / "events.yaml"
    events.write_text(
        "thread: t\nevents:\n"
        "  - {id: a, date: 2022-01-01, type: talks, actors: [X], title: T, summary: S,"
        " refs: [b]}\n"
        "  - {id: b, date: 2021-12-01, type: talks, actors: [X], title: U}\n"
        "  - {type: correction, corrects: a, set: {summary: null, refs: [], title: New}}\n"
        "  - {type: correction, corrects: b, set: {sources: null}, known: 2022-02-01}\n"
    )
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    assert run("import", str(events), env={"TIMELINE_DB": str(first)}).exit_code == 0
    sheet = tmp_path / "t.csv"
    run("export", "events", "--format", "csv", "-o", str(sheet), env={"TIMELINE_DB": str(first)})
    rows = list(csv.DictReader(sheet.open(newline="")))
    assert [r["clears"] for r in rows if r["type"] == "correction"] == [
        "refs; summary",
        "sources\\: null",
    ]
    back = run("import", str(sheet), env={"TIMELINE_DB": str(second)})
    assert back.exit_code == 0, back.output
    assert _entries(run, second) == _entries(run, first)


def test_an_unclosed_quote_is_named_not_swallowed(run: Run, db_url: str, tmp_path: Path) -> None:
    sheet = tmp_path / "open.csv"
    sheet.write_text(
        "thread,id,date,type,actors,title,summary\n"
        't,a,2022-01-01,talks,X,T,"oops\n'
        "t,b,2022-01-02,talks,X,U,fine\n"
    )
    result = run("import", str(sheet))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {sheet}:"), result.stderr
    assert "not CSV" in result.stderr and count_rows(db_url) == 0
    huge = tmp_path / "huge.csv"
    huge.write_text(
        f"thread,id,date,type,actors,title,summary\nt,a,2022-01-01,talks,X,T,{'w ' * 100_000}\n"
    )
    big = run("import", str(huge))
    assert big.exit_code in (0, 1) and "Traceback" not in big.output
    assert big.exit_code == 1 or count_rows(db_url) == 1

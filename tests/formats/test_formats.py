"""The tabular and document formats: threads as Markdown and CSV, log as CSV (RFC 4180),
history as JSON and Markdown. Each is read back with a parser, not matched as text."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import Result

from tests.conftest import Run

THREAD = "russia-nato-security-guarantees"


def _rows(output: Result | str) -> list[dict[str, str]]:
    """The rows of a CSV output (the runner's bytes: its ``stdout`` turns CRLF into LF)."""
    text = output if isinstance(output, str) else output.stdout_bytes.decode()
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # CRLF, RFC 4180
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_threads_as_csv_has_a_row_per_thread(imported: Run) -> None:
    rows = _rows(imported("threads", "--format", "csv"))
    listed = json.loads(imported("threads", "--format", "json").stdout)["threads"]
    assert [r["thread"] for r in rows] == [t["thread"] for t in listed]
    row = next(r for r in rows if r["thread"] == THREAD)
    assert row == {
        "thread": THREAD,
        "title": "Russia–US/NATO security guarantees",
        "status": "stalled",
        "events": "14",
        "first": "2021-12-01",
        "last": "2022-02-17",
    }


def test_threads_as_markdown_is_a_table(imported: Run) -> None:
    lines = imported("threads", "--format", "markdown").stdout.splitlines()
    assert lines[0] == "| Thread | Status | Events | First | Last | Title |"
    assert f"| `{THREAD}` | stalled | 14 | 2021-12-01 | 2022-02-17 |" in lines[3]
    assert len(lines) == 2 + 3


def test_log_as_csv_quotes_what_needs_it_and_joins_lists(run_ok: Run) -> None:
    run_ok(
        "add", "--thread", "t", "--date", "2022-01-26", "--type", "statement",
        "--actor", "United States", "--actor", "NATO",
        "--title", 'Replies say "no", firmly, on the open door', "--id", "a",
    )  # fmt: skip
    run_ok("correct", "t/a", "--title", "Replies, corrected")
    run_ok(
        "add", "--thread", "t", "--date", "2022-01-27", "--type", "statement",
        "--actor", "Russia", "--title", "Second", "--id", "b",
    )  # fmt: skip
    run_ok("retract", "t/b", "--reason", "duplicate")
    rows = _rows(run_ok("log", "--format", "csv"))
    assert [(r["id"], r["title"], r["actors"]) for r in rows] == [
        ("a", "Replies, corrected", "United States; NATO"),
        ("b", "Second", "Russia"),
    ]
    assert rows[0]["corrected_by"].startswith("t/a-fix-")
    assert rows[1]["retracted_by"].startswith("t/b-retracted-")
    raw = _rows(run_ok("log", "--raw", "--format", "csv"))
    assert [r["kind"] for r in raw] == ["event", "correction", "event", "retraction"]
    assert raw[1]["title"] == "correction of t/a"
    first = run_ok("log", "--format", "csv").stdout.splitlines()[1]
    assert '"Replies, corrected"' in first  # a comma: the field is quoted


def test_log_as_csv_escapes_control_characters_in_old_records(run_ok: Run) -> None:
    # the input rules refuse them; a field is still made visible, never written raw
    from tests.conftest import make_event, make_record
    from timeline.core.model import Record
    from timeline.formats.tables import log_csv

    record: Record = make_record(1, make_event(title="bell\x07 and escape\x1b[31m"))
    text = log_csv([record])
    assert "\x07" not in text and "\x1b" not in text
    assert _rows(text)[0]["title"] == "bell\\x07 and escape\\x1b[31m"


def test_history_as_json_holds_each_event_with_its_amendments(imported: Run) -> None:
    imported("correct", f"{THREAD}/geneva-ssd", "--title", "Geneva talks", "--known", "2022-01-11")
    story = json.loads(imported("history", THREAD, "--format", "json").stdout)
    assert (story["thread"], story["title"]) == (THREAD, "Russia–US/NATO security guarantees")
    events = {e["id"]: e for e in story["events"]}
    geneva = events["geneva-ssd"]
    assert geneva["title"] == "Geneva talks"
    assert [a["kind"] for a in geneva["amendments"]] == ["correction"]
    assert geneva["amendments"][0]["set"] == {"title": "Geneva talks"}
    assert geneva["status_change"] == {"from": "open", "to": "negotiating"}
    assert [e["known"] for e in story["events"]] == sorted(e["known"] for e in story["events"])


def test_history_as_markdown_has_a_section_per_event_with_linked_sources(imported: Run) -> None:
    text = imported("history", THREAD, "--format", "markdown").stdout
    lines = text.splitlines()
    assert lines[0] == f"# Russia–US/NATO security guarantees (`{THREAD}`)"
    assert sum(line.startswith("## ") for line in lines) == 14
    assert "[JAMnews](https://jam-news.net/" in text
    assert "- status: open → negotiating" in lines


def test_csv_keeps_a_formula_as_text(run_ok: Run) -> None:
    run_ok(
        "add", "--thread", "t", "--date", "2022-01-26", "--type", "statement",
        "--actor", "@Russia", "--title", '=HYPERLINK("http://x.example","click")', "--id", "a",
    )  # fmt: skip
    [row] = _rows(run_ok("log", "--format", "csv"))
    assert row["title"] == '\'=HYPERLINK("http://x.example","click")'
    assert row["actors"] == "'@Russia"


def test_history_markdown_keeps_notes_and_titles_inline(run_ok: Run) -> None:
    run_ok(
        "add", "--thread", "t", "--date", "2022-01-26", "--type", "statement",
        "--actor", "Russia", "--title", "[click](javascript:alert(1)) <img src=x>", "--id", "a",
    )  # fmt: skip
    run_ok("correct", "t/a", "--summary", "fixed", "--note", "x\n# Injected heading\n- item")
    text = run_ok("history", "t", "--format", "markdown").stdout
    assert "- note: x # Injected heading - item" in text  # one line, inline
    assert not any(line.startswith("# Injected") for line in text.splitlines())
    assert "\\[click\\](javascript:alert(1)) \\<img src=x\\>" in text

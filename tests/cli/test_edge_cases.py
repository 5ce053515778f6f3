"""Edge cases found by review: each was a wrong answer or a traceback once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Run, count_rows, is_postgres
from timeline.storage.db import resolve_url


def _add(run: Run, event_id: str, date: str, title: str = "T", *extra: str) -> None:
    result = run(
        "add",
        "--thread",
        "t",
        "--id",
        event_id,
        "--date",
        date,
        "--type",
        "statement",
        "--actor",
        "A",
        "--title",
        title,
        *extra,
    )
    assert result.exit_code == 0, result.output


def test_log_date_filters_see_corrected_dates(run: Run) -> None:
    _add(run, "e", "2022-02-10")
    _add(run, "g", "2022-02-03")
    assert run("correct", "t/e", "--date", "2022-02-01").exit_code == 0
    out = run("log", "--since", "2022-02-01", "--until", "2022-02-02").stdout
    assert out.startswith("2022-02-01  statement        t/e  [corrected]\n")


def test_diff_sees_a_withdrawn_correction_and_an_event_no_longer_known(
    run_ok: Run, run: Run
) -> None:
    _add(run, "anchor", "2022-01-01")
    _add(run, "e", "2022-01-10", "Original title")
    run_ok("correct", "t/e", "--title", "Corrected title", "--known", "2022-01-12", "--id", "c1")
    run_ok("retract", "t/c1", "--known", "2022-01-20", "--reason", "wrong")
    _add(run, "f", "2022-01-10", "F")
    run_ok("correct", "t/f", "--event-known", "2022-03-01", "--known", "2022-01-25")
    (t,) = json.loads(run("diff", "2022-01-15", "2022-01-22", "--format", "json").stdout)["threads"]
    assert [(c["id"], c["title"], c["fields"]) for c in t["events"]["corrected"]] == [
        ("e", "Original title", ["title"])
    ]
    (t,) = json.loads(run("diff", "2022-01-22", "2022-01-28", "--format", "json").stdout)["threads"]
    assert [(c["id"], c["fields"]) for c in t["events"]["corrected"]] == [("f", ["known"])]


def test_recorded_before_reproduces_the_empty_database_hint(run: Run) -> None:
    assert run("db", "upgrade").exit_code == 0
    before = run("asof", "2022-02-01", now="2026-01-01T00:00:00Z").stdout
    _add(run, "e", "2022-01-01")
    assert run("asof", "2022-02-01", "--recorded-before", "2026-01-01T00:00:00Z").stdout == before


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "yesterday"]
)
def test_an_out_of_range_timestamp_is_one_line(run: Run, value: str) -> None:
    result = run("asof", "2022-02-01", "--recorded-before", value)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: --recorded-before {value!r}: expected an ISO timestamp "
        "such as 2026-11-28T09:30:00Z\n"
    )
    result = run("threads", now=value)
    assert result.exit_code == 1 and result.stderr.startswith("Error: TIMELINE_NOW=")


def test_text_that_is_not_valid_unicode_is_refused(run: Run, tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"thread": "t", "id": "a", "date": "2022", "type": "talks", '
        '"actors": ["A"], "title": "lone \\ud800 surrogate"}\n'
    )
    result = run("import", str(path))
    assert result.stderr == (
        f"Error: {path}:1: title holds bytes that are not valid text "
        "(check the file's or the terminal's encoding)\n"
    )
    assert count_rows(db_url) == 0


def test_deeply_nested_json_is_one_line(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"thread": "t", "events": ' + "[" * 5000 + "]" * 5000 + "}")
    assert run("import", str(path)).stderr == (
        f"Error: {path}: nested too deeply to be an event file\n"
    )


def test_yaml_keeps_plain_values_as_text(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(
        "thread: t\nevents:\n"
        "  - &ev {id: 007, date: 2022, type: statement, actors: [Norway, NO], "
        "title: yes}\n"
        "  - {<<: *ev, id: 0x1f, title: '33:42'}\n"
        "  - {type: retraction, retracts: '007', reason: no}\n"
    )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    rows = json.loads(run("log", "--raw", "--format", "json").stdout)
    assert [(r["id"], r.get("title"), r.get("actors")) for r in rows[:2]] == [
        ("007", "yes", ["Norway", "NO"]),
        ("0x1f", "33:42", ["Norway", "NO"]),
    ]
    assert rows[2]["reason"] == "no"


def test_a_json_file_may_start_with_a_byte_order_mark(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(
        "\ufeff".encode()
        + json.dumps(
            {
                "thread": "t",
                "events": [
                    {"id": "a", "date": "2022", "type": "talks", "actors": ["A"], "title": "T"}
                ],
            }
        ).encode()
    )
    assert run("import", str(path)).exit_code == 0


def test_one_jsonl_file_cannot_title_a_thread_twice(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "titles.jsonl"
    row = {"thread": "t2", "date": "2022", "type": "talks", "actors": ["A"], "title": "T"}
    path.write_text(
        json.dumps({**row, "id": "a", "thread_title": "One"})
        + "\n"
        + json.dumps({**row, "id": "b", "thread_title": "Two"})
        + "\n"
    )
    assert run("import", str(path)).stderr == (
        f"Error: {path}:2: thread t2 is titled 'One' on line 1\n"
    )


def _tamper(db_url: str, statement: str) -> None:
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        if is_postgres(db_url):
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER events_append_only_update"))
        conn.execute(text(statement))
    engine.dispose()


@pytest.mark.parametrize(
    ("statement", "finding"),
    [
        (
            "UPDATE events SET payload_schema = 2 WHERE seq = 3",
            "t/c: modified row: column payload_schema differs from the hashed payload",
        ),
        (
            "UPDATE events SET prev_hash = '' WHERE seq = 3",
            "t/c: broken link: it does not link to the record before it",
        ),
        (
            "UPDATE events SET kind = 'retraction' WHERE seq = 2",
            "t/b: modified row: its content does not match its hash",
        ),
    ],
)
def test_verify_names_tampering_without_a_traceback(
    run: Run, db_url: str, statement: str, finding: str
) -> None:
    for event_id in "abc":
        _add(run, event_id, "2022-01-0" + str("abc".index(event_id) + 1))
    _tamper(db_url, statement)
    result = run("verify")
    assert result.exit_code == 1
    assert finding in result.stdout.splitlines()


def test_rebuild_refuses_a_payload_in_a_form_it_cannot_read(run: Run, db_url: str) -> None:
    for event_id in "abc":
        _add(run, event_id, "2022-01-0" + str("abc".index(event_id) + 1))
    _tamper(db_url, "UPDATE events SET payload_schema = 2 WHERE seq = 3")
    result = run("rebuild", "--all")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: a record has payload schema 2, unknown to this version of timeline\n"
    )


def test_a_title_merged_from_an_alias_reports_problems_at_the_event(
    run: Run, tmp_path: Path, db_url: str
) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text(
        "thread: t\nevents:\n"
        "  - &ev {id: a, date: 2022, type: chat, actors: [A], title: T}\n"
        "  - {<<: *ev, id: b}\n"
    )
    errors = run("import", str(path)).stderr.splitlines()
    assert errors[:2] == [
        f"Error: {path}:3: unknown type 'chat' (valid: statement, demand, "
        "proposal, offer, response, rejection, acceptance, talks, meeting, "
        "agreement, signing, ratification, entry-into-force, implementation, "
        "suspension, withdrawal, disclosure, confirmation, denial)",
        f"Error: {path}:4: unknown type 'chat' (valid: statement, demand, "
        "proposal, offer, response, rejection, acceptance, talks, meeting, "
        "agreement, signing, ratification, entry-into-force, implementation, "
        "suspension, withdrawal, disclosure, confirmation, denial)",
    ]
    assert count_rows(db_url) == 0


def test_verify_checks_the_projection_tables_summary_columns(run: Run, db_url: str) -> None:
    _add(run, "a", "2022-01-01")
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:  # the projection table is not append-only: no guard to drop
        conn.execute(text("UPDATE thread_states SET status = 'agreed' WHERE thread = 't'"))
    engine.dispose()
    result = run("verify")
    assert result.exit_code == 1
    assert (
        result.stdout == "t: projection differs from the log: column status of the "
        "projection table\n"
    )
    assert run("rebuild").exit_code == 0
    assert run("verify").exit_code == 0

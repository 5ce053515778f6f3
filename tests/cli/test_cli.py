"""The `timeline` command end to end, on real SQLite files, with exact output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import EVENTS, REPO, Run, asof_json, count_rows, shown
from timeline._version import SCHEMA_HEAD

SMALL = """\
thread: geneva-talks
title: Geneva talks
events:
  - id: drafts
    date: 2021-12
    type: demand
    actors: [Russia]
    title: Russia sets out demands
    status: open
    positions:
      - {actor: Russia, issue: enlargement, stance: stop it}
  - id: reply-content
    date: 2022-01-26
    known: 2022-02-02
    type: response
    actors: [United States]
    title: "US reply: open door stays"
    positions:
      - {actor: United States, issue: enlargement, stance: open door}
  - id: talks
    date: 2022-01-10
    type: talks
    actors: [United States, Russia]
    title: Talks in Geneva
    status: negotiating
"""


@pytest.fixture
def small(run: Run, tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    result = run("import", str(path))
    assert result.stdout == (
        "Imported 1 file: 3 added, 0 already present; new threads: geneva-talks\n"
    )
    return path


# ---- the seed story -----------------------------------------------------------------------


def _bundled_events() -> list[dict]:
    import yaml

    out = []
    for f in sorted(EVENTS.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text())
        out += [{**e, "thread": doc["thread"]} for e in doc["events"]]
    return out


def test_the_replies_content_is_unknown_on_feb_1_and_known_on_feb_2(imported: Run) -> None:
    feb1 = {t["thread"]: t for t in asof_json(imported, "2022-02-01")["threads"]}
    feb2 = {t["thread"]: t for t in asof_json(imported, "2022-02-02")["threads"]}
    assert (
        feb1.keys()
        == feb2.keys()
        == {
            "arms-control-missile-deployment",
            "russia-nato-security-guarantees",
            "russian-troops-georgia-moldova-ukraine",
        }
    )
    disclosed = {
        (e["thread"], e["id"]) for e in _bundled_events() if str(e.get("known")) == "2022-02-02"
    }
    assert len(disclosed) >= 7
    for slug in feb2:
        before = {(p["actor"], p["issue"]): p for p in feb1[slug]["positions"]}
        after = {(p["actor"], p["issue"]): p for p in feb2[slug]["positions"]}
        # nothing set by a disclosed event is visible the day before
        assert not any((slug, p["event"]) in disclosed for p in before.values())
        # every difference between the two days comes from an event known on 2 February
        changed = [p for k, p in after.items() if before.get(k) != p]
        assert all((slug, p["event"]) in disclosed for p in changed)
        assert before.keys() <= after.keys()
        newly = sum(1 for t, _ in disclosed if t == slug) + sum(
            1
            for e in _bundled_events()
            if e["thread"] == slug and str(e["date"]) == "2022-02-02" and e.get("known") is None
        )
        assert feb2[slug]["events"] - feb1[slug]["events"] == newly
    troops = {
        (p["actor"], p["issue"]): p["stance"]
        for p in feb2["russian-troops-georgia-moldova-ukraine"]["positions"]
    }
    forces = ("United States", "Russian forces in Ukraine, Georgia and Moldova")
    assert "Transnistria" in troops[forces]
    before = feb1["russian-troops-georgia-moldova-ukraine"]["positions"]
    assert forces not in {(p["actor"], p["issue"]) for p in before}
    last = feb2["russia-nato-security-guarantees"]["last"]
    assert last["type"] == "confirmation" and last["date"] == "2022-02-02"


def test_asof_json_has_exactly_the_documented_shape(imported: Run) -> None:
    doc = asof_json(imported, "2022-02-02")
    assert list(doc) == ["as_of", "threads"] and doc["as_of"] == "2022-02-02"
    slugs = [t["thread"] for t in doc["threads"]]
    assert slugs == sorted(slugs)
    for t in doc["threads"]:
        assert list(t) == [
            "thread",
            "title",
            "status",
            "parties",
            "positions",
            "events",
            "first",
            "last",
            "upcoming",
            "types",
            "earlier",
        ]
        assert t["parties"] == sorted(t["parties"])
        for p in t["positions"]:
            assert list(p) == ["actor", "issue", "stance", "since", "event"]
        assert sum(t["types"].values()) == t["events"]
        assert list(t["types"].values()) == sorted(t["types"].values(), reverse=True)
        assert len(t["earlier"]) == min(2, t["events"] - 1)
        for end in (t["first"], t["last"], *t["earlier"]):
            assert list(end) == ["id", "date", "known", "type", "title"]


def test_importing_the_same_files_again_adds_nothing(imported: Run, db_url: str) -> None:
    result = imported("import", str(EVENTS))
    assert result.exit_code == 0
    assert result.stdout == "Imported 3 files: 0 added, 27 already present\n"
    assert count_rows(db_url) == 27


def test_the_bundled_events_can_be_imported_by_name(run: Run, db_url: str) -> None:
    assert run("import", "--bundled").exit_code == 0
    assert count_rows(db_url) == 27


def test_a_story_imported_as_it_became_known_ends_as_one_imported_at_once(
    run: Run, db_url: str, tmp_path: Path
) -> None:
    """``import --known-by D`` records what was public by D: day by day, the log grows
    as a newsroom's did, each day's answer is the one known then, and at the end it
    holds what one import holds."""
    day_by_day = [("2022-01-26", 16, 11), ("2022-02-02", 10, 1), ("2022-03-01", 1, 0)]
    for day, added, later in day_by_day:
        result = run("import", str(EVENTS), "--known-by", day, now=f"{day}T20:00:00Z")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"Imported 3 files: {added} added, ")
        note = f"Left for later: {later} record{'s' if later != 1 else ''} known after {day}\n"
        assert result.stdout.endswith(note) == (later > 0)
        # what the log knew that evening is what it says of the day
        asof = run("asof", day, "--format", "json", now=f"{day}T20:00:00Z").stdout
        at_once = tmp_path / f"{day}.db"
        once = run("import", str(EVENTS), env={"TIMELINE_DB": str(at_once)})
        assert once.exit_code == 0
        assert (
            run("asof", day, "--format", "json", env={"TIMELINE_DB": str(at_once)}).stdout == asof
        )
    assert count_rows(db_url) == 27
    refused = run("import", str(EVENTS), "--known-by", "2022-02-30")
    assert refused.exit_code == 1 and refused.stderr.startswith(
        "Error: invalid known_by '2022-02-30'"
    )


# ---- exact output on a small file ------------------------------------------------------------


def test_asof_text_output(run: Run, small: Path) -> None:
    result = run("asof", "2022-02-01")
    assert result.exit_code == 0
    assert result.stdout == textwrap.dedent("""\
        As of 2022-02-01 (publicly known by the end of that day): 1 thread

        geneva-talks — Geneva talks
          status:     negotiating
          parties:    Russia, United States
          events:     2 known (2021-12 … 2022-01-10)
          by type:    1 demand, 1 talks
          positions:
            Russia
              enlargement: stop it  [since 2021-12, drafts]
          last:       2022-01-10 talks: Talks in Geneva  [talks]
                      2021-12 demand: Russia sets out demands  [drafts, known 2021-12-31]
        """)


def test_asof_markdown_output(run: Run, small: Path) -> None:
    assert run("asof", "2022-02-02", "--format", "markdown").stdout == textwrap.dedent("""\
        # As of 2022-02-02

        _What was publicly known by the end of that day._

        ## Geneva talks (`geneva-talks`)

        - **Status:** negotiating
        - **Parties:** Russia, United States
        - **Events known:** 3 (2021-12 … 2022-01-26)
        - **By type:** 1 demand, 1 response, 1 talks
        - **Last:** 2022-01-26 — response — US reply: open door stays (known 2022-02-02)
        - **Before that:** 2022-01-10 — talks — Talks in Geneva
        - **Before that:** 2021-12 — demand — Russia sets out demands (known 2021-12-31)

        | Actor | Issue | Stance | Since | Event |
        |---|---|---|---|---|
        | Russia | enlargement | stop it | 2021-12 | `drafts` |
        | United States | enlargement | open door | 2022-01-26 | `reply-content` |
        """)


def test_a_month_precision_event_is_not_known_before_the_month_ends(run: Run, small: Path) -> None:
    assert run("asof", "2021-12-30").stdout == (
        "Nothing recorded here was publicly known by the end of 2021-12-30.\n"
    )
    assert asof_json(run, "2021-12-31")["threads"][0]["events"] == 1


def test_asof_today_uses_the_clock_which_timeline_now_overrides(run: Run, small: Path) -> None:
    assert asof_json(run, "today", now="2022-02-01T23:00:00Z")["as_of"] == "2022-02-01"
    assert asof_json(run, "today", now="2022-02-01T23:00:00Z")["threads"][0]["events"] == 2
    assert asof_json(run, "today", now="2022-02-02T00:30:00+01:00")["as_of"] == "2022-02-02"


def test_threads_lists_every_thread(run: Run, small: Path) -> None:
    assert run("threads").stdout == (
        "THREAD        STATUS       EVENTS  FIRST       LAST        TITLE\n"
        "geneva-talks  negotiating       3  2021-12     2022-01-26  Geneva talks\n"
    )
    doc = json.loads(run("threads", "--format", "json").stdout)
    assert doc["threads"][0]["events"] == 3 and doc["threads"][0]["title"] == "Geneva talks"


def test_log_shows_events_in_timeline_order_with_late_known_dates(run: Run, small: Path) -> None:
    assert run("log").stdout == textwrap.dedent("""\
        2021-12     demand           geneva-talks/drafts
                    Russia — Russia sets out demands
        2022-01-10  talks            geneva-talks/talks
                    United States, Russia — Talks in Geneva
        2022-01-26  response         geneva-talks/reply-content  (known 2022-02-02)
                    United States — US reply: open door stays
        """)


def test_log_filters_by_date_range_and_known_date(run: Run, small: Path) -> None:
    def ids(*args: str) -> list[str]:
        return [r["id"] for r in json.loads(run("log", "--format", "json", *args).stdout)]

    assert ids() == ["drafts", "talks", "reply-content"]
    assert ids("--since", "2022-01") == ["talks", "reply-content"]
    assert ids("--until", "2021-12-15") == ["drafts"]  # the month overlaps the range
    assert ids("--known-by", "2022-02-01") == ["drafts", "talks"]
    lines = run("log", "--format", "jsonl", "--thread", "geneva-talks").stdout.splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 3, 2]
    assert json.loads(lines[0])["recorded_at"] == "2026-11-28T12:00:00.000000Z"


def test_add_records_an_event_and_generates_its_id(run: Run, small: Path, db_url: str) -> None:
    result = run(
        "add",
        "--thread",
        "geneva-talks",
        "--date",
        "2022-02-17",
        "--type",
        "response",
        "--actor",
        "Russia",
        "--title",
        "Russia replies in writing",
        "--source",
        "Ministry of Foreign Affairs=https://example.org/reply",
        "--position",
        "Russia|enlargement|still stop it",
        "--ref",
        "talks",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Recorded geneva-talks/2022-02-17-russia-replies-in-writing (seq 4, known 2022-02-17)\n"
    )
    (rec,) = json.loads(run("log", "--format", "json", "--since", "2022-02-17").stdout)
    assert rec["sources"] == [
        {"name": "Ministry of Foreign Affairs", "url": "https://example.org/reply"}
    ]
    assert rec["refs"] == ["geneva-talks/talks"]
    again = run(
        "add",
        "--thread",
        "geneva-talks",
        "--date",
        "2022-02-17",
        "--type",
        "response",
        "--actor",
        "Russia",
        "--title",
        "Russia replies in writing",
    )
    assert again.stdout.startswith("Recorded geneva-talks/2022-02-17-russia-replies-in-writing-2 ")


def test_add_names_a_new_thread(run: Run) -> None:
    result = run(
        "add",
        "--thread",
        "new-start",
        "--id",
        "signing",
        "--date",
        "2010-04-08",
        "--type",
        "signing",
        "--actor",
        "United States",
        "--actor",
        "Russia",
        "--title",
        "New START signed in Prague",
        "--thread-title",
        "New START",
        "--status",
        "agreed",
    )
    assert result.stdout == (
        "Recorded new-start/signing (seq 1, known 2010-04-08); new thread new-start\n"
    )
    assert asof_json(run, "2010-04-08")["threads"][0]["title"] == "New START"


def test_rebuild_replays_the_projection_table(imported: Run) -> None:
    before = imported("asof", "today", "--format", "json").stdout
    result = imported("rebuild", "--all")
    assert result.stdout == (
        "Rebuilt the thread states and checkpoints of 3 threads from 27 records\n"
        "Rebuilt the search index of 3 threads from 27 records\n"
        "Rebuilt the Merkle tree of 3 threads from 27 records\n"
    )
    assert imported("asof", "today", "--format", "json").stdout == before


def test_db_commands_report_the_schema(run: Run, db_url: str) -> None:
    assert (
        run("db", "upgrade").stdout
        == f"Database {shown(db_url)} is at schema {SCHEMA_HEAD} (head)\n"
    )
    assert run("db", "current").stdout == f"{shown(db_url)}: schema {SCHEMA_HEAD}, 0 records\n"


def test_an_empty_database_says_how_to_get_events(run: Run) -> None:
    assert run("db", "upgrade").exit_code == 0  # a timeline database, with nothing in it
    out = run("asof", "2022-02-02").stdout
    assert "timeline import --bundled" in out and "timeline add" in out


# ---- bad input: one line, non-zero exit, nothing written ---------------------------------------

EVENT = """\
thread: t
events:
  - id: e
    date: {date}
    known: {known}
    type: {type}
    actors: {actors}
    title: {title}
    status: {status}
"""
GOOD = {
    "date": "2022-01-26",
    "known": "2022-01-26",
    "type": "response",
    "actors": "[Russia]",
    "title": "A title",
    "status": "open",
}


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ({"date": "2022-13-45"}, 4, "invalid date '2022-13-45': month must be 01..12"),
        ({"date": "2022-02-30"}, 4, "invalid date '2022-02-30': day must be 01..28 in 2022-02"),
        ({"known": "2022-01-25"}, 5, "known 2022-01-25 is before the date 2022-01-26"),
        ({"type": "handshake"}, 6, "unknown type 'handshake' (valid: statement, demand,"),
        ({"status": "frozen"}, 9, "unknown status 'frozen' (valid: open, negotiating,"),
        ({"actors": "[]"}, 7, "missing required field 'actors'"),
        ({"title": "''"}, 8, "missing required field 'title'"),
        ({"title": "[unclosed"}, 9, "invalid YAML:"),
    ],
)
def test_a_bad_event_file_is_one_error_line_and_nothing_is_written(
    imported: Run, db_url: str, tmp_path: Path, change, line, message
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EVENT.format(**{**GOOD, **change}))
    result = imported("import", str(EVENTS), str(bad))
    assert result.exit_code == 1
    assert result.stdout == ""
    (err,) = result.stderr.splitlines()
    assert err.startswith(f"Error: {bad}:{line}: {message}")
    assert count_rows(db_url) == 27


def test_malformed_json_names_the_line(run: Run, db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"thread": "t",\n "events": [\n  {"id": "a",]\n}')
    result = run("import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}:3: invalid JSON:")
    assert count_rows(db_url) == 0


def test_every_problem_in_every_file_is_listed_and_nothing_is_imported(
    run: Run, db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text(SMALL.replace("type: talks", "type: chat"))
    (folder / "b.jsonl").write_text(
        '{"thread": "b", "id": "x", "date": "2022-02-30", "type": "talks", '
        '"actors": ["A"], "title": "T"}\n\n'
        '{"thread": "b", "id": "y", "date": "2022", "type": "talks", "actors": ["A"], '
        '"title": "T", "refs": ["b/missing"]}\n'
    )
    result = run("import", str(folder))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {folder / 'a.yaml'}:22: unknown type 'chat' (valid: statement, demand, proposal, "
        "offer, response, rejection, acceptance, talks, meeting, agreement, signing, "
        "ratification, entry-into-force, implementation, suspension, withdrawal, disclosure, "
        "confirmation, denial)",
        f"Error: {folder / 'b.jsonl'}:1: invalid date '2022-02-30': day must be 01..28 in 2022-02",
        f"Error: {folder / 'b.jsonl'}:3: refs: no event b/missing is recorded or in this import",
        "Error: 3 problems; nothing was imported",
    ]
    assert count_rows(db_url) == 0


def test_the_same_id_with_different_content_is_an_error_naming_both(
    run: Run, small: Path, db_url: str, tmp_path: Path
) -> None:
    changed = tmp_path / "changed.yaml"
    changed.write_text(SMALL.replace("Talks in Geneva", "Talks in Vienna"))
    result = run("import", str(changed))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {changed}:24: event geneva-talks/talks is already "
        "recorded (seq 3) with a different title\n"
    )
    twice = tmp_path / "twice.jsonl"
    row = {"thread": "z", "id": "a", "date": "2022", "type": "talks", "actors": ["A"]}
    twice.write_text(
        json.dumps({**row, "title": "One"}) + "\n" + json.dumps({**row, "title": "Two"}) + "\n"
    )
    result = run("import", str(twice))
    assert result.stderr == f"Error: {twice}:2: event z/a differs from the one at {twice}:1\n"
    assert count_rows(db_url) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "add",
                "--thread",
                "t",
                "--date",
                "2022-02-30",
                "--type",
                "talks",
                "--actor",
                "A",
                "--title",
                "T",
            ],
            "Error: invalid date '2022-02-30': day must be 01..28 in 2022-02\n",
        ),
        (
            [
                "add",
                "--thread",
                "t",
                "--date",
                "2022-01-26",
                "--known",
                "2022-01-01",
                "--type",
                "talks",
                "--actor",
                "A",
                "--title",
                "T",
            ],
            "Error: known 2022-01-01 is before the date 2022-01-26 (starts 2022-01-26)\n",
        ),
        (
            [
                "add",
                "--thread",
                "t",
                "--date",
                "2022",
                "--type",
                "chat",
                "--actor",
                "A",
                "--title",
                "T",
            ],
            "Error: unknown type 'chat' (valid: statement, demand, proposal, offer, "
            "response, rejection, acceptance, talks, meeting, agreement, signing, ratification, "
            "entry-into-force, implementation, suspension, withdrawal, disclosure, confirmation, "
            "denial)\n",
        ),
        (
            [
                "add",
                "--thread",
                "t",
                "--date",
                "2022",
                "--type",
                "talks",
                "--actor",
                "A",
                "--title",
                "T",
                "--status",
                "frozen",
            ],
            "Error: unknown status 'frozen' (valid: open, negotiating, stalled, agreed, in-force, "
            "suspended, terminated)\n",
        ),
        (
            [
                "add",
                "--thread",
                "t",
                "--date",
                "2022",
                "--type",
                "talks",
                "--actor",
                " ",
                "--title",
                "T",
            ],
            "Error: each actor must be non-empty text\n",
        ),
        (
            ["add", "--thread", "t", "--date", "2022", "--type", "talks", "--actor", "A"],
            "Error: missing --title (required when not run in a terminal)\n",
        ),
        (
            [
                "add",
                "--thread",
                "Bad Slug",
                "--date",
                "2022",
                "--type",
                "talks",
                "--actor",
                "A",
                "--title",
                "T",
            ],
            "Error: invalid thread 'Bad Slug': use lowercase letters, digits and "
            "'-', starting with a letter or digit\n",
        ),
        (
            [
                "add",
                "--thread",
                "geneva-talks",
                "--id",
                "talks",
                "--date",
                "2022",
                "--type",
                "talks",
                "--actor",
                "A",
                "--title",
                "T",
            ],
            "Error: event geneva-talks/talks is already recorded (seq 3) with a different "
            "date, known, actors, title, status\n",
        ),
        (
            [
                "add",
                "--thread",
                "t",
                "--date",
                "2022",
                "--type",
                "talks",
                "--actor",
                "A",
                "--title",
                "T",
                "--ref",
                "geneva-talks/nope",
            ],
            "Error: refs: no event geneva-talks/nope is recorded\n",
        ),
        (
            [
                "add",
                "--thread",
                "t",
                "--date",
                "2022",
                "--type",
                "talks",
                "--actor",
                "A",
                "--title",
                "T",
                "--position",
                "A|B",
            ],
            "Error: --position 'A|B': expected 'ACTOR|ISSUE|STANCE'\n",
        ),
        (["asof", "2022-13-45"], "Error: invalid date '2022-13-45': month must be 01..12\n"),
        (
            ["asof", "2022-02"],
            "Error: invalid date '2022-02': expected a full day YYYY-MM-DD, today or yesterday\n",
        ),
        (
            ["asof", "2022-02-02", "--thread", "nope"],
            "Error: unknown thread 'nope'; `timeline threads` lists them\n",
        ),
        (
            ["log", "--thread", "nope"],
            "Error: unknown thread 'nope'; `timeline threads` lists them\n",
        ),
        (
            ["log", "--since", "last week"],
            "Error: since: invalid date 'last week': expected YYYY, "
            "YYYY-MM or YYYY-MM-DD, optionally followed by ~, ? or %\n",
        ),
        (
            ["asof", "2022-02-02", "--format", "xml"],
            "Error: Invalid value for '--format': "
            "'xml' is not one of 'text', 'json', 'markdown'.\n",
        ),
        (["import", "no/such/file.yaml"], "Error: no/such/file.yaml: no such file or folder\n"),
    ],
)
def test_bad_command_input_is_one_error_line_and_nothing_is_written(
    run: Run, small: Path, db_url: str, args, message
) -> None:
    result = run(*args)
    assert result.exit_code != 0
    assert result.stdout == ""
    assert result.stderr == message
    assert count_rows(db_url) == 3


@pytest.mark.parametrize("where", ["missing-folder", "folder", "not-a-db"])
def test_a_database_that_cannot_be_opened_is_one_error_line(
    run: Run, tmp_path: Path, where: str
) -> None:
    target = {
        "missing-folder": tmp_path / "nope" / "x.db",
        "folder": tmp_path,
        "not-a-db": tmp_path / "notes.txt",
    }[where]
    if where == "not-a-db":
        target.write_text("plain text\n" * 200)
    result = run("threads", env={"TIMELINE_DB": str(target)})
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: cannot open database {target}")


def test_a_bad_timeline_now_is_one_error_line(run: Run) -> None:
    result = run("threads", now="yesterday")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: TIMELINE_NOW='yesterday' is not an ISO timestamp (e.g. 2022-02-02T12:00:00Z)\n"
    )


# ---- as a real program ----------------------------------------------------------------------


def _timeline(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "timeline", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=REPO,
        check=False,
    )


@pytest.mark.slow
def test_the_cli_works_as_a_subprocess(tmp_path: Path) -> None:
    env = {"TIMELINE_DB": str(tmp_path / "sub.db"), "TIMELINE_NOW": "2026-11-28T12:00:00Z"}
    assert _timeline("import", "events", env=env).returncode == 0
    out = _timeline("asof", "2022-02-02", env=env)
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout.startswith(
        "As of 2022-02-02 (publicly known by the end of that day): 3 threads\n"
    )
    assert "El País" in out.stdout
    bad = _timeline("asof", "2022-02-30", env=env)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr == "Error: invalid date '2022-02-30': day must be 01..28 in 2022-02\n"


def test_help_loads_neither_the_database_layer_nor_yaml() -> None:
    code = (
        "import sys\nfrom timeline.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.slow
def test_add_in_a_terminal_prompts_for_the_missing_fields(tmp_path: Path) -> None:
    env = {"TIMELINE_DB": str(tmp_path / "tty.db"), "TIMELINE_NOW": "2026-11-28T12:00:00Z"}
    controller, terminal = os.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "timeline",
            "add",
            "--thread",
            "nato-russia",
            "--date",
            "2022-01-12",
        ],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
        cwd=REPO,
    )
    os.close(terminal)
    os.write(controller, b"meeting\nNATO, Russia\nNATO-Russia Council meets in Brussels\n")
    out, err = proc.communicate(timeout=60)
    os.close(controller)
    assert proc.returncode == 0, err
    assert "Type (statement, demand," in out and "Actors (comma-separated)" in out
    assert out.endswith(
        "Recorded nato-russia/2022-01-12-nato-russia-council-meets-in-brussels "
        "(seq 1, known 2022-01-12); new thread nato-russia\n"
    )
    logged = json.loads(_timeline("log", "--format", "json", env=env).stdout)
    assert logged[0]["actors"] == ["NATO", "Russia"] and logged[0]["type"] == "meeting"


@pytest.mark.slow
def test_add_in_a_terminal_asks_again_for_an_invalid_answer(tmp_path: Path) -> None:
    env = {"TIMELINE_DB": str(tmp_path / "tty.db"), "TIMELINE_NOW": "2026-11-28T12:00:00Z"}
    controller, terminal = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "timeline", "add", "--thread", "nato-russia"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
        cwd=REPO,
    )
    os.close(terminal)
    answers = b"2022-02-30\n2022-01-12\nhandshake\nmeeting\n , \nNATO, Russia\nCouncil meets\n"
    os.write(controller, answers)
    out, err = proc.communicate(timeout=60)
    os.close(controller)
    assert proc.returncode == 0, err
    assert "day must be 01..28 in 2022-02" in out + err
    assert "unknown type 'handshake'" in out + err
    assert "name at least one actor" in out + err
    assert out.endswith("(seq 1, known 2022-01-12); new thread nato-russia\n")


def test_a_large_import_names_its_first_new_threads_and_counts_the_rest(
    run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "many.jsonl"
    lines = [
        json.dumps(
            {
                "thread": f"talks-{n:02d}",
                "id": "opening",
                "date": "2022-01-10",
                "type": "talks",
                "actors": ["Russia"],
                "title": "Talks open",
            }
        )
        for n in range(12)
    ]
    path.write_text("\n".join(lines) + "\n")
    result = run("import", str(path))
    named = ", ".join(f"talks-{n:02d}" for n in range(10))
    assert result.stdout == (
        f"Imported 1 file: 12 added, 0 already present; 12 new threads: {named} and 2 more\n"
    )


def test_a_title_met_after_its_threads_new_events_is_named_in_a_warning(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Imports append a batch at a time: a title in a later file than the thread's new
    events cannot be placed on one of them, and says so rather than vanish."""
    from timeline.usecases import importing

    monkeypatch.setattr(importing, "BATCH", 2)
    events = tmp_path / "a.jsonl"
    lines = [
        {
            "thread": "talks",
            "id": f"round-{n}",
            "date": f"2022-01-1{n}",
            "type": "talks",
            "actors": ["Russia"],
            "title": f"Round {n}",
        }
        for n in range(2)
    ]
    events.write_text("".join(json.dumps(x) + "\n" for x in lines))
    titled = tmp_path / "b.yaml"
    titled.write_text(
        "thread: talks\ntitle: Strategic stability talks\nevents:\n"
        "  - {type: retraction, retracts: round-1, reason: never held, known: 2022-01-20}\n"
    )
    result = run("import", str(events), str(titled))
    assert result.exit_code == 0
    assert f"Warning: {titled}:2: thread talks: its title 'Strategic stability talks'" in (
        result.stderr
    )


@pytest.mark.parametrize("args", [[], ["token"], ["db"]])
def test_a_command_given_nothing_prints_its_help_on_stdout_and_succeeds(
    run: Run, args: list[str]
) -> None:
    # before: "Error: Usage: ..." on stderr, exit 2
    result = run(*args)
    assert (result.exit_code, result.stderr) == (0, "")
    usage = result.stdout.splitlines()[0]  # CliRunner names the program "root"
    assert usage.startswith("Usage: ") and usage.endswith(" [OPTIONS] COMMAND [ARGS]...")
    assert usage.split()[2:-3] == args
    assert ("Record:" if not args else "Commands:") in result.stdout


def test_the_same_parties_in_another_order_are_the_same_event(run: Run, db_url: str) -> None:
    # before: a second record (or "already recorded with a different actors")
    base = ["add", "--thread", "t", "--date", "2022-01-01", "--type", "talks", "--title", "x"]
    first = run(*base, "--actor", "Russia", "--actor", "NATO")
    again = run(*base, "--actor", "NATO", "--actor", "Russia")
    assert first.exit_code == again.exit_code == 0
    assert again.stdout == "Already recorded t/2022-01-01-x (seq 1); nothing added\n"
    assert count_rows(db_url) == 1


def test_help_lists_every_command_once_in_its_panel_with_its_whole_first_sentence(
    run: Run,
) -> None:
    import typer

    from timeline.cli import app
    from timeline.cli._app import PANELS

    commands = typer.main.get_command(app).commands  # the group of every command
    listed = [name for _, names in PANELS for name in names]
    assert sorted(listed) == sorted(n for n, c in commands.items() if not c.hidden)
    out = run("--help").stdout
    headings = [line[:-1] for line in out.splitlines() if line[:1].isupper() and line[-1:] == ":"]
    assert headings == ["Options", *(panel for panel, _ in PANELS)]
    assert "..." not in out.split("Options:")[1]  # no description cut off
    assert "  add      Record one event." in out

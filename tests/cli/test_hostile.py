"""Hostile inputs and broken databases: every failure is one `Error:` line, never a
traceback, and nothing is written on refusal."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EVENTS, NOW, Run, count_rows
from tests.test_docs import COMMANDS
from timeline.cli import app
from timeline.core import chain
from timeline.usecases import import_paths, open_store

THREAD = "russia-nato-security-guarantees"
ARGS: dict[str, list[str]] = {
    "add": [
        "--thread",
        THREAD,
        "--date",
        "2022-02-07",
        "--type",
        "meeting",
        "--actor",
        "France",
        "--title",
        "Macron and Putin meet in Moscow",
    ],
    "correct": [f"{THREAD}/geneva-ssd", "--title", "Geneva talks"],
    "retract": [f"{THREAD}/geneva-ssd", "--reason", "duplicate"],
    "import": [str(EVENTS)],
    "restore": ["backup.jsonl"],
    "asof": ["2022-02-02"],
    "history": [THREAD],
    "diff": ["2022-02-01", "2022-02-02"],
    "db grant": ["newsroom"],
    "retitle": [THREAD, "Russia–NATO: the draft treaties"],
    "alias": ["US", "United States"],
    "token create": ["desk"],
    "token revoke": ["desk"],
    "upcoming": ["2022-02-02"],
    "report": [THREAD],
}


def corrupt(db: Path, start: float) -> None:
    """Overwrite the pages from ``start`` (a fraction of the file) on with garbage: SQLite
    still opens the file, and reports 'database disk image is malformed' when a query
    reaches them (with the schema pages intact, only in the middle of a command)."""
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    first = max(1, int(len(data) * start) // page) * page
    for i in range(first, len(data)):
        data[i] = (i * 131) % 251
    db.write_bytes(bytes(data))


@pytest.fixture(scope="module", params=[0.0, 0.5], ids=["from-page-2", "second-half"])
def corrupted(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    folder = tmp_path_factory.mktemp("corrupted")
    db = folder / "timeline.db"
    store = open_store(str(db))
    import_paths(store, [EVENTS], dt.datetime.now(dt.UTC))
    store.close()  # the last connection to close folds the write-ahead log in
    assert not Path(f"{db}-wal").exists()
    corrupt(db, request.param)
    return db


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_on_a_corrupted_database_is_one_line(
    corrupted: Path, tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if command == "serve":  # it serves until interrupted: here it stops after its start-up read
        import uvicorn

        from timeline.cli.serve import CONFIG_VAR

        monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
        monkeypatch.setenv(CONFIG_VAR, "")  # restored afterwards
    db = tmp_path / "timeline.db"
    shutil.copy(corrupted, db)
    env = {"TIMELINE_DB": str(db), "TIMELINE_NOW": NOW}
    args = [*command.split(), *ARGS.get(command, [])]
    result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    if command in ("verify", "asof", "log", "export jsonl", "rebuild"):  # they read it all
        assert result.exit_code != 0, result.output
    if result.exit_code != 0:
        (line,) = result.stderr.splitlines()
        assert line.startswith("Error: "), line


def test_the_corruption_is_real(corrupted: Path) -> None:
    with (
        pytest.raises(sqlite3.DatabaseError, match=r"malformed|not a database"),
        sqlite3.connect(corrupted) as conn,
    ):
        conn.execute("SELECT * FROM events").fetchall()


# ---- known tracebacks and half-answers, each now one line (or a clean answer) -----------


def test_a_refused_import_into_a_new_file_leaves_no_database(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("thread: t\nevents:\n  - {id: a, date: 2022-02-30, type: talks}\n")
    target = tmp_path / "new" / "timeline.db"
    target.parent.mkdir()
    result = run("import", str(bad), env={"TIMELINE_DB": str(target)})
    assert result.exit_code == 1
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "{f}: the file is empty; not a backup made by `timeline export jsonl`"),
        ("\n\n", "{f}: the file is empty; not a backup made by `timeline export jsonl`"),
        ("thread: t\nevents: []\n", "{f}:1: not a backup made by `timeline export jsonl`"),
        ('{"thread": "t", "id": "a"}\n', "{f}:1: not a backup made by `timeline export jsonl`"),
    ],
    ids=["empty", "blank", "yaml", "event-jsonl"],
)
def test_restoring_what_is_not_a_backup_is_one_line_and_writes_nothing(
    run: Run, tmp_path: Path, content: str, message: str
) -> None:
    source = tmp_path / "backup.jsonl"
    source.write_text(content)
    target = tmp_path / "restored" / "timeline.db"
    target.parent.mkdir()
    result = run("restore", str(source), env={"TIMELINE_DB": str(target)})
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message.format(f=source)}\n"
    assert list(target.parent.iterdir()) == []


def test_importing_a_backup_says_to_restore_it(imported: Run, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    assert imported("export", "jsonl", "-o", str(backup)).exit_code == 0
    result = imported("import", str(backup))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {backup}:1: this is a backup made by `timeline export jsonl`: "
        "`timeline restore FILE` puts it back\n"
    )


def test_a_thread_title_with_a_newline_is_refused(run: Run, db_url: str) -> None:
    result = run("add", *ARGS["add"], "--thread-title", "Security\nguarantees")
    assert result.exit_code == 1
    assert result.stderr == "Error: the thread title must be one line\n"
    assert count_rows(db_url) == 0


def test_an_event_on_the_last_day_of_year_9999_exports_to_icalendar(run_ok: Run) -> None:
    from icalendar import Calendar

    run_ok(
        "add",
        "--thread",
        "far",
        "--date",
        "9999-12-31",
        "--type",
        "meeting",
        "--actor",
        "Future",
        "--title",
        "The last day",
    )
    run_ok(
        "add",
        "--thread",
        "far",
        "--date",
        "9999-12",
        "--type",
        "meeting",
        "--actor",
        "Future",
        "--title",
        "The last month",
    )
    feed = Calendar.from_ical(run_ok("export", "ics").stdout_bytes)
    spans = sorted(
        (str(v["SUMMARY"]), v.decoded("DTSTART"), v.decoded("DURATION", None))
        for v in feed.walk("VEVENT")
    )
    assert [(s, d.isoformat(), n.days if n else None) for s, d, n in spans] == [
        ("The last day", "9999-12-31", 1),
        ("The last month (Dec 9999, day unknown)", "9999-12-01", 31),
    ]


def test_a_thread_whose_events_are_all_retracted_exports_cleanly(run_ok: Run) -> None:
    run_ok("add", *ARGS["add"], "--id", "rumour")
    run_ok("retract", f"{THREAD}/rumour", "--reason", "It never happened")
    feed = run_ok("export", "ics", "--thread", THREAD).stdout
    assert "STATUS:CANCELLED" in feed and "[RETRACTED]" in feed
    slides = run_ok("export", "timelinejs", "--thread", THREAD).stdout
    assert '"events": []' in slides


def test_a_long_list_of_problems_is_capped_at_twenty(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(f'{{"thread": "t", "id": "e{n}"}}\n' for n in range(1, 14)))
    result = run("import", str(bad))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 22
    assert lines[19].startswith(f"Error: {bad}:") and lines[20:] == [
        "Error: ... and 32 more",  # 13 events, each missing date, type, actors and title
        "Error: 52 problems; nothing was imported",
    ]


# ---- text that cannot attack a reader -----------------------------------------------------

HOSTILE = {
    "escape": "Talks \x1b[2J\x1b[31mend",
    "nul": "Talks\x00end",
    "c1": "Talks \x9b31m end",
    "line-separator": "Talks\u2028end",
    "tab": "Talks\tend",
    "carriage-return": "Talks\rend",
}
CODES = {
    "escape": "001B",
    "nul": "0000",
    "c1": "009B",
    "line-separator": "2028",
    "tab": "0009",
    "carriage-return": "000D",
}


def _refused(result: object, db_url: str, count: int = 0) -> str:
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    (line,) = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert count_rows(db_url) == count
    return line


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("option", ["--title", "--actor", "--summary", "--thread-title"])
def test_add_refuses_control_characters_in_every_text_field(
    run: Run, db_url: str, kind: str, option: str
) -> None:
    args = dict(zip(ARGS["add"][::2], ARGS["add"][1::2], strict=True))
    args[option] = HOSTILE[kind]
    result = run("add", *(x for pair in args.items() for x in pair))
    line = _refused(result, db_url)
    if kind == "carriage-return" and option in ("--title", "--actor", "--thread-title"):
        assert line.endswith("must be one line")
    else:
        assert line.endswith(
            f"holds the control character U+{CODES[kind]}, which timeline does not store"
        )


# Names that read "Russia" but are other names (all recorded before, each an actor of
# its own that `--as Russia` missed); and one that displays reversed.
INVISIBLE = {
    "zero-width-space": ("Russia\u200b", "200B"),
    "grapheme-joiner": ("Russia\u034f", "034F"),
    "byte-order-mark": ("\ufeffRussia", "FEFF"),
    "tag": ("Russia\U000e0041", "E0041"),
    "right-to-left-override": ("\u202eaissuR", "202E"),
    "joiner-in-latin": ("Rus\u200dsia", "200D"),
    "variation-selector": ("Russia\ufe0f", "FE0F"),
}


@pytest.mark.parametrize("kind", INVISIBLE)
@pytest.mark.parametrize(
    "option", ["--actor", "--thread-title", "--source", "--position", "--known-to"]
)
def test_names_refuse_characters_that_show_as_nothing(
    run: Run, db_url: str, kind: str, option: str
) -> None:
    name, code = INVISIBLE[kind]
    value = {
        "--source": f"{name}=https://elpais.com/",
        "--position": f"{name}|enlargement|no",
        "--known-to": f"{name}=2022-01-20",
    }.get(option, name)
    args = dict(zip(ARGS["add"][::2], ARGS["add"][1::2], strict=True))
    line = _refused(run("add", *(x for pair in args.items() for x in pair), option, value), db_url)
    assert line.startswith("Error: ") and f"holds U+{code} (" in line
    assert line.endswith("a name that reads the same would be another name")


LOOKALIKES = {
    # a recorded name, a new one that reads the same, the character that differs
    "Greek omicron": ("NATO", "NAT\u039f", "U+039F GREEK CAPITAL LETTER OMICRON"),
    "fullwidth letter": ("Ukraine", "\uff35kraine", "U+FF35 FULLWIDTH LATIN CAPITAL LETTER U"),
    "Cyrillic dze": ("Russia", "Ru\u0455sia", "U+0455 CYRILLIC SMALL LETTER DZE"),
    "digit zero": ("OSCE", "0SCE", "U+0030 DIGIT ZERO"),
}


@pytest.mark.parametrize("kind", sorted(LOOKALIKES))
@pytest.mark.parametrize("path", ["add", "import", "correct"])
def test_a_name_that_looks_like_a_recorded_one_is_never_silent(
    imported: Run, tmp_path: Path, kind: str, path: str
) -> None:
    recorded, new, differs = LOOKALIKES[kind]
    thread = "russia-nato-security-guarantees"
    if path == "add":
        args = dict(zip(ARGS["add"][::2], ARGS["add"][1::2], strict=True)) | {"--actor": new}
        result = imported("add", *(x for pair in args.items() for x in pair))
    elif path == "import":
        event = f"thread: {thread}\nevents:\n  - id: lookalike\n    date: 2022-02-20\n"
        event += f"    type: statement\n    title: A statement\n    actors: [{new}]\n"
        (tmp_path / "lookalike.yaml").write_text(event)
        result = imported("import", str(tmp_path / "lookalike.yaml"))
    else:
        result = imported("correct", f"{thread}/replies-delivered", "--actor", new)
    assert result.exit_code == 0, result.output  # recorded: two names may truly look alike
    warning = f"looks like the actor {recorded!r} but is another name ({differs})"
    assert warning in result.stderr, result.stderr
    if path == "import":
        assert result.stderr.startswith(f"Warning: {tmp_path / 'lookalike.yaml'}:3: actor ")


def test_a_name_in_a_script_that_joins_inside_words_is_taken(run_ok: Run) -> None:
    persian = "\u0646\u06cc\u0645\u200c\u0641\u0627\u0635\u0644\u0647"  # with a ZWNJ
    args = dict(zip(ARGS["add"][::2], ARGS["add"][1::2], strict=True))
    run_ok("add", *(x for pair in args.items() for x in pair), "--actor", persian)
    assert persian in run_ok("actors").stdout


def test_aliases_refuse_characters_that_show_as_nothing(run: Run, db_url: str) -> None:
    line = _refused(run("alias", "Russia\u200b", "Russia"), db_url)
    assert "holds U+200B (ZERO WIDTH SPACE)" in line


@pytest.mark.parametrize("kind", ["escape", "nul", "c1", "line-separator"])
@pytest.mark.parametrize("suffix", [".yaml", ".json", ".jsonl"])
def test_event_files_refuse_control_characters_with_their_line(
    run: Run, db_url: str, tmp_path: Path, kind: str, suffix: str
) -> None:
    import json

    event = {
        "id": "e",
        "date": "2022-01-26",
        "type": "talks",
        "actors": ["Russia"],
        "title": HOSTILE[kind],
        "sources": [{"name": "El País", "url": "https://elpais.com/"}],
    }
    path = tmp_path / f"hostile{suffix}"
    if suffix == ".jsonl":
        path.write_text(json.dumps({"thread": "t", **event}) + "\n")
    else:  # JSON is YAML: the escapes survive either reader
        path.write_text(json.dumps({"thread": "t", "events": [event]}, indent=1))
    line = _refused(run("import", str(path)), db_url)
    assert line.startswith(f"Error: {path}:")
    assert line.endswith(
        f"title holds the control character U+{CODES[kind]}, which timeline does not store"
    )


@pytest.mark.parametrize("kind", ["escape", "nul"])
def test_corrections_and_retractions_refuse_control_characters(
    imported: Run, db_url: str, kind: str
) -> None:
    event = f"{THREAD}/geneva-ssd"
    for args in (
        ["correct", event, "--title", HOSTILE[kind]],
        ["correct", event, "--summary", "ok", "--note", HOSTILE[kind]],
        ["retract", event, "--reason", HOSTILE[kind]],
    ):
        line = _refused(imported(*args), db_url, count=27)
        assert f"U+{CODES[kind]}" in line


def test_a_log_recorded_with_control_characters_prints_them_visibly(
    run_ok: Run, db_url: str
) -> None:
    """Logs recorded before the rule may hold them (appended here below the input rules):
    the terminal sees escapes, and JSON stays the same JSON, escaped."""
    import json
    from dataclasses import replace

    from tests.conftest import make_event
    from timeline.usecases._append import append

    store = open_store(str(db_url))
    event = replace(make_event(thread="old", id="e"), title="Talks \x1b[2J\x9bend\u2028!")
    with store.writing(["old"]) as w:
        append(w, [(event, None)], dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    store.close()
    shown = run_ok("log").stdout
    assert "Talks \\x1b[2J\\x9bend\\u2028!" in shown
    assert not any(c in shown for c in "\x1b\x9b\u2028")
    for fmt in ("json", "jsonl"):
        printed = run_ok("log", "--format", fmt).stdout
        assert not any(c in printed for c in "\x1b\x9b\u2028")
        (record,) = (
            [json.loads(line) for line in printed.splitlines()]
            if fmt == "jsonl"
            else (json.loads(printed))
        )
        assert record["title"] == event.title


TRICKY_TEXT = [
    "Talks at C:\\Nations and C:\\new",  # \N and \n are iCalendar escapes
    "Semicolons; commas, and a backslash \\ at the end\\",
    "Zürich — «Женева» — 日内瓦",
]


def test_icalendar_text_round_trips_exactly_through_two_parsers(run_ok: Run) -> None:
    from ical.calendar_stream import IcsCalendarStream
    from icalendar import Calendar

    for n, title in enumerate(TRICKY_TEXT):
        run_ok(
            "add",
            "--thread",
            "tricky",
            "--id",
            f"e{n}",
            "--date",
            "2022-01-26",
            "--type",
            "talks",
            "--actor",
            "A\\B",
            "--title",
            title,
            "--summary",
            f"{title}\nline 2",
            "--thread-title",
            "Path C:\\Nations; and, more",
        )
    data = run_ok("export", "ics", "--thread", "tricky").stdout_bytes
    first = Calendar.from_ical(data)
    second = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    # icalendar leaves NAME (RFC 7986) as raw text; ical reads it as TEXT
    assert second.model_dump()["name"] == ["timeline: Path C:\\Nations; and, more"]
    by_uid = {str(v["UID"]): v for v in first.walk("VEVENT")}
    for n, title in enumerate(TRICKY_TEXT):
        event = by_uid[f"tricky/e{n}@timeline"]
        assert str(event["SUMMARY"]) == title
        assert str(event["DESCRIPTION"]).startswith(f"{title}\nline 2\n\nDate: 2022-01-26")
        assert "Actors: A\\B" in str(event["DESCRIPTION"])
    strict = {e.uid: e for e in second.events}
    for n, title in enumerate(TRICKY_TEXT):
        assert strict[f"tricky/e{n}@timeline"].summary == title
        assert strict[f"tricky/e{n}@timeline"].description.startswith(f"{title}\nline 2\n")


def test_timelinejs_ids_of_different_events_never_collide(run_ok: Run) -> None:
    import json

    run_ok("add", "--thread", "a--b", "--id", "c", *ARGS["add"][2:])
    run_ok("add", "--thread", "a", "--id", "b--c", *ARGS["add"][2:])
    slides = json.loads(run_ok("export", "timelinejs").stdout)["events"]
    assert sorted(s["unique_id"] for s in slides) == ["a--b_c", "a_b--c"]


# ---- trust: what verify promises, it keeps ---------------------------------------------


def test_a_clock_set_back_a_little_never_makes_recorded_at_go_back(imported: Run) -> None:
    import json

    # three minutes behind the log (machines sharing a database disagree by a little)
    result = imported("add", *ARGS["add"], "--id", "late", now="2026-11-28T11:57:00Z")
    assert result.exit_code == 0, result.output
    records = json.loads(imported("log", "--raw", "--format", "json").stdout)
    stamps = [r["recorded_at"] for r in sorted(records, key=lambda r: r["seq"])]
    assert stamps == sorted(stamps) and stamps[-1] == stamps[-2] == "2026-11-28T12:00:00.000000Z"
    # a report "as this database stood" at 11:58 shows nothing, as it then was: not the
    # late event alone, a state that never existed
    then = imported("asof", "2022-02-07", "--recorded-before", "2026-11-28T11:58:00Z")
    assert then.stdout.startswith("No events are recorded yet.")
    assert imported("verify").exit_code == 0


def test_a_clock_far_behind_the_log_is_refused_rather_than_stamped_ahead(
    imported: Run, db_url: str
) -> None:
    # before: stamped 2026-11-28T12:00 (the log's last), and every write after it so
    rows = count_rows(db_url)
    result = imported("add", *ARGS["add"], "--id", "late", now="2026-01-01T00:00:00Z")
    line = _refused(result, db_url, rows)
    assert line == (
        f"Error: the log's last record (seq {rows}): recorded_at "
        "2026-11-28T12:00:00.000000Z is after now (2026-01-01T00:00:00.000000Z) by more than "
        "5 minutes: a clock ahead, or a backup from one; this write is refused rather than "
        "stamped the same"
    )


def test_a_log_stamped_in_the_future_is_named_by_verify_and_refused_by_restore(
    imported: Run, run: Run, db_url: str, tmp_path: Path
) -> None:
    import re

    # before: restored, and every later write stamped 2099, --recorded-before ended
    future = "2099-01-01T00:00:00Z"
    assert imported("add", *ARGS["add"], "--id", "ahead", now=future).exit_code == 0
    after_now = (
        r"recorded_at 2099-01-01T00:00:00\.000000Z is after now \(20\d\d-[-:T.\d]+Z\) by "
        r"more than 5 minutes"  # this machine's clock, whatever TIMELINE_NOW says
    )
    result = imported("verify", now=future)
    assert result.exit_code == 1
    assert re.fullmatch(f"{THREAD}/ahead: seq 28: {after_now}", result.stdout.splitlines()[0])
    backup = tmp_path / "backup.jsonl"
    assert imported("export", "jsonl", "-o", str(backup), now=future).exit_code == 0
    restored = {"TIMELINE_DB": str(tmp_path / "restored.db")}
    result = run("restore", str(backup), env=restored)
    assert (result.exit_code, result.stdout) == (1, "")
    assert re.fullmatch(
        f"Error: {re.escape(str(backup))}:28: {THREAD}/ahead: {after_now}\n", result.stderr
    )
    assert count_rows(tmp_path / "restored.db") == 0


def _delete_rows(db_url: str, where: str) -> None:
    """Delete log rows behind timeline's back (the append-only trigger dropped first)."""
    from sqlalchemy import create_engine, text

    from timeline.storage.db import resolve_url

    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER events_append_only_delete"))
        conn.execute(text(f"DELETE FROM events WHERE {where}"))
    engine.dispose()


def test_a_published_digest_is_extended_by_new_records_and_broken_by_a_rollback(
    imported: Run, db_url: str
) -> None:
    published = imported("digest").stdout.strip()
    assert published.startswith("27:")
    assert imported("add", *ARGS["add"]).exit_code == 0
    assert imported("add", *ARGS["add"][:-1], "Macron and Putin meet again").exit_code == 0
    result = imported("verify", "--expect", published)
    assert result.exit_code == 0, result.output
    later = imported("digest").stdout.strip()
    assert later.startswith("29:") and later != published
    # the last two records removed: every chain still links, seq has no gap, but the log
    # no longer holds what the later digest covered
    _delete_rows(db_url, "seq > 27")
    result = imported("verify", "--expect", later)
    assert result.exit_code == 1
    assert (
        f"log: the log holds 27 records, fewer than the 29 of digest {later}: records were "
        "removed or rolled back"
    ) in result.stdout.splitlines()
    lines = imported("verify", "--expect", published).stdout.splitlines()
    assert not any(line.startswith("log:") for line in lines)  # the earlier one still holds


def test_the_digest_commits_to_the_order_of_records_across_threads(
    imported: Run, tmp_path: Path
) -> None:
    published = imported("digest").stdout.strip()
    backup = tmp_path / "backup.jsonl"
    assert imported("export", "jsonl", "-o", str(backup)).exit_code == 0
    *records, trailer = (json.loads(line) for line in backup.read_text().splitlines())
    # two neighbours of different threads trade places and seq: each chain, each hash
    # and every recorded_at stay as they were (accepted before, digest and all)
    i = next(n for n in range(len(records) - 1) if records[n]["thread"] != records[n + 1]["thread"])
    assert records[i]["recorded_at"] == records[i + 1]["recorded_at"]
    records[i], records[i + 1] = records[i + 1], records[i]
    records[i]["seq"], records[i + 1]["seq"] = i + 1, i + 2
    lines = [json.dumps(r, ensure_ascii=False) for r in [*records, trailer]]
    backup.write_text("\n".join(lines) + "\n")
    refused = imported("restore", str(backup), env={"TIMELINE_DB": str(tmp_path / "a.db")})
    assert refused.exit_code == 1 and "the trailer says 27 records" in refused.stderr
    # with the trailer made again for the new order, it restores, and the digest
    # published before no longer holds
    order = chain.fold_digest((r["thread"], r["hash"]) for r in records)
    trailer["trailer"]["digest"] = order.value
    lines = [json.dumps(r, ensure_ascii=False) for r in [*records, trailer]]
    backup.write_text("\n".join(lines) + "\n")
    env = {"TIMELINE_DB": str(tmp_path / "b.db")}
    assert imported("restore", str(backup), env=env).exit_code == 0
    result = imported("verify", "--expect", published, env=env)
    assert result.exit_code == 1
    assert (
        f"log: the log no longer extends digest {published}: its first 27 records were "
        "rewritten or reordered"
    ) in result.stdout.splitlines()
    # a digest of the earlier form (heads only) is recognised, and said to be weaker
    earlier = imported("verify", "--expect", order.heads_only)
    assert earlier.exit_code == 0, earlier.output
    assert (
        "Note: not checked: the order of records across threads: digest "
        f"{order.heads_only} has the earlier form, of each thread's last hash only"
    ) in earlier.stderr.splitlines()


def test_a_malformed_digest_is_one_line(imported: Run) -> None:
    result = imported("verify", "--expect", "27:abc")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --expect: '27:abc' is not a log digest (N:64 hex digits, as `timeline digest` "
        "prints it)\n"
    )


def test_rebuild_refuses_to_erase_the_evidence_of_removed_records(
    imported: Run, db_url: str
) -> None:
    _delete_rows(db_url, "seq = 27")
    result = imported("rebuild")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the projection table has folded records up to seq 27, but the log holds 26: "
        "records were removed; `timeline verify` names them, `timeline rebuild --force` "
        "replays what is left\n"
    )
    assert imported("verify").exit_code == 1
    assert imported("rebuild", "--force").stdout == (  # every one is past the log's head
        "Rebuilt the thread states and checkpoints of 3 threads from 26 records\n"
        "Rebuilt the search index of 3 threads from 26 records\n"
        "Rebuilt the Merkle tree of 3 threads from 26 records\n"
    )


@pytest.mark.parametrize("cut", ["trailer", "last-record", "trailer-and-last-record"])
def test_a_cut_off_backup_is_refused(imported: Run, tmp_path: Path, cut: str) -> None:
    backup = tmp_path / "backup.jsonl"
    assert imported("export", "jsonl", "-o", str(backup)).exit_code == 0
    lines = backup.read_text().splitlines(keepends=True)
    kept = {
        "trailer": lines[:-1],
        "last-record": [*lines[:-2], lines[-1]],
        "trailer-and-last-record": lines[:-2],
    }[cut]
    backup.write_text("".join(kept))
    target = tmp_path / "restored"
    target.mkdir()
    result = imported("restore", str(backup), env={"TIMELINE_DB": str(target / "t.db")})
    assert result.exit_code == 1
    assert "trailer" in result.stderr and len(result.stderr.splitlines()) == 1
    assert list(target.iterdir()) == []


def test_verify_reports_damaged_pages_instead_of_intact(corrupted: Path, tmp_path: Path) -> None:
    db = tmp_path / "timeline.db"
    shutil.copy(corrupted, db)
    result = CliRunner().invoke(app, ["verify"], env={"TIMELINE_DB": str(db)})
    assert result.exit_code == 1
    assert "intact" not in result.output


def forge(
    backup: Path, edit: dict[int, dict[str, object]], append: list[dict] | None = None
) -> None:
    """Rewrite a backup with edited payloads (by line index) and extra records, and
    recompute every hash, link and the trailer, as a forger with the format would: the
    result reads as a backup whose hashes all match."""
    import json

    from timeline.core.chain import log_digest, record_hash
    from timeline.core.codec import canonical, dumps

    lines = [json.loads(line) for line in backup.read_text().splitlines()[:-1]]
    for i, changes in edit.items():
        lines[i]["payload"] = {**lines[i]["payload"], **changes}
    for extra in append or []:
        last = lines[-1]
        lines.append({**last, "seq": last["seq"] + 1, **extra})
    heads: dict[str, tuple[int, str]] = {}
    for obj in lines:
        version, prev = heads.get(obj["thread"], (0, ""))
        obj["version"], obj["prev_hash"] = version + 1, prev
        obj["hash"] = record_hash(
            obj["kind"], canonical(obj["payload"]), prev, obj["recorded_at"], obj["thread_title"]
        )
        heads[obj["thread"]] = (version + 1, obj["hash"])
    digest = log_digest((o["thread"], o["hash"]) for o in lines)
    trailer = {"trailer": {"records": len(lines), "digest": digest}}
    backup.write_text("".join(dumps(o) + "\n" for o in [*lines, trailer]))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({3: {"status": "frozen"}}, "unknown status 'frozen'"),
        ({3: {"known": "2021-01-01"}}, "known 2021-01-01 is before the date"),
        ({3: {"refs": ["russia-nato-security-guarantees/nowhere"]}}, "refs: no event"),
        ({3: {"title": "Talks\x1b[2Jend"}}, "control character U+001B"),
        ({3: {"title": "El Pai\u0301s publishes"}}, "differs from the hashed payload"),
        ({3: {"actors": []}}, "missing required field 'actors'"),
        ({3: {"known": "2099-01-01", "known_given": False}}, "not what the input rules make"),
    ],
    ids=[
        "status",
        "known-before-date",
        "dangling-ref",
        "control",
        "not-nfc",
        "no-actors",
        "default-known-moved",
    ],
)
def test_restore_refuses_a_forged_backup_that_breaks_the_input_rules(
    imported: Run, tmp_path: Path, edit: dict[int, dict[str, object]], message: str
) -> None:
    backup = tmp_path / "backup.jsonl"
    assert imported("export", "jsonl", "-o", str(backup)).exit_code == 0
    forge(backup, edit)
    target = tmp_path / "restored"
    target.mkdir()
    result = imported("restore", str(backup), env={"TIMELINE_DB": str(target / "t.db")})
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: {backup}:4: ") and message in line, line
    assert list(target.iterdir()) == []


def test_restore_refuses_a_forged_correction_no_view_survives(
    imported: Run, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.jsonl"
    assert imported("export", "jsonl", "-o", str(backup)).exit_code == 0
    correction = {
        "kind": "correction",
        "thread": THREAD,
        "id": "forged-fix",
        "thread_title": None,
        "payload": {
            "thread": THREAD,
            "id": "forged-fix",
            "kind": "correction",
            "corrects": f"{THREAD}/geneva-ssd",
            "set": {"known": "2020-01-01"},
            "known": "2022-01-10",
            "known_given": False,
        },
    }
    forge(backup, {}, [correction])
    result = imported("restore", str(backup), env={"TIMELINE_DB": str(tmp_path / "t.db")})
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(
        f"Error: {backup}:28: {THREAD}/forged-fix: the correction "
        f"would make {THREAD}/geneva-ssd invalid"
    )


# ---- answers a user expects -------------------------------------------------------------


def test_adding_the_same_event_again_changes_nothing_and_says_so(
    imported: Run, db_url: str
) -> None:
    first = imported("add", *ARGS["add"])
    assert first.exit_code == 0, first.output
    key = f"{THREAD}/2022-02-07-macron-and-putin-meet-in-moscow"
    again = imported("add", *ARGS["add"])
    assert again.exit_code == 0
    assert again.stdout == f"Already recorded {key} (seq 28); nothing added\n"
    same_id = imported("add", *ARGS["add"], "--id", "2022-02-07-macron-and-putin-meet-in-moscow")
    assert same_id.stdout == f"Already recorded {key} (seq 28); nothing added\n"
    assert count_rows(db_url) == 28
    other = imported(
        "add",
        *ARGS["add"][:-2],
        "--title",
        "Macron and Putin meet in Moscow",
        "--id",
        "2022-02-07-macron-and-putin-meet-in-moscow",
        "--actor",
        "Russia",
    )
    assert other.exit_code == 1
    assert other.stderr == (
        f"Error: event {key} is already recorded (seq 28) with a different actors\n"
    )


def test_a_title_in_another_script_gets_a_meaningful_id_not_a_bare_date(run_ok: Run) -> None:
    result = run_ok(
        "add",
        "--thread",
        "zheneva",
        "--date",
        "2022-01-10",
        "--type",
        "talks",
        "--actor",
        "Россия",
        "--title",
        "Переговоры в Женеве",
    )
    key = result.stdout.split()[1]
    assert key.startswith("zheneva/2022-01-10-") and len(key) > len("zheneva/2022-01-10-")
    second = run_ok(
        "add",
        "--thread",
        "zheneva",
        "--date",
        "2022-01-10",
        "--type",
        "talks",
        "--actor",
        "Россия",
        "--title",
        "Переговоры продолжаются",
    )
    assert second.stdout.split()[1] != key


def test_a_known_day_after_today_is_refused_unless_allowed(run: Run, db_url: str) -> None:
    args = ["add", *ARGS["add"][:4], "--known", "2026-12-25", *ARGS["add"][4:]]
    result = run(*args, now="2026-11-28T09:00:00Z")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: known 2026-12-25 is after today (2026-11-28): record it once it is public, "
        "or allow it with --allow-future\n"
    )
    assert count_rows(db_url) == 0
    assert run(*args, "--allow-future", now="2026-11-28T09:00:00Z").exit_code == 0


def test_a_known_day_that_defaults_after_today_is_recorded_with_a_warning(run: Run) -> None:
    result = run(
        "add",
        "--thread",
        "t",
        "--date",
        "2026-12",
        "--type",
        "talks",
        "--actor",
        "A",
        "--title",
        "Talks in December",
        now="2026-11-28T09:00:00Z",
    )
    assert result.exit_code == 0
    assert result.stderr == (
        "Warning: t/2026-12-talks-in-december: known defaults to 2026-12-31, the last day of "
        "its date, after today (2026-11-28)\n"
    )


def test_an_amendment_cannot_be_known_before_its_event(imported: Run, db_url: str) -> None:
    # the replies' content became public on 2 February: no correction of it before that
    result = imported(
        "correct", f"{THREAD}/replies-open-door", "--title", "Open door", "--known", "2022-01-27"
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: corrects: it cannot be known (2022-01-27) before {THREAD}/replies-open-door "
        "(2022-02-02)\n"
    )
    assert count_rows(db_url) == 27


def test_a_thread_whose_events_are_all_retracted_is_listed_as_retracted(run_ok: Run) -> None:
    import json

    run_ok("add", *ARGS["add"], "--id", "rumour")
    run_ok("retract", f"{THREAD}/rumour", "--reason", "It never happened")
    assert run_ok("threads").stdout.splitlines()[1].split()[:5] == [
        THREAD,
        "retracted",
        "0",
        "-",
        "-",
    ]
    (listed,) = json.loads(run_ok("threads", "--format", "json").stdout)["threads"]
    assert listed == {
        "thread": THREAD,
        "title": None,
        "status": "retracted",
        "events": 0,
        "first": None,
        "last": None,
    }
    again = run_ok("add", *ARGS["add"][:-1], "Macron and Putin meet again")
    assert "new thread" not in again.stdout


@pytest.mark.parametrize("command", [["log"], ["export", "ics"]])
def test_until_before_since_is_one_line(imported: Run, command: list[str]) -> None:
    result = imported(*command, "--since", "2022-02", "--until", "2022-01")
    assert result.exit_code == 1
    assert result.stderr == "Error: --until ends (2022-01-31) before --since begins (2022-02-01)\n"


@pytest.mark.parametrize(
    "command", [["asof", "2022-02-02"], ["log"], ["diff", "2022-01-01", "2022-02-02"]]
)
def test_a_repeated_thread_option_means_all_of_them(imported: Run, command: list[str]) -> None:
    import json

    two = ["--thread", THREAD, "--thread", "arms-control-missile-deployment"]
    doc = json.loads(imported(*command, *two, "--format", "json").stdout)
    rows = doc if isinstance(doc, list) else doc["threads"]
    assert {row["thread"] for row in rows} == {THREAD, "arms-control-missile-deployment"}
    bad = imported(*command, "--thread", THREAD, "--thread", "nowhere")
    assert bad.stderr == "Error: unknown thread 'nowhere'; `timeline threads` lists them\n"


@pytest.mark.parametrize(
    ("table", "day"),
    [("checkpoints", "2022-01-28"), ("thread_states", "today")],  # a day each serves
)
def test_a_stored_state_that_no_longer_reads_is_one_line_and_rebuild_mends_it(
    tmp_path: Path, table: str, day: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timeline.core import checkpoints

    monkeypatch.setattr(checkpoints, "SPACING", 4)  # the bundled threads get checkpoints
    db = tmp_path / "timeline.db"
    store = open_store(str(db))
    import_paths(store, [EVENTS], dt.datetime.now(dt.UTC))
    store.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
        conn.execute(f"UPDATE {table} SET state = '{{not json' WHERE state <> ''")
    env = {"TIMELINE_DB": str(db), "TIMELINE_NOW": NOW}
    runner = CliRunner()
    asof = runner.invoke(app, ["asof", day], env=env, catch_exceptions=False)
    verify = runner.invoke(app, ["verify"], env=env, catch_exceptions=False)
    for result in (asof, verify):
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.startswith("Error: "), result.stderr
        assert len(result.stderr.splitlines()) == 1
    if table == "checkpoints":  # verify names it among its findings
        assert "checkpoints: damaged: a stored thread state cannot be read" in verify.stdout
    else:
        assert "a stored thread state cannot be read" in verify.stderr
    projection = "states" if table == "thread_states" else "checkpoints"
    assert f"`timeline rebuild --only {projection}` replays it from the log" in asof.stderr
    assert runner.invoke(app, ["rebuild", "--only", projection], env=env).exit_code == 0
    assert runner.invoke(app, ["verify"], env=env).exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["retitle", THREAD, "Talks\x1b[2J"],
        ["retitle", THREAD, ""],
        ["retitle", "../etc", "A title"],
        ["alias", "US\x00", "United States"],
        ["alias", "\u2028", "United States"],
        ["alias", "US", ""],
        ["token", "create", "desk\nroot"],
        ["token", "create", "   "],
        ["token", "revoke", "nobody"],
        ["upcoming", "2022-02-30"],
        ["upcoming", "x" * 10_000],
    ],
)
def test_the_naming_commands_refuse_hostile_input_in_one_line_writing_nothing(
    imported: Run, db_url: str, args: list[str]
) -> None:
    before = count_rows(db_url)
    result = imported(*args)
    assert (result.exit_code, result.stdout) == (1, "")
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ") and "\x1b" not in line
    assert count_rows(db_url) == before


def test_an_event_known_on_the_first_day_of_year_one_is_in_every_checkpoint(run_ok: Run) -> None:
    # the checkpoints started "after date.min", so an event known that very day was
    # left out of them: verify failed after a correction, and rebuild lost the event
    base = ["--thread", "zz", "--type", "meeting", "--actor", "France", "--title", "t"]
    run_ok("add", *base, "--id", "first", "--date", "0001-01-01")
    run_ok("add", *base, "--id", "later", "--date", "2022-03-01")
    run_ok("correct", "zz/later", "--title", "new")
    assert run_ok("verify").stdout.startswith("Verified 3 records in 1 thread:")
    run_ok("rebuild", "--all")
    assert run_ok("verify").stdout.startswith("Verified 3 records in 1 thread:")
    assert run_ok("threads").stdout.splitlines()[-1].split()[:5] == [
        "zz",
        "open",
        "2",
        "0001-01-01",
        "2022-03-01",
    ]


def test_a_title_that_would_display_reversed_is_shown_with_its_characters_escaped(
    run_ok: Run, db_url: str
) -> None:
    # before: U+202E reached the terminal raw, and "Talks \u202eedis" read "Talks side"
    from dataclasses import replace

    from tests.conftest import make_event
    from timeline.usecases._append import append

    store = open_store(str(db_url))
    title = "Talks \u202eedis\u200b and \U000e0041 end"
    event = replace(make_event(thread="old", id="e"), title=title)
    with store.writing(["old"]) as w:
        append(w, [(event, None)], dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    store.close()
    shown = run_ok("log").stdout
    assert "Talks \\u202eedis\\u200b and \\U000e0041 end" in shown
    assert not any(c in shown for c in "\u202e\u200b\U000e0041")


def test_the_quick_check_for_unseen_characters_lets_none_of_them_by() -> None:
    import sys

    from timeline.formats.render import _MAYBE_UNSEEN, _UNSEEN

    passed = [chr(c) for c in range(sys.maxunicode + 1) if not _MAYBE_UNSEEN.match(chr(c))]
    assert len(passed) > 700  # ASCII, Latin, punctuation: what most output is made of
    assert [c for c in passed if _UNSEEN.match(c)] == []


def test_every_unicode_format_character_but_the_joiners_is_escaped_for_a_terminal() -> None:
    import sys
    import unicodedata

    from timeline.formats.render import visible

    unseen = [
        chr(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) == "Cf" and chr(c) not in "\u200c\u200d"
    ]
    assert [c for c in unseen if visible(c) == c] == []
    assert visible("\u0646\u06cc\u0645\u200c\u0641") == "\u0646\u06cc\u0645\u200c\u0641"

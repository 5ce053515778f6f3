"""--text: full-text search through the database's own engine (SQLite FTS5, PostgreSQL
tsvector + unaccent), as of any day, and the index as a projection that verify checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Run
from timeline.storage.db import resolve_url

THREAD = "russia-nato-security-guarantees"


def _keys(run: Run, *args: str) -> list[str]:
    result = run("log", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return sorted(f"{i['thread']}/{i['id']}" for i in json.loads(result.stdout))


def _add(run: Run, id: str, title: str, *extra: str) -> None:
    result = run(
        "add", "--thread", "geneva", "--id", id, "--date", "2022-01-10", "--type",
        "talks", "--actor", "Russia", "--title", title, *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def _index(db_url: str) -> list[Any]:
    """The search index's versions, as rows, in a stable order."""
    engine = create_engine(resolve_url(db_url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT thread, event_id, since, until, body FROM event_texts"))
        found = sorted((tuple(r) for r in rows), key=repr)
    engine.dispose()
    return found


def test_accents_and_case_aside_a_word_finds_the_words_it_begins(imported: Run) -> None:
    pais = _keys(imported, "--text", "Pais")
    assert pais == _keys(imported, "--text", "PAÍS") == _keys(imported, "--text", "país")
    assert f"{THREAD}/el-pais-publishes" in pais and len(pais) == 9  # El País as a source
    assert set(_keys(imported, "--text", "negotiations")) < set(
        _keys(imported, "--text", "negotiat")
    )
    both = _keys(imported, "--text", "open door")
    assert both and set(both) <= set(_keys(imported, "--text", "door"))
    assert _keys(imported, "--text", "door", "--text", "zzz") == []  # the last --text wins


def test_cyrillic_words_are_found_by_their_stem(run_ok: Run) -> None:
    _add(run_ok, "a", "Переговоры в Женеве", "--summary", "Рябков и Шерман встретились.")
    _add(run_ok, "b", "Talks in Brussels")
    assert _keys(run_ok, "--text", "Женев") == ["geneva/a"]
    assert _keys(run_ok, "--text", "женеве") == ["geneva/a"]
    assert _keys(run_ok, "--text", "шерман рябков") == ["geneva/a"]


def test_a_search_as_of_a_day_never_sees_text_known_only_later(run_ok: Run) -> None:
    _add(run_ok, "a", "Talks scheduled for Monday", "--known", "2022-01-10")
    run_ok("correct", "geneva/a", "--title", "Talks cancelled", "--known", "2022-01-12")
    before, after = ("--known-by", "2022-01-11"), ("--known-by", "2022-01-12")
    assert _keys(run_ok, "--text", "cancelled", *before) == []
    assert _keys(run_ok, "--text", "cancelled", *after) == ["geneva/a"]
    assert _keys(run_ok, "--text", "scheduled", *before) == ["geneva/a"]
    assert _keys(run_ok, "--text", "scheduled", *after) == []
    assert _keys(run_ok, "--text", "scheduled") == []  # as it reads now
    story = json.loads(
        run_ok("history", "geneva", "--text", "scheduled", "--format", "json").stdout
    )
    assert [e["id"] for e in story["events"]] == ["a"]  # the whole story: any version
    asof = json.loads(
        run_ok("asof", "2022-01-11", "--text", "cancelled", "--format", "json").stdout
    )
    assert asof["threads"] == []
    # withdrawing the correction brings the first text back from the withdrawal's day
    fix = json.loads(run_ok("log", "--raw", "--format", "json").stdout)[-1]["id"]
    run_ok("retract", f"geneva/{fix}", "--reason", "not cancelled", "--known", "2022-01-14")
    assert _keys(run_ok, "--text", "cancelled", "--known-by", "2022-01-13") == ["geneva/a"]
    assert _keys(run_ok, "--text", "scheduled") == ["geneva/a"]
    assert run_ok("verify").exit_code == 0


def test_a_data_entry_fix_is_the_text_on_every_day(run_ok: Run) -> None:
    _add(run_ok, "a", "Talks in Genva", "--known", "2022-01-10")
    run_ok("correct", "geneva/a", "--title", "Talks in Geneva")  # no --known: a typo fixed
    assert _keys(run_ok, "--text", "geneva", "--known-by", "2022-01-10") == ["geneva/a"]
    assert _keys(run_ok, "--text", "genva", "--known-by", "2022-01-10") == []


def test_every_reading_command_takes_text(imported: Run) -> None:
    def run_json(*args: str) -> Any:
        result = imported(*args, "--format", "json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    secrets = run_json("secrets", "2022-01-28", "--text", "missiles")
    assert {s["id"] for s in secrets["secrets"]} == {
        "us-arms-control-offer",
        "us-ukraine-missiles-forces-offer",
    }
    threads = run_json("asof", "2022-01-28", "--text", "missiles", "--as", "Russia")["threads"]
    assert [t["thread"] for t in threads] == ["arms-control-missile-deployment"]
    diff = run_json("diff", "2022-02-01", "2022-02-02", "--text", "genuine")
    assert [e["id"] for t in diff["threads"] for e in t["events"]["known"]] == [
        "us-confirms-authenticity"
    ]
    ics = imported("export", "ics", "--text", "copies genuine").stdout
    assert ics.count("BEGIN:VEVENT") == 1
    result = imported("log", "--text", " !? ")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: --text ' !? ': give at least one word to search for\n",
    )


def test_verify_checks_the_index_and_rebuild_mends_it(imported: Run, db_url: str) -> None:
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM event_texts WHERE thread = :t AND event_id = 'geneva-ssd'"),
            {"t": THREAD},
        )
    engine.dispose()
    assert _keys(imported, "--text", "Strategic Stability", "--thread", THREAD) == []
    result = imported("verify")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        f"{THREAD}: search index differs from the log: {THREAD}/geneva-ssd"
    )
    assert imported("rebuild").exit_code == 0
    assert imported("verify").exit_code == 0
    assert _keys(imported, "--text", "Strategic Stability", "--thread", THREAD) == [
        f"{THREAD}/geneva-ssd"
    ]


def test_verify_names_a_version_held_twice(imported: Run, db_url: str) -> None:
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO event_texts (thread, event_id, since, until, body) "
                "SELECT thread, event_id, since, until, body FROM event_texts "
                "WHERE thread = :t AND event_id = 'geneva-ssd'"
            ),
            {"t": THREAD},
        )
    engine.dispose()
    result = imported("verify")
    assert result.exit_code == 1
    # SQLite's FTS5 check finds its index no longer matches its texts, first
    assert result.stdout.splitlines()[-1] == (
        f"{THREAD}: search index differs from the log: {THREAD}/geneva-ssd"
    )
    assert imported("rebuild").exit_code == 0
    assert imported("verify").exit_code == 0


def test_an_events_text_versions_follow_its_amendments() -> None:
    import datetime as dt

    from tests.conftest import make_event, make_record
    from timeline.core.model import Correction, Key, Record, Retraction
    from timeline.core.search import TextVersion, versions_by_event

    def amendment(seq: int, entry: Correction | Retraction) -> Record:
        return Record(seq, seq, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), entry)

    event = make_record(1, make_event(id="a", title="Talks scheduled", known="2022-01-10"))
    fix = Correction("t", "fix", Key("t", "a"), {"title": "Talks cancelled"}, dt.date(2022, 1, 12))
    typo = Correction(
        "t", "typo", Key("t", "a"), {"summary": "In Geneva"}, dt.date(2022, 1, 10), False
    )
    undo = Retraction("t", "undo", Key("t", "fix"), "not so", dt.date(2022, 1, 14))
    records = [amendment(4, undo), event, amendment(2, fix), amendment(3, typo)]
    d12, d14 = dt.date(2022, 1, 12), dt.date(2022, 1, 14)
    assert versions_by_event(records) == [
        TextVersion("t", "a", None, d12, "Talks scheduled\nIn Geneva"),
        TextVersion("t", "a", d12, d14, "Talks cancelled\nIn Geneva"),
        TextVersion("t", "a", d14, None, "Talks scheduled\nIn Geneva"),
    ]
    assert versions_by_event([event]) == [TextVersion("t", "a", None, None, "Talks scheduled")]


def test_text_is_refused_with_recorded_before(imported: Run) -> None:
    result = imported("log", "--text", "Geneva", "--recorded-before", "2026-11-28T13:00:00Z")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: --text searches the log as this database holds it now; it cannot be "
        "combined with --recorded-before\n",
    )


def test_verify_names_a_search_engine_that_is_gone(imported: Run, db_url: str) -> None:
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        if db_url.startswith("postgresql"):
            conn.execute(text("DROP INDEX ix_event_texts_tsv"))  # it still answers, slowly
        else:
            conn.execute(text("DROP TABLE event_texts_fts"))
    engine.dispose()
    result = imported("verify")
    assert result.exit_code == 1
    assert result.stdout.startswith("search index: damaged: ")
    assert result.stderr == "Error: 1 problem in 27 records in 3 threads\n"
    assert result.stdout.splitlines() == [
        "search index: damaged: "
        + (
            "its GIN index ix_event_texts_tsv is gone"
            if db_url.startswith("postgresql")
            else "no such table: event_texts_fts"
        )
    ]
    searched = imported("log", "--text", "Pais")
    if db_url.startswith("postgresql"):  # every text read instead: the same answer
        assert searched.exit_code == 0 and "El País" in searched.stdout
    else:
        assert searched.exit_code == 1 and searched.stderr.count("\n") == 1


def test_rebuild_indexes_every_shape_of_text_as_the_appends_did(run_ok: Run, db_url: str) -> None:
    _add(run_ok, "bare", "Talks in Geneva")
    _add(
        run_ok, "full", 'Ryabkov\'s "red lines" — 100% rejected \\ ok', "--summary",
        "First line.\nSecond line: Женева, São Tomé 🙂",
        "--position", "Russia|NATO enlargement|no further expansion",
        "--position", "United States|NATO enlargement|open door",
        "--source", "El País=https://elpais.com/a", "--source", "TASS=https://tass.com/b",
    )  # fmt: skip
    _add(run_ok, "sourced", "Talks resumed", "--source", "Reuters=https://reuters.com/c")
    _add(run_ok, "fixed", "Talks in Genva", "--known", "2022-01-10")
    run_ok("correct", "geneva/fixed", "--title", "Talks in Geneva", "--known", "2022-01-12")

    appended = _index(db_url)
    assert len(appended) == 5  # the corrected event reads two ways
    run_ok("rebuild", "--all")
    assert _index(db_url) == appended
    assert run_ok("verify").exit_code == 0
    assert _keys(run_ok, "--text", "Sao Tome tass") == ["geneva/full"]
    assert _keys(run_ok, "--text", "reuters") == ["geneva/sourced"]


def test_an_import_indexes_as_rebuild_does_across_batches_and_amendments(
    run_ok: Run, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database indexes an import's new events a batch at a time, beside the next
    # batch's checks; the amendments in the same import index their events again.
    monkeypatch.setattr("timeline.usecases.importing.BATCH", 2)

    def event(id: str, title: str, **extra: Any) -> dict[str, Any]:
        fields = {"thread": "geneva", "id": id, "date": "2022-01-10", "type": "talks"}
        return {**fields, "actors": ["Russia"], "title": title, **extra}

    def jsonl(name: str, *lines: dict[str, Any]) -> str:
        path = tmp_path / name
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        return str(path)

    run_ok("import", jsonl("first.jsonl", event("e1", "Talks in Genva"), event("e2", "Lavrov")))
    fix = {"type": "correction", "set": {"title": "Talks in Geneva"}, "known": "2022-01-12"}
    later = jsonl(
        "later.jsonl",
        {"thread": "geneva", "id": "c1", "corrects": "geneva/e1", **fix},
        event("e3", "Ryabkov in Geneva", summary="Red lines", known="2022-01-11"),
        event("e4", "Blinken", sources=[{"name": "TASS", "url": "https://tass.com/b"}]),
        {"thread": "geneva", "id": "c2", "corrects": "geneva/e3", **fix},
        event("e5", "Sherman"),
        event("e2", "Lavrov"),  # recorded already
        {"thread": "geneva", "id": "r1", "type": "retraction", "retracts": "geneva/e5"}
        | {"reason": "no"},
        event("e4", "Blinken", sources=[{"name": "TASS", "url": "https://tass.com/b"}]),
        {"thread": "geneva", "id": "r2", "type": "retraction", "retracts": "geneva/c2"}
        | {"reason": "wrong fix", "known": "2022-01-13"},
    )
    assert "2 already present" in run_ok("import", later).stdout
    imported_index = _index(db_url)
    # e1 reads two ways, e3 three (corrected, then the correction retracted), and the
    # others one each, e5 until its retraction
    assert len(imported_index) == 8
    assert run_ok("verify").exit_code == 0
    run_ok("rebuild", "--all")
    assert _index(db_url) == imported_index
    assert _keys(run_ok, "--text", "tass") == ["geneva/e4"]
    assert _keys(run_ok, "--text", "Genva", "--known-by", "2022-01-11") == ["geneva/e1"]
    assert _keys(run_ok, "--text", "Genva") == []
    assert _keys(run_ok, "--text", "Ryabkov", "--known-by", "2022-01-12") == []
    assert _keys(run_ok, "--text", "Ryabkov", "--known-by", "2022-01-13") == ["geneva/e3"]


def test_rebuild_in_small_groups_indexes_every_stretch_of_the_log(
    imported: Run, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Groups of at most 3 records: the bundled threads are longer, so each is a group
    # of its own and the text work's stretches of 3 seqs run out before the log does.
    appended = _index(db_url)
    monkeypatch.setattr("timeline.usecases._checkpoints.REPLAY_GROUP", 3)
    monkeypatch.setattr("timeline.usecases._search.REPLAY_GROUP", 3)
    assert imported("rebuild", "--all").exit_code == 0
    assert _index(db_url) == appended
    assert imported("verify").exit_code == 0


def test_an_underscore_splits_search_words_the_same_way_on_both_backends(run: Run) -> None:
    # before: "a_b" was one word, which FTS5 read as the phrase "a b" and PostgreSQL
    # otherwise; now it is two words, each to be found, as "a b" is
    _add(run, "adjacent", "Alpha beta talks")
    _add(run, "apart", "Beta delegation meets the alpha group")
    _add(run, "neither", "Gamma talks")
    assert _keys(run, "--text", "alpha_beta") == _keys(run, "--text", "alpha beta")
    assert _keys(run, "--text", "alpha_beta") == ["geneva/adjacent", "geneva/apart"]
    result = run("log", "--text", "_")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: --text '_': give at least one word to search for\n",
    )

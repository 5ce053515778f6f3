"""Corrections, retractions, the three times, history and diff — through the CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import Run, asof_json, count_rows

IRAN = """\
thread: iran-nuclear-deal
title: Iran nuclear deal (JCPOA)
events:
  - id: jcpoa-agreed
    date: 2015-07-24
    type: agreement
    actors: [Iran, P5+1]
    title: Iran and the P5+1 agree the Joint Comprehensive Plan of Action
    status: agreed
    positions:
      - {actor: Iran, issue: enrichment, stance: limited to 3.67% for 15 years}
  - id: adoption
    date: 2015-10-18
    type: implementation
    actors: [Iran, P5+1]
    title: Adoption Day
    status: in-force
  - id: rumour
    date: 2016-01-10
    known: 2016-01-11
    type: statement
    actors: [Iran]
    title: Reported Iranian walk-out
    positions:
      - {actor: Iran, issue: enrichment, stance: resume without limits}
"""


@pytest.fixture
def iran(run: Run, tmp_path: Path) -> Path:
    path = tmp_path / "iran.yaml"
    path.write_text(IRAN)
    assert run("import", str(path), now="2026-01-01T10:00:00Z").exit_code == 0
    return path


def _positions(run: Run, day: str) -> dict[tuple[str, str], str]:
    (t,) = asof_json(run, day, "--thread", "iran-nuclear-deal")["threads"]
    return {(p["actor"], p["issue"]): p["stance"] for p in t["positions"]}


def test_a_data_entry_correction_applies_to_every_view(run: Run, iran: Path) -> None:
    # the date was mistyped (24 for 14 July); its known day followed the typo
    result = run(
        "correct",
        "iran-nuclear-deal/jcpoa-agreed",
        "--date",
        "2015-07-14",
        now="2026-01-02T10:00:00Z",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Recorded iran-nuclear-deal/jcpoa-agreed-fix-")
    assert result.stdout.endswith(
        ": correction of iran-nuclear-deal/jcpoa-agreed (seq 4, known 2015-07-24)\n"
    )
    # as if the typo had never been made: known from 14 July, in every view
    (t,) = asof_json(run, "2015-07-14")["threads"]
    assert t["first"] == {
        "id": "jcpoa-agreed",
        "date": "2015-07-14",
        "known": "2015-07-14",
        "type": "agreement",
        "title": "Iran and the P5+1 agree the Joint Comprehensive Plan of Action",
    }
    assert run("log", "--thread", "iran-nuclear-deal", "--until", "2015-07").stdout == (
        "2015-07-14  agreement        iran-nuclear-deal/jcpoa-agreed  [corrected]\n"
        "            Iran, P5+1 — Iran and the P5+1 agree the Joint Comprehensive Plan of "
        "Action\n"
    )
    raw = json.loads(run("log", "--raw", "--format", "json").stdout)
    assert [(r["seq"], r.get("kind", "event")) for r in raw] == [
        (1, "event"),
        (2, "event"),
        (3, "event"),
        (4, "correction"),
    ]
    assert raw[0]["date"] == "2015-07-24" and raw[3]["set"] == {"date": "2015-07-14"}


def test_a_late_retraction_hides_the_event_only_from_its_known_date(run: Run, iran: Path) -> None:
    result = run(
        "retract",
        "iran-nuclear-deal/rumour",
        "--reason",
        "Denied by Tehran",
        "--known",
        "2016-01-13",
    )
    assert result.exit_code == 0, result.output
    assert _positions(run, "2016-01-12")[("Iran", "enrichment")] == "resume without limits"
    assert _positions(run, "2016-01-13")[("Iran", "enrichment")] == (
        "limited to 3.67% for 15 years"
    )
    assert asof_json(run, "2016-01-13")["threads"][0]["events"] == 2
    out = run("log", "--thread", "iran-nuclear-deal", "--since", "2016").stdout
    assert out == (
        "2016-01-10  statement        iran-nuclear-deal/rumour  (known 2016-01-11)"
        "  [RETRACTED]\n"
        "            Iran — Reported Iranian walk-out\n"
        "            retracted (known 2016-01-13): Denied by Tehran\n"
    )
    # and as known on the 12th, the log does not know of the retraction yet
    out = run("log", "--since", "2016", "--known-by", "2016-01-12").stdout
    assert "RETRACTED" not in out and "iran-nuclear-deal/rumour" in out


def test_a_correction_can_move_an_event_to_another_date(run: Run, iran: Path) -> None:
    # Adoption Day moved after the rumour: it is now the last event, and sets the status
    assert (
        run(
            "correct",
            "iran-nuclear-deal/adoption",
            "--date",
            "2016-01-16",
            "--title",
            "Implementation Day",
            "--known",
            "2016-01-16",
        ).exit_code
        == 0
    )
    assert asof_json(run, "2015-12-31")["threads"][0]["status"] == "in-force"
    on_16th = asof_json(run, "2016-01-16")["threads"][0]
    assert on_16th["last"]["id"] == "adoption"
    assert on_16th["last"]["title"] == "Implementation Day"
    assert on_16th["last"]["date"] == "2016-01-16"


def test_chained_corrections_apply_in_the_order_they_became_known(run: Run, iran: Path) -> None:
    assert (
        run(
            "correct",
            "iran-nuclear-deal/rumour",
            "--title",
            "Reported walk-out (one source)",
            "--known",
            "2016-01-12",
        ).exit_code
        == 0
    )
    assert (
        run(
            "correct",
            "iran-nuclear-deal/rumour",
            "--title",
            "Walk-out report, unconfirmed",
            "--known",
            "2016-01-14",
        ).exit_code
        == 0
    )

    def title(day: str) -> str:
        return asof_json(run, day)["threads"][0]["last"]["title"]

    assert title("2016-01-11") == "Reported Iranian walk-out"
    assert title("2016-01-12") == "Reported walk-out (one source)"
    assert title("2016-01-14") == "Walk-out report, unconfirmed"
    # a corrected and then retracted event, corrected again: still retracted
    assert run("retract", "iran-nuclear-deal/rumour", "--reason", "false").exit_code == 0
    assert run("correct", "iran-nuclear-deal/rumour", "--title", "Still wrong").exit_code == 0
    assert asof_json(run, "2016-12-31")["threads"][0]["events"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["correct", "iran-nuclear-deal/nope", "--date", "2016"],
            "Error: corrects: no event iran-nuclear-deal/nope is recorded\n",
        ),
        (
            ["retract", "iran-nuclear-deal/nope", "--reason", "x"],
            "Error: retracts: no event iran-nuclear-deal/nope is recorded\n",
        ),
        (
            ["correct", "iran-nuclear-deal/adoption"],
            "Error: say what to correct, e.g. --date or --title (see --help)\n",
        ),
        (
            ["correct", "iran-nuclear-deal/adoption", "--date", "2015-02-30"],
            "Error: the correction would make iran-nuclear-deal/adoption invalid: invalid date "
            "'2015-02-30': day must be 01..28 in 2015-02\n",
        ),
        (
            ["correct", "iran-nuclear-deal/rumour", "--date", "2016-02-01"],
            "Error: the correction would make iran-nuclear-deal/rumour invalid: "
            "known 2016-01-11 is "
            "before the date 2016-02-01 (starts 2016-02-01)\n",
        ),
        (
            ["correct", "iran-nuclear-deal/adoption", "--type", "handshake"],
            "Error: the correction would make iran-nuclear-deal/adoption invalid: unknown type "
            "'handshake' (valid: statement, demand, proposal, offer, response, rejection, "
            "acceptance, talks, meeting, agreement, signing, ratification, entry-into-force, "
            "implementation, suspension, withdrawal, disclosure, confirmation, denial)\n",
        ),
        (
            ["correct", "iran-nuclear-deal/adoption", "--date", "2016", "--known", "someday"],
            "Error: invalid known date 'someday': expected a full day YYYY-MM-DD\n",
        ),
        (
            ["retract", "iran-nuclear-deal/adoption", "--reason", "  "],
            "Error: a retraction needs a 'reason'\n",
        ),
        (
            ["correct", "adoption", "--date", "2016"],
            "Error: corrects: name the event as 'thread/id'\n",
        ),
    ],
)
def test_a_bad_correction_or_retraction_is_one_line_and_nothing_is_written(
    run: Run, iran: Path, db_url: str, args: list[str], message: str
) -> None:
    result = run(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)
    assert count_rows(db_url) == 3


def test_retractions_cannot_be_retracted_or_corrected(run: Run, iran: Path, db_url: str) -> None:
    out = run("retract", "iran-nuclear-deal/rumour", "--reason", "Denied", "--id", "denied")
    assert out.exit_code == 0
    for args in (
        ["retract", "iran-nuclear-deal/denied", "--reason", "undo"],
        ["correct", "iran-nuclear-deal/denied", "--title", "x"],
    ):
        result = run(*args)
        assert result.exit_code == 1
        assert result.stderr.endswith(
            "iran-nuclear-deal/denied is a retraction, which cannot "
            "be corrected or retracted; record the event again "
            "instead\n"
        )
    fix = run("correct", "iran-nuclear-deal/adoption", "--title", "Adoption", "--id", "fix-1")
    assert fix.exit_code == 0
    result = run("correct", "iran-nuclear-deal/fix-1", "--title", "x")
    assert result.stderr == (
        "Error: corrects: iran-nuclear-deal/fix-1 is a correction; correct "
        "iran-nuclear-deal/adoption itself\n"
    )
    assert count_rows(db_url) == 5


CORRECTIONS = """\
thread: iran-nuclear-deal
events:
  - type: correction
    corrects: jcpoa-agreed
    set: {date: 2015-07-14}
    note: typo in the day
  - type: retraction
    id: rumour-denied
    retracts: rumour
    reason: Denied by Tehran the next day
    known: 2016-01-12
"""


def test_corrections_and_retractions_import_from_event_files_idempotently(
    run: Run, iran: Path, tmp_path: Path, db_url: str
) -> None:
    path = tmp_path / "fixes.yaml"
    path.write_text(CORRECTIONS)
    assert run("import", str(path)).stdout == "Imported 1 file: 2 added, 0 already present\n"
    assert run("import", str(path)).stdout == "Imported 1 file: 0 added, 2 already present\n"
    assert run("import", str(path), str(tmp_path / "iran.yaml")).stdout == (
        "Imported 2 files: 0 added, 5 already present\n"
    )
    assert count_rows(db_url) == 5
    assert asof_json(run, "2015-07-14")["threads"][0]["events"] == 1
    assert asof_json(run, "2016-01-12")["threads"][0]["events"] == 2


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{type: correction, corrects: nope, set: {title: x}}",
            "corrects: no event iran-nuclear-deal/nope is recorded",
        ),
        (
            "{type: correction, corrects: adoption, set: {id: other}}",
            "a correction cannot change 'id': record the event again instead",
        ),
        (
            "{type: correction, corrects: adoption, set: {colour: red}}",
            "cannot correct unknown field 'colour'",
        ),
        (
            "{type: correction, corrects: adoption}",
            "a correction needs 'set': the fields it replaces",
        ),
        ("{type: retraction, retracts: adoption}", "a retraction needs a 'reason'"),
        (
            "{type: retraction, retracts: adoption, reason: x, date: 2016}",
            "unknown field 'date' in a retraction",
        ),
    ],
)
def test_bad_corrections_in_files_are_reported_at_their_line(
    run: Run, iran: Path, tmp_path: Path, db_url: str, entry: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"thread: iran-nuclear-deal\nevents:\n  - {entry}\n")
    result = run("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}:3: {message}")
    assert count_rows(db_url) == 3


# ---- three times ------------------------------------------------------------------------


def test_asof_recorded_before_reproduces_an_earlier_report_byte_for_byte(
    run_ok: Run, run: Run, iran: Path, tmp_path: Path
) -> None:
    then = {
        fmt: run("asof", "2016-01-12", "--format", fmt, now="2026-01-01T12:00:00Z").stdout
        for fmt in ("text", "json", "markdown")
    }
    log_then = run("log", now="2026-01-01T12:00:00Z").stdout
    # later: a retraction, a correction, a new event, a renamed thread
    run_ok("retract", "iran-nuclear-deal/rumour", "--reason", "Denied", now="2026-02-01T09:00:00Z")
    run_ok(
        "correct",
        "iran-nuclear-deal/adoption",
        "--title",
        "Adoption Day (JCPOA)",
        now="2026-02-02T09:00:00Z",
    )
    run_ok(
        "add",
        "--thread",
        "iran-nuclear-deal",
        "--date",
        "2016-01-12",
        "--type",
        "statement",
        "--actor",
        "P5+1",
        "--title",
        "P5+1 statement",
        "--thread-title",
        "JCPOA",
        now="2026-02-03T09:00:00Z",
    )
    assert run("asof", "2016-01-12").stdout != then["text"]
    for fmt, text in then.items():
        replay = run(
            "asof", "2016-01-12", "--format", fmt, "--recorded-before", "2026-01-01T12:00:00Z"
        )
        assert replay.stdout == text
    assert run("log", "--recorded-before", "2026-01-01T12:00:00Z").stdout == log_then


def test_history_shows_three_times_amendments_and_status_changes(
    run_ok: Run, run: Run, iran: Path
) -> None:
    run_ok(
        "correct",
        "iran-nuclear-deal/jcpoa-agreed",
        "--date",
        "2015-07-14",
        "--id",
        "typo",
        "--note",
        "the day was mistyped",
        now="2026-01-02T10:00:00Z",
    )
    run_ok(
        "retract",
        "iran-nuclear-deal/rumour",
        "--reason",
        "Denied by Tehran",
        "--known",
        "2016-01-13",
        "--id",
        "denied",
        now="2026-01-03T10:00:00Z",
    )
    assert run("history", "iran-nuclear-deal").stdout == textwrap.dedent("""\
        iran-nuclear-deal — Iran nuclear deal (JCPOA)
        In the order it became known. date: when it happened · known: when it became public \
· recorded: when this database got it

        2015-07-14  agreement      jcpoa-agreed
            Iran and the P5+1 agree the Joint Comprehensive Plan of Action
            known 2015-07-14 · recorded 2026-01-01T10:00:00.000000Z · seq 1
            corrected by typo (known 2015-07-24, recorded 2026-01-02T10:00:00.000000Z): \
date → 2015-07-14
              note: the day was mistyped
            as first recorded: date: 2015-07-24
            status: open → agreed

        2015-10-18  implementation adoption
            Adoption Day
            known 2015-10-18 · recorded 2026-01-01T10:00:00.000000Z · seq 2
            status: agreed → in-force

        2016-01-10  statement      rumour  [RETRACTED]
            Reported Iranian walk-out
            known 2016-01-11 · recorded 2026-01-01T10:00:00.000000Z · seq 3
            retracted by denied (known 2016-01-13, recorded 2026-01-03T10:00:00.000000Z): \
Denied by Tehran
        """)


# ---- diff ---------------------------------------------------------------------------------


def test_diff_between_feb_1_and_2_lists_what_el_pais_disclosed(imported: Run) -> None:
    doc = json.loads(imported("diff", "2022-02-01", "2022-02-02", "--format", "json").stdout)
    assert (doc["from"], doc["to"]) == ("2022-02-01", "2022-02-02")
    threads = {t["thread"]: t for t in doc["threads"]}
    assert set(threads) == {
        "arms-control-missile-deployment",
        "russia-nato-security-guarantees",
        "russian-troops-georgia-moldova-ukraine",
    }
    for t in threads.values():
        assert list(t) == ["thread", "title", "change", "status", "positions", "events"]
        assert t["change"] == "changed"
        assert all(p["since"] == "2022-01-26" for p in t["positions"]["added"])
    guarantees = threads["russia-nato-security-guarantees"]
    known = {e["id"] for e in guarantees["events"]["known"]}
    assert known == {
        "replies-open-door",
        "replies-1997-rollback",
        "replies-dialogue-terms",
        "el-pais-publishes",
        "us-confirms-authenticity",
    }
    changed = {(c["actor"], c["issue"]): c for c in guarantees["positions"]["changed"]}
    assert changed[("United States", "NATO enlargement")]["to"]["event"] == "replies-open-door"
    troops = threads["russian-troops-georgia-moldova-ukraine"]["positions"]["added"]
    assert any("Transnistria" in p["stance"] for p in troops)
    text = imported("diff", "2022-02-01", "2022-02-02").stdout
    assert text.startswith("What became known after 2022-02-01, up to 2022-02-02:\n")
    assert "    + United States on Russian forces in Ukraine, Georgia and Moldova" in text


def test_diff_reports_status_changes_retractions_and_corrections(
    run_ok: Run, run: Run, iran: Path
) -> None:
    run_ok("retract", "iran-nuclear-deal/rumour", "--reason", "Denied", "--known", "2016-01-13")
    run_ok(
        "correct",
        "iran-nuclear-deal/adoption",
        "--title",
        "Adoption Day (JCPOA)",
        "--known",
        "2016-01-13",
    )
    doc = json.loads(run("diff", "2016-01-12", "2016-01-13", "--format", "json").stdout)
    (t,) = doc["threads"]
    assert t["events"]["retracted"] == [
        {
            "id": "rumour",
            "date": "2016-01-10",
            "known": "2016-01-11",
            "type": "statement",
            "title": "Reported Iranian walk-out",
            "reason": "Denied",
        }
    ]
    assert [(c["id"], c["fields"]) for c in t["events"]["corrected"]] == [("adoption", ["title"])]
    assert t["positions"]["changed"][0]["to"]["stance"] == "limited to 3.67% for 15 years"
    first = json.loads(run("diff", "2015-01-01", "2015-07-24", "--format", "json").stdout)
    assert first["threads"][0]["change"] == "appeared"
    assert run("diff", "2017-01-01", "2018-01-01").stdout == (
        "What became known after 2017-01-01, up to 2018-01-01: nothing.\n"
    )
    bad = run("diff", "2018-01-01", "2017-01-01")
    assert bad.stderr == "Error: D2 (2017-01-01) is before D1 (2018-01-01)\n"


def test_the_bundled_events_verify_clean(imported: Run) -> None:
    result = imported("verify")
    assert result.exit_code == 0
    digest = imported("digest").stdout.strip()
    assert digest.startswith("27:") and len(digest) == 3 + 64
    assert result.stdout == (
        "Verified 27 records in 3 threads: hash chains intact, sequence "
        f"complete, projections match\nDigest: {digest}\n"
    )


def test_many_corrections_are_matched_by_the_database(
    run: Run, iran: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import timeline.storage.driver

    assert run("correct", "iran-nuclear-deal/jcpoa-agreed", "--date", "2015-07-14").exit_code == 0
    assert run("correct", "iran-nuclear-deal/adoption", "--title", "Adoption").exit_code == 0
    expected = asof_json(run, "2015-07-14")
    # more corrections than one IN (...) holds
    monkeypatch.setattr(timeline.storage.driver, "CHUNK", 1)
    assert asof_json(run, "2015-07-14") == expected
    assert expected["threads"][0]["first"]["date"] == "2015-07-14"


def test_a_thread_whose_only_event_is_retracted_stays_consistent(run: Run) -> None:
    def add(event_id: str, date: str, title: str) -> None:
        assert (
            run(
                "add",
                "--thread",
                "b",
                "--id",
                event_id,
                "--date",
                date,
                "--type",
                "statement",
                "--actor",
                "X",
                "--title",
                title,
            ).exit_code
            == 0
        )

    add("e0", "2022-01-26", "False report")
    assert run("retract", "b/e0", "--reason", "false", "--known", "2022-02-10").exit_code == 0
    # before the retraction was known the report shows; after, nothing does
    assert asof_json(run, "2022-02-09")["threads"][0]["events"] == 1
    assert asof_json(run, "2022-03-01")["threads"] == []
    assert run("verify").exit_code == 0
    assert run("rebuild", "--only", "states").stdout == (
        "Rebuilt the thread states of 1 thread from 2 records\n"
    )
    assert asof_json(run, "2022-02-09")["threads"][0]["events"] == 1
    assert "[RETRACTED]" in run("history", "b").stdout
    assert "[RETRACTED]" in run("log", "--thread", "b").stdout
    add("e3", "2022-01-22", "A true report")
    (t,) = asof_json(run, "2022-03-01")["threads"]
    assert (t["events"], t["last"]["id"]) == (1, "e3")
    assert run("verify").exit_code == 0
    assert asof_json(run, "2022-03-01") == asof_json(
        run, "2022-03-01", "--recorded-before", "2100-01-01T00:00:00Z"
    )


def test_a_correction_is_refused_if_any_view_of_the_event_would_be_invalid(
    run: Run, db_url: str
) -> None:
    assert (
        run(
            "add",
            "--thread",
            "t",
            "--id",
            "e",
            "--date",
            "2022-02-01",
            "--known",
            "2022-02-01",
            "--type",
            "statement",
            "--actor",
            "A",
            "--title",
            "E",
        ).exit_code
        == 0
    )
    assert (
        run(
            "correct", "t/e", "--event-known", "2022-02-28", "--known", "2022-03-01", "--id", "c1"
        ).exit_code
        == 0
    )
    # on 10 Feb this date would stand without the later known day: refused
    result = run("correct", "t/e", "--date", "2022-02-20", "--known", "2022-02-10", "--id", "c2")
    assert result.stderr == (
        "Error: the correction would make t/e invalid as known on "
        "2022-02-10: known 2022-02-01 is before the date 2022-02-20 "
        "(starts 2022-02-20)\n"
    )
    assert count_rows(db_url) == 2
    # a correction whose refs name nothing is refused like an event's
    result = run("correct", "t/e", "--ref", "other/nosuch")
    assert result.stderr == "Error: refs: no event other/nosuch is recorded\n"


def test_retracting_a_correction_in_the_same_file_keeps_the_right_known_day(
    run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "thread: t\nevents:\n"
        "  - {id: e, date: 2022-02-01, type: statement, actors: [A], title: E}\n"
        "  - {type: correction, id: c1, corrects: e, set: {title: E fixed}}\n"
        "  - {type: retraction, id: r1, retracts: c1, reason: wrong fix}\n"
    )
    assert run("import", str(path)).exit_code == 0
    raw = json.loads(run("log", "--raw", "--format", "json").stdout)
    assert [(r["id"], r["known"]) for r in raw] == [
        ("e", "2022-02-01"),
        ("c1", "2022-02-01"),
        ("r1", "2022-02-01"),
    ]
    assert asof_json(run, "2022-02-01")["threads"][0]["last"]["title"] == "E"
    assert run("import", str(path)).stdout == "Imported 1 file: 0 added, 3 already present\n"


def test_an_id_used_by_two_kinds_of_record_is_named_as_such(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "coll.yaml"
    path.write_text(
        "thread: t\nevents:\n"
        "  - {id: a, date: 2022-02-01, type: statement, actors: [A], title: E}\n"
        "  - {type: correction, id: a, corrects: a, set: {title: E fixed}}\n"
    )
    result = run("import", str(path))
    assert result.stderr == (
        f"Error: {path}:4: t/a is already used by the event at {path}:3: choose another id\n"
    )


def test_history_keeps_withdrawn_corrections_in_the_record(
    run_ok: Run, run: Run, iran: Path
) -> None:
    run_ok(
        "correct",
        "iran-nuclear-deal/adoption",
        "--title",
        "Adoption Day v2",
        "--known",
        "2015-10-20",
        "--id",
        "v2",
        now="2026-01-02T10:00:00Z",
    )
    run_ok(
        "correct",
        "iran-nuclear-deal/adoption",
        "--title",
        "Adoption Day v3",
        "--known",
        "2015-10-19",
        "--id",
        "v3",
        now="2026-01-03T10:00:00Z",
    )
    run_ok(
        "retract",
        "iran-nuclear-deal/v2",
        "--reason",
        "wrong source",
        "--id",
        "undo-v2",
        now="2026-01-04T10:00:00Z",
    )
    out = run("history", "iran-nuclear-deal").stdout
    block = out[out.index("2015-10-18") : out.index("2016-01-10")]
    assert block == textwrap.dedent("""\
        2015-10-18  implementation adoption
            Adoption Day v3
            known 2015-10-18 · recorded 2026-01-01T10:00:00.000000Z · seq 2
            corrected by v2 (known 2015-10-20, recorded 2026-01-02T10:00:00.000000Z): \
title → Adoption Day v2
              withdrawn by undo-v2 (known 2015-10-20, recorded 2026-01-04T10:00:00.000000Z): \
wrong source
            corrected by v3 (known 2015-10-19, recorded 2026-01-03T10:00:00.000000Z): \
title → Adoption Day v3
            as first recorded: title: Adoption Day
            status: agreed → in-force

        """)


def test_an_import_may_retract_a_correction_it_lists_later(
    run: Run, iran: Path, tmp_path: Path, db_url: str
) -> None:
    """Corrections are placed before retractions, whatever their order in the file."""
    path = tmp_path / "undo.yaml"
    path.write_text(
        """\
thread: iran-nuclear-deal
events:
  - type: retraction
    id: typo-fix-withdrawn
    retracts: typo-fix
    reason: The day was right after all
    known: 2015-08-01
  - type: correction
    id: typo-fix
    corrects: jcpoa-agreed
    set: {date: 2015-07-14}
    known: 2015-07-25
"""
    )
    assert run("import", str(path)).stdout == "Imported 1 file: 2 added, 0 already present\n"
    assert count_rows(db_url) == 5
    assert run("verify").exit_code == 0


def test_a_correction_in_a_compatibility_character_is_stored_as_its_columns_say(
    imported: Run,
) -> None:
    # U+F900 is the compatibility form of U+8C48: NFC turns one into the other, and the
    # hashed payload is NFC; the correction itself must be too, or verify (rightly)
    # finds its summary column differing from its payload
    key = "russia-nato-security-guarantees/putin-concerns-ignored"
    result = imported("correct", key, "--title", "\uf900 replies")
    assert result.exit_code == 0, result.output
    assert "projections match" in imported("verify").stdout
    (shown,) = [
        line
        for line in imported("log", "--raw", "--format", "json").stdout.splitlines()
        if '"title": "' in line and "replies" in line and "\u8c48" in line
    ]
    assert "\uf900" not in shown

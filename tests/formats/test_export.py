"""Exports: iCalendar (checked by two independent parsers and a real calendar client),
the JSON Lines backup and its exact restore, and TimelineJS."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import Run, count_rows, shown

TRICKY = """\
thread: tricky-talks
title: Переговоры, "talks"; and more \\ more
events:
  - id: comma
    date: 2022-01-26
    type: talks
    actors: [El País, Россия]
    title: 'Talks, again; with \\ backslash and emoji 🕊️ and a fake \\r\\nEND:VEVENT'
    summary: "Line one\\nEND:VEVENT\\nBEGIN:VEVENT\\nSUMMARY:injected\\n\\
      line, with; specials \\\\ ok"
    sources:
      - {name: El País, url: "https://elpais.com/a,b;c?x=1&y=2", date: 2022-02-02}
  - id: month
    date: 2021-12
    type: statement
    actors: [Russia]
    title: Something in December
  - id: year
    date: 2021
    type: statement
    actors: [Russia]
    title: Something in 2021
  - id: approx
    date: 2022-02-03~
    type: meeting
    actors: [Russia]
    title: A meeting around 3 February
  - id: long
    date: 2022-02-04
    type: offer
    actors: [United States]
    title: "%s"
""" % ("A" * 73 + "\\\\n then more text after the escape at the fold boundary")


@pytest.fixture
def tricky(run: Run, tmp_path: Path) -> Path:
    path = tmp_path / "tricky.yaml"
    path.write_text(TRICKY)
    result = run("import", str(path), now="2026-01-01T10:00:00Z")
    assert result.exit_code == 0, result.output
    return path


def export(run: Run, *args: str, now: str = "2026-11-28T12:00:00Z") -> bytes:
    result = run("export", *args, now=now)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def vevents(data: bytes) -> list[bytes]:
    return re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, re.S)


def parse_both(data: bytes) -> tuple[list, list]:
    """The events as icalendar and as the strict `ical` package see them."""
    from ical.calendar_stream import IcsCalendarStream

    a = [c for c in Calendar.from_ical(data).walk("VEVENT")]
    b = IcsCalendarStream.calendar_from_ics(data.decode("utf-8")).events
    return a, b


def test_the_feed_as_of_feb_2_opens_in_two_parsers(imported: Run, tmp_path: Path) -> None:
    out = tmp_path / "feed.ics"
    assert imported("export", "ics", "--asof", "2022-02-02", "-o", str(out)).exit_code == 0
    data = out.read_bytes()
    a, b = parse_both(data)
    assert len(a) == len(b) == len(vevents(data)) == 26  # all but Russia's reply of 17 Feb
    uids = [str(e["UID"]) for e in a]
    assert len(set(uids)) == 26 and {e.uid for e in b} == set(uids)
    for raw in vevents(data):  # ical invents a missing UID or DTSTAMP: check the bytes
        assert b"\r\nUID:" in raw and b"\r\nDTSTAMP:" in raw and b"\r\nDTEND;VALUE=DATE:" in raw
        assert b"\r\nTRANSP:TRANSPARENT\r\n" in raw
    by_uid = {e.uid: e for e in b}
    replies = by_uid["russia-nato-security-guarantees/replies-open-door@timeline"]
    assert (replies.dtstart, replies.dtend) == (dt.date(2022, 1, 26), dt.date(2022, 1, 27))
    assert "Publicly known: 2022-02-02" in replies.description
    cal = Calendar.from_ical(data)
    assert "METHOD" not in cal
    for name in (
        "PRODID",
        "VERSION",
        "CALSCALE",
        "NAME",
        "X-WR-CALNAME",
        "DESCRIPTION",
        "X-WR-CALDESC",
        "REFRESH-INTERVAL",
        "X-PUBLISHED-TTL",
    ):
        assert name in cal
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:P1D\r\n" in data
    assert b"\r\nX-PUBLISHED-TTL:P1D\r\n" in data


def test_every_line_is_crlf_folded_at_75_octets_without_splitting_characters_or_escapes(
    run: Run, tricky: Path
) -> None:
    data = export(run, "ics")
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")[:-1]
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")  # a folded line never ends inside a UTF-8 character
    for first, second in itertools.pairwise(lines):
        if second.startswith(b" "):  # a fold: the escape must not be cut from its backslash
            trailing = len(first) - len(first.rstrip(b"\\"))
            assert trailing % 2 == 0, (first, second)


def test_special_characters_survive_and_cannot_inject(run: Run, tricky: Path) -> None:
    data = export(run, "ics")
    a, b = parse_both(data)
    assert len(a) == len(b) == 5
    comma = next(e for e in a if str(e["UID"]) == "tricky-talks/comma@timeline")
    assert str(comma["SUMMARY"]) == (
        "Talks, again; with \\ backslash and emoji 🕊️ and a fake \\r\\nEND:VEVENT"
    )
    assert str(comma["DESCRIPTION"]).startswith(
        "Line one\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected\nline, with; specials \\ ok\n"
    )
    assert "El País, Россия" in str(comma["DESCRIPTION"])
    assert b"\r\nURL:https://elpais.com/a,b;c?x=1&y=2\r\n" in data  # a URI, not escaped TEXT
    assert b"\r\nSUMMARY:injected" not in data
    cal = Calendar.from_ical(data)
    assert str(cal["X-WR-CALNAME"]) == "timeline: diplomatic events"


def test_imprecise_dates_say_so_and_span_what_they_cover(run: Run, tricky: Path) -> None:
    a, b = parse_both(export(run, "ics"))
    ev = {e.uid.split("/")[1].split("@")[0]: e for e in b}
    assert (ev["month"].dtstart, ev["month"].dtend) == (dt.date(2021, 12, 1), dt.date(2022, 1, 1))
    assert ev["month"].summary == "Something in December (Dec 2021, day unknown)"
    # a year-only date is one day (1 January), labelled, not a year-long banner
    assert (ev["year"].dtstart, ev["year"].dtend) == (dt.date(2021, 1, 1), dt.date(2021, 1, 2))
    assert ev["year"].summary == "Something in 2021 (2021, date unknown)"
    assert ev["approx"].summary == "A meeting around 3 February (approximate)"
    assert ev["approx"].status.value == "TENTATIVE"
    assert ev["comma"].status.value == "CONFIRMED"
    raw = {str(e["UID"]): e for e in a}
    assert str(raw["tricky-talks/month@timeline"]["X-TIMELINE-EDTF"]) == "2021-12"


def test_corrections_and_retractions_show_in_the_feed(run_ok: Run, run: Run, tricky: Path) -> None:
    run_ok(
        "correct",
        "tricky-talks/month",
        "--title",
        "Something in December 2021",
        now="2026-02-01T08:00:00Z",
    )
    run_ok(
        "retract",
        "tricky-talks/approx",
        "--reason",
        "It never took place",
        now="2026-02-02T08:00:00Z",
    )
    a, _ = parse_both(export(run, "ics"))
    ev = {str(e["UID"]).split("/")[1].split("@")[0]: e for e in a}
    month = ev["month"]
    assert str(month["SUMMARY"]) == "Something in December 2021 (Dec 2021, day unknown)"
    assert int(month["SEQUENCE"]) == 1
    assert (
        month["DTSTAMP"].dt
        == month["LAST-MODIFIED"].dt
        == dt.datetime(2026, 2, 1, 8, tzinfo=dt.UTC)
    )
    assert month["CREATED"].dt == dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    assert "Corrected on 2026-02-01: title" in str(month["DESCRIPTION"])
    approx = ev["approx"]
    assert str(approx["STATUS"]) == "CANCELLED"
    assert str(approx["SUMMARY"]).startswith("[RETRACTED] A meeting around 3 February")
    assert str(approx["DESCRIPTION"]).startswith(
        "RETRACTED (known 2022-02-03): It never took place"
    )


def test_asof_and_filters_choose_what_the_feed_holds(run: Run, tricky: Path) -> None:
    def uids(*args: str) -> list[str]:
        return sorted(
            str(e["UID"]).split("/")[1].split("@")[0]
            for e in Calendar.from_ical(export(run, "ics", *args)).walk("VEVENT")
        )

    assert uids("--asof", "2022-01-26") == ["comma", "month", "year"]
    assert uids("--since", "2022-02") == ["approx", "long"]
    assert uids("--until", "2021-12-15") == ["month", "year"]
    assert uids("--thread", "tricky-talks", "--asof", "2021-12-31") == ["month", "year"]
    bad = run("export", "ics", "--thread", "nope")
    assert bad.stderr == "Error: unknown thread 'nope'; `timeline threads` lists them\n"


def test_re_exporting_unchanged_data_is_byte_identical(run: Run, tricky: Path) -> None:
    first = export(run, "ics")
    assert export(run, "ics", now="2030-01-01T00:00:00Z") == first


@pytest.mark.skipif(
    shutil.which("khal") is None and not (Path(sys.executable).parent / "khal").exists(),
    reason="khal is a dev dependency",
)
def test_a_real_calendar_client_imports_the_feed(imported: Run, tmp_path: Path) -> None:
    feed = tmp_path / "feed.ics"
    assert imported("export", "ics", "--asof", "2022-02-02", "-o", str(feed)).exit_code == 0
    (tmp_path / "cal").mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(f"""[calendars]
[[timeline]]
path = {tmp_path / "cal"}
type = calendar
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
[default]
default_calendar = timeline
""")
    khal = shutil.which("khal") or str(Path(sys.executable).parent / "khal")
    subprocess.run(
        [khal, "-c", str(config), "import", "--batch", "-a", "timeline", str(feed)],
        check=True,
        capture_output=True,
    )
    listed = subprocess.run(
        [
            khal,
            "-c",
            str(config),
            "list",
            "--format",
            "{start-date} {title}",
            "2022-01-26",
            "2022-02-02",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "2022-01-26 US and NATO deliver written replies to Russia, kept confidential" in listed
    assert "2022-02-02 El País publishes the confidential US and NATO written replies" in listed
    assert "2022-01-26 US and NATO written replies reaffirm NATO's open door" in listed
    assert len(list((tmp_path / "cal").glob("*.ics"))) == 26


# ---- backup and restore ---------------------------------------------------------------


def test_export_restore_export_is_byte_identical(
    run_ok: Run, imported: Run, tmp_path: Path, db_url: str
) -> None:
    run_ok(
        "correct",
        "russia-nato-security-guarantees/geneva-ssd",
        "--date",
        "2022-01-09",
        now="2026-12-01T08:00:00Z",
    )
    run_ok(
        "retract",
        "russian-troops-georgia-moldova-ukraine/ryabkov-no-invasion",
        "--reason",
        "test",
        "--known",
        "2022-02-24",
        now="2026-12-02T08:00:00Z",
    )
    backup = tmp_path / "backup.jsonl"
    assert imported("export", "jsonl", "-o", str(backup)).exit_code == 0
    other = {"TIMELINE_DB": str(tmp_path / "restored.db")}
    result = imported("import", "--restore", str(backup), env=other)
    assert result.stdout == f"Restored 29 records from {backup}\n"
    again = imported("export", "jsonl", env=other).stdout_bytes
    assert again == backup.read_bytes()
    assert imported("verify", env=other).exit_code == 0
    days = {
        d
        for line in backup.read_text().splitlines()[:-1]  # the trailer last
        for d in (
            json.loads(line)["payload"].get("date", "")[:10],
            json.loads(line)["payload"]["known"],
        )
    }
    days = [*sorted(d for d in days if len(d) == 10), "2099-12-31"]
    for day in days:
        for fmt in ("text", "json"):
            assert (
                imported("asof", day, "--format", fmt).stdout
                == imported("asof", day, "--format", fmt, env=other).stdout
            )
    assert imported("log", "--raw").stdout == imported("log", "--raw", env=other).stdout


def test_restore_refuses_a_database_that_is_not_empty(
    run_ok: Run, imported: Run, tmp_path: Path, db_url: str
) -> None:
    backup = tmp_path / "backup.jsonl"
    run_ok("export", "jsonl", "-o", str(backup))
    result = imported("import", "--restore", str(backup))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: restore needs an empty database: {shown(db_url)} already "
        "holds 27 records (use a new --db)\n"
    )
    assert count_rows(db_url) == 27


def test_an_altered_backup_is_refused_with_its_line(
    run_ok: Run, imported: Run, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.jsonl"
    run_ok("export", "jsonl", "-o", str(backup))
    lines = backup.read_text().splitlines(keepends=True)
    record = json.loads(lines[4])
    record["payload"]["title"] += " (edited)"
    lines[4] = json.dumps(record, ensure_ascii=False) + "\n"
    del lines[14]
    backup.write_text("".join(lines))
    target = tmp_path / "restored.db"
    result = imported("import", "--restore", str(backup), env={"TIMELINE_DB": str(target)})
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[0] == (
        f"Error: {backup}:5: its hash does not match its content: the backup was altered"
    )
    assert any(e.startswith(f"Error: {backup}:") and "deleted row" in e for e in errors)
    assert count_rows(target) == 0


# ---- TimelineJS -----------------------------------------------------------------------


def test_timelinejs_has_one_slide_per_known_event(imported: Run, tmp_path: Path) -> None:
    out = tmp_path / "timeline.json"
    assert imported("export", "timelinejs", "--asof", "2022-02-01", "-o", str(out)).exit_code == 0
    doc = json.loads(out.read_text())
    assert set(doc) == {"title", "events"}
    assert set(doc["title"]["text"]) == {"headline", "text"}
    feb1 = asof_events(imported, "2022-02-01")
    assert len(doc["events"]) == feb1
    ids = [s["unique_id"] for s in doc["events"]]
    assert len(set(ids)) == len(ids)
    for slide in doc["events"]:
        assert set(slide) <= {"start_date", "display_date", "text", "group", "unique_id", "media"}
        assert set(slide["text"]) == {"headline", "text"}
        assert set(slide["start_date"]) in ({"year", "month", "day"}, {"year", "month"}, {"year"})
        assert all(isinstance(v, int) for v in slide["start_date"].values())
        if "media" in slide:
            assert slide["media"]["url"].startswith("https://")
    month = next(s for s in doc["events"] if s["unique_id"].endswith("_troop-buildup-reports"))
    assert month["start_date"] == {"year": 2021, "month": 12}
    assert month["display_date"] == "2021-12~ (Dec 2021, day unknown, approximate)"
    assert month["group"] == "russian-troops-georgia-moldova-ukraine"
    assert not any(s["unique_id"].endswith("_replies-open-door") for s in doc["events"])


def asof_events(run: Run, day: str) -> int:
    doc = json.loads(run("asof", day, "--format", "json").stdout)
    return sum(t["events"] for t in doc["threads"])


def test_an_export_to_a_missing_folder_is_one_error_line(imported: Run, tmp_path: Path) -> None:
    result = imported("export", "ics", "-o", str(tmp_path / "nope" / "feed.ics"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write {tmp_path / 'nope' / 'feed.ics'}: folder "
        f"{tmp_path / 'nope'} does not exist\n"
    )


def test_exports_in_small_batches_hold_the_same_events(
    imported: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exports stream a batch of threads at a time; the batches change no event."""
    import timeline.usecases.reading

    whole = {fmt: imported("export", fmt).stdout_bytes for fmt in ("ics", "timelinejs")}
    monkeypatch.setattr(timeline.usecases.reading, "EXPORT_BATCH", 5)
    parts = {fmt: imported("export", fmt).stdout_bytes for fmt in ("ics", "timelinejs")}

    def vevents(data: bytes) -> list[str]:
        return sorted(str(v.to_ical()) for v in Calendar.from_ical(data).walk("VEVENT"))

    assert vevents(parts["ics"]) == vevents(whole["ics"]) and len(vevents(whole["ics"])) == 27
    split, single = json.loads(parts["timelinejs"]), json.loads(whole["timelinejs"])
    key = lambda s: s["unique_id"]  # noqa: E731
    assert sorted(split["events"], key=key) == sorted(single["events"], key=key)
    assert split["title"] == single["title"]

"""Events announced in advance: `scheduled: true`, `upcoming` in asof, `timeline upcoming`.

The NATO-Russia Council of 12 January 2022 was announced on 4 January: from that day it
is upcoming, and it changes the thread only once it meets. Talks called off or moved are
a retraction or a correction, as for any event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Run, asof_json

THREAD = "nato-russia-council"
COUNCIL: dict[str, Any] = {
    "thread": THREAD,
    "id": "council-meets",
    "date": "2022-01-12",
    "known": "2022-01-04",
    "scheduled": True,
    "type": "meeting",
    "actors": ["NATO", "Russia"],
    "title": "NATO-Russia Council meets in Brussels",
    "status": "negotiating",
    "positions": [{"actor": "NATO", "issue": "dialogue", "stance": "ready to talk"}],
}
OPENED: dict[str, Any] = {
    "thread": THREAD,
    "id": "letters",
    "date": "2021-12-20",
    "type": "proposal",
    "actors": ["NATO"],
    "title": "NATO proposes a meeting of the NATO-Russia Council",
}


@pytest.fixture
def council(run_ok: Run, tmp_path: Path) -> Run:
    path = tmp_path / "council.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in (OPENED, COUNCIL)))
    run_ok("import", str(path))
    return run_ok


def _thread(run: Run, day: str) -> dict[str, Any]:
    (state,) = asof_json(run, day, "--thread", THREAD)["threads"]
    return state


def test_an_announced_meeting_is_upcoming_until_it_meets(council: Run) -> None:
    assert _thread(council, "2022-01-03")["upcoming"] == []
    before = _thread(council, "2022-01-04")
    assert before["upcoming"] == [
        {
            "id": "council-meets",
            "date": "2022-01-12",
            "announced": "2022-01-04",
            "type": "meeting",
            "title": "NATO-Russia Council meets in Brussels",
        }
    ]
    # announced, not happened: it changes neither the status nor the positions
    assert (before["status"], before["events"], before["positions"]) == ("open", 1, [])
    assert _thread(council, "2022-01-11")["upcoming"] == before["upcoming"]
    met = _thread(council, "2022-01-12")
    assert met["upcoming"] == [] and met["status"] == "negotiating" and met["events"] == 2
    assert met["last"]["id"] == "council-meets"
    assert [p["event"] for p in met["positions"]] == ["council-meets"]


def test_asof_text_lists_the_upcoming_meeting_under_its_thread(council: Run) -> None:
    out = council("asof", "2022-01-05", "--thread", THREAD).stdout
    assert (
        "  upcoming:\n"
        "    2022-01-12 meeting: NATO-Russia Council meets in Brussels  "
        "[council-meets, announced 2022-01-04]\n"
    ) in out


def test_talks_called_off_are_no_longer_upcoming_nor_held(council: Run) -> None:
    council(
        "retract",
        f"{THREAD}/council-meets",
        "--reason",
        "called off",
        "--known",
        "2022-01-08",
    )
    assert _thread(council, "2022-01-07")["upcoming"][0]["id"] == "council-meets"
    assert _thread(council, "2022-01-08")["upcoming"] == []
    after = _thread(council, "2022-01-20")
    assert (after["events"], after["status"], after["upcoming"]) == (1, "open", [])


def test_talks_moved_by_a_correction_stay_upcoming_until_the_new_day(council: Run) -> None:
    council("correct", f"{THREAD}/council-meets", "--date", "2022-01-14", "--known", "2022-01-09")
    assert _thread(council, "2022-01-08")["upcoming"][0]["date"] == "2022-01-12"
    moved = _thread(council, "2022-01-12")
    assert moved["upcoming"][0]["date"] == "2022-01-14" and moved["events"] == 1
    assert _thread(council, "2022-01-14")["events"] == 2
    assert "projections match" in council("verify").stdout


def test_without_scheduled_a_known_day_before_the_date_is_refused(
    run: Run, tmp_path: Path, db_url: str
) -> None:
    path = tmp_path / "council.jsonl"
    plain = {k: v for k, v in COUNCIL.items() if k != "scheduled"}
    path.write_text(json.dumps(plain) + "\n")
    result = run("import", str(path))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        f"Error: {path}:1: known 2022-01-04 is before the date 2022-01-12 (starts 2022-01-12)\n"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"known": None}, "a scheduled event needs 'known': the day it was announced"),
        ({"scheduled": "yes"}, "scheduled must be true or false, not 'yes'"),
        # announced on its day, or after it: not in advance (accepted before)
        (
            {"known": "2022-01-12"},
            "a scheduled event is announced before its date begins: known 2022-01-12 is "
            "not before 2022-01-12 (starts 2022-01-12)",
        ),
        (
            {"date": "0001", "known": "2026-11-28"},
            "a scheduled event is announced before its date begins: known 2026-11-28 is "
            "not before 0001 (starts 0001-01-01)",
        ),
        # a century ahead at most: a mistyped year (accepted before)
        (
            {"known": "1000-01-04"},
            "a scheduled event is announced at most 100 years ahead: known 1000-01-04 is "
            "1022 years before 2022-01-12",
        ),
        (
            {"date": "2122-01-05", "known": "2022-01-04"},
            "a scheduled event is announced at most 100 years ahead: known 2022-01-04 is "
            "100 years before 2122-01-05",
        ),
    ],
)
def test_a_bad_scheduled_event_is_one_error_line(
    run: Run, tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = tmp_path / "council.jsonl"
    path.write_text(json.dumps({k: v for k, v in {**COUNCIL, **change}.items() if v is not None}))
    result = run("import", str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {path}:1: {message}\n"


def test_a_lease_of_99_years_is_announced_in_time(run_ok: Run, tmp_path: Path) -> None:
    lease = COUNCIL | {"thread": "new-territories", "id": "lease-ends"}
    lease |= {"date": "1997-07-01", "known": "1898-06-09", "title": "The lease ends"}
    last_day = lease | {"id": "century", "date": "2000-02-28", "known": "1900-02-28"}
    path = tmp_path / "lease.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in (lease, last_day)))
    assert "2 added" in run_ok("import", str(path)).stdout


def test_add_scheduled_takes_today_as_the_announcement(run_ok: Run) -> None:
    out = run_ok(
        "add",
        "--thread",
        THREAD,
        "--date",
        "2026-12-10",
        "--type",
        "talks",
        "--actor",
        "NATO",
        "--title",
        "Talks in Vienna",
        "--scheduled",
        now="2026-11-28T12:00:00Z",
    ).stdout
    assert out == (
        f"Recorded {THREAD}/2026-12-10-talks-in-vienna "
        "(seq 1, scheduled for 2026-12-10, announced 2026-11-28); new thread nato-russia-council\n"
    )
    upcoming = json.loads(run_ok("upcoming", "--format", "json").stdout)
    assert [u["id"] for u in upcoming["upcoming"]] == ["2026-12-10-talks-in-vienna"]


def test_upcoming_lists_threads_in_which_nothing_happened_yet(run_ok: Run, tmp_path: Path) -> None:
    path = tmp_path / "council.jsonl"
    path.write_text(json.dumps(COUNCIL) + "\n")
    run_ok("import", str(path))
    assert asof_json(run_ok, "2022-01-05")["threads"] == []  # nothing has happened
    assert run_ok("upcoming", "2022-01-05").stdout == (
        "Upcoming as of 2022-01-05 (announced by then, not yet happened): 1 event\n"
        "\n"
        "2022-01-12  meeting          nato-russia-council/council-meets  (announced 2022-01-04)\n"
        "            NATO, Russia — NATO-Russia Council meets in Brussels\n"
    )
    assert run_ok("upcoming", "2022-01-03").stdout == (
        "Nothing announced by the end of 2022-01-03 was still to come.\n"
    )
    assert json.loads(run_ok("upcoming", "2022-01-12", "--format", "json").stdout) == {
        "as_of": "2022-01-12",
        "upcoming": [],
    }


def test_threads_shows_what_has_happened_by_today(council: Run, tmp_path: Path) -> None:
    # a thread whose only event is announced for later is listed, as still ahead
    planned = COUNCIL | {"thread": "vienna", "id": "talks", "status": "agreed"}
    (tmp_path / "vienna.jsonl").write_text(json.dumps(planned) + "\n")
    council("import", str(tmp_path / "vienna.jsonl"))

    def listed(today: str) -> dict[str, tuple[str, int, str | None]]:
        out = council("threads", "--format", "json", now=f"{today}T12:00:00Z").stdout
        return {
            t["thread"]: (t["status"], t["events"], t["last"] and t["last"]["date"])
            for t in json.loads(out)["threads"]
        }

    assert listed("2022-01-05") == {
        THREAD: ("open", 1, "2021-12-20"),
        "vienna": ("upcoming", 0, None),
    }
    assert listed("2022-01-12") == {
        THREAD: ("negotiating", 2, "2022-01-12"),
        "vienna": ("agreed", 1, "2022-01-12"),
    }
    text = council("threads", now="2022-01-05T12:00:00Z").stdout.splitlines()
    assert text[2].split() == ["vienna", "upcoming", "0", "-", "-"]


def test_the_log_shows_the_announcement_from_its_day(council: Run) -> None:
    out = council("log", "--known-by", "2022-01-04", "--thread", THREAD).stdout
    assert "2022-01-12  meeting          nato-russia-council/council-meets  " in out
    assert "(scheduled; announced 2022-01-04)" in out
    assert "council-meets" not in council("log", "--known-by", "2022-01-03").stdout
    (item,) = [
        i
        for i in json.loads(council("log", "--thread", THREAD, "--format", "json").stdout)
        if i["id"] == "council-meets"
    ]
    assert (item["known"], item["scheduled"]) == ("2022-01-04", True)


def _status(ics: str) -> str:
    block = ics.split("UID:nato-russia-council/council-meets@timeline")[1]
    return block.split("STATUS:")[1].splitlines()[0]


def test_the_calendar_marks_it_tentative_until_it_meets(council: Run) -> None:
    from icalendar import Calendar

    before = council("export", "ics", "--asof", "2022-01-05").stdout
    assert _status(before) == "TENTATIVE"
    assert "X-TIMELINE-ANNOUNCED:2022-01-04" in before
    assert _status(council("export", "ics", "--asof", "2022-01-12").stdout) == "CONFIRMED"
    # without --asof, as of today (the clock is 2026): long since held
    now = council("export", "ics").stdout
    assert _status(now) == "CONFIRMED"
    assert len(Calendar.from_ical(before).walk("VEVENT")) == 2


def test_a_shared_file_keeps_it_scheduled(council: Run, tmp_path: Path) -> None:
    out = tmp_path / "council.yaml"
    council("export", "events", "--thread", THREAD, "--format", "yaml", "-o", str(out))
    doc = yaml.safe_load(out.read_text())
    (meeting,) = [e for e in doc["events"] if e["id"] == "council-meets"]
    assert (meeting["known"], meeting["scheduled"]) == ("2022-01-04", True)
    # the same records: importing the file again adds nothing
    assert council("import", str(out)).stdout == ("Imported 1 file: 0 added, 2 already present\n")


def test_the_briefing_marks_it_as_still_to_come(council: Run) -> None:
    out = council("report", THREAD, "--asof", "2022-01-05").stdout
    assert (
        "- **2022-01-12** (scheduled; announced 2022-01-04) — meeting: "
        "NATO-Russia Council meets in Brussels"
    ) in out
    assert "(scheduled" not in council("report", THREAD, "--asof", "2022-01-12").stdout

"""Every renderer, fed with value objects built here: no database, no CLI, no files but
pytest's tmp_path.

The story is the seed's: the US and NATO delivered written replies to Russia on
26 January 2022 and kept them confidential; their content became public on 2 February,
when El País published them. A rumour about their content is retracted on that day, and
two mistakes are corrected: a typo in the day El País published (a data-entry fix, which
applies in every view) and a reworded title (from 3 February on).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from timeline._version import __version__
from timeline.core.amend import annotate
from timeline.core.chain import record_hash
from timeline.core.codec import canonical, format_recorded_at
from timeline.core.dates import parse_edtf
from timeline.core.errors import Problem
from timeline.core.mapper import entry_to_payload
from timeline.core.model import (
    Correction,
    Entry,
    Event,
    EventView,
    Key,
    Position,
    Record,
    Retraction,
    Source,
    ThreadState,
)
from timeline.core.projector import project
from timeline.core.views import compute_diff, history_of
from timeline.formats.backup import backup_line, backup_text, read_backup, trailer_line
from timeline.formats.changes import diff_json, diff_text, history_text
from timeline.formats.ics import calendar
from timeline.formats.render import (
    asof_json,
    asof_markdown,
    asof_text,
    log_json,
    log_jsonl,
    log_text,
    threads_json,
    threads_text,
)
from timeline.formats.timelinejs import timeline_json

D = dt.date.fromisoformat
GUARANTEES = "russia-nato-security-guarantees"
TROOPS = "russian-troops-georgia-moldova-ukraine"
ARMS = "arms-control-missile-deployment"
TITLES = {
    GUARANTEES: "Russia–US/NATO security guarantees",
    TROOPS: "Russian troops in Ukraine, Georgia and Moldova",
    ARMS: "Arms control and missile deployment in Europe",
}
NATO_NEWS = "https://www.nato.int/cps/en/natohq/news_191252.htm"
JAMNEWS = (
    "https://jam-news.net/el-pais-us-urges-russia-to-withdraw-troops-from-georgia-and-moldova/"
)


def _event(
    thread: str,
    id: str,
    date: str,
    type: str,
    actors: tuple[str, ...],
    title: str,
    known: str | None = None,
    positions: tuple[tuple[str, str, str], ...] = (),
    **more: Any,
) -> Event:
    d = parse_edtf(date)
    return Event(
        thread,
        id,
        d,
        D(known) if known else d.last,
        type,
        actors,
        title,
        positions=tuple(Position(*p) for p in positions),
        known_given=known is not None,
        **more,
    )


US_NATO = ("United States", "NATO")
DRAFTS = _event(
    GUARANTEES,
    "russia-draft-treaties",
    "2021-12-17",
    "demand",
    ("Russia",),
    "Russia publishes draft security treaties with the US and with NATO members",
    status="open",
    positions=(("Russia", "NATO enlargement", "no further enlargement"),),
)
GENEVA = _event(
    GUARANTEES,
    "geneva-ssd",
    "2022-01-10",
    "talks",
    ("United States", "Russia"),
    "US–Russia Strategic Stability Dialogue in Geneva discusses Russia's demands",
    status="negotiating",
    positions=(
        ("Russia", "NATO enlargement", "guarantee that Ukraine never joins is mandatory"),
        ("United States", "NATO enlargement", "closing NATO's open door is a non-starter"),
    ),
)
DELIVERED = _event(
    GUARANTEES,
    "replies-delivered",
    "2022-01-26",
    "response",
    US_NATO,
    "US and NATO deliver written replies to Russia, kept confidential",
    known="2022-01-26",
    sources=(Source("NATO", NATO_NEWS, "2022-01-26"),),
)
OPEN_DOOR = _event(
    GUARANTEES,
    "replies-open-door",
    "2022-01-26",
    "response",
    US_NATO,
    "US and NATO written replies reaffirm NATO's open door",
    known="2022-02-02",
    summary="Both texts, published on 2 February, reaffirm NATO's open-door policy.",
    sources=(Source("El País", None, "2022-02-02"), Source("JAMnews", JAMNEWS, "2022-02-02")),
    positions=(
        ("United States", "NATO enlargement", "open-door policy reaffirmed"),
        ("NATO", "NATO enlargement", "open-door policy reaffirmed"),
    ),
    refs=(Key(GUARANTEES, "replies-delivered"),),
)
RUMOUR = _event(
    GUARANTEES,
    "replies-leak-rumour",
    "2022-01-27",
    "disclosure",
    ("Russia",),
    "Russian media report the replies' contents",
    known="2022-01-27",
)
PUTIN = _event(
    GUARANTEES,
    "putin-concerns-ignored",
    "2022-02-01",
    "statement",
    ("Russia",),
    "Putin says the US and NATO replies ignored Russia's fundamental concerns",
    status="stalled",
    positions=(("Russia", "US and NATO written replies", "fundamental Russian concerns ignored"),),
)
# recorded with a typo in the day (20 for 2 February) and fixed as a data-entry error
EL_PAIS = _event(
    GUARANTEES,
    "el-pais-publishes",
    "2022-02-20",
    "disclosure",
    ("El País",),
    "El País publishes the confidential US and NATO written replies",
    sources=(Source("El País", None, "2022-02-02"),),
)
DAY_FIX = Correction(
    GUARANTEES,
    "el-pais-publishes-fix",
    EL_PAIS.key,
    {"date": "2022-02-02"},
    EL_PAIS.known,
    known_given=False,
    note="typo in the day",
)
REWORDED = Correction(
    GUARANTEES,
    "replies-open-door-reworded",
    OPEN_DOOR.key,
    {"title": "US and NATO replies reaffirm NATO's open-door policy"},
    D("2022-02-03"),
)
WITHDRAWN = Retraction(
    GUARANTEES,
    "replies-leak-rumour-retracted",
    RUMOUR.key,
    "Not borne out by the texts El País published",
    D("2022-02-02"),
)
BUILDUP = _event(
    TROOPS,
    "troop-buildup-reports",
    "2021-12~",
    "statement",
    ("United States", "NATO", "Ukraine"),
    "Western and Ukrainian officials report about 100,000 Russian troops massed near Ukraine",
    sources=(Source("NATO", NATO_NEWS, "2022-01-26"),),
)
INF_ENDS = _event(
    ARMS,
    "inf-treaty-ends",
    "2019",
    "withdrawal",
    ("United States",),
    "The United States withdraws from the INF Treaty, which ends",
    status="terminated",
)
ARMS_OFFER = _event(
    ARMS,
    "us-arms-control-offer",
    "2022-01-26",
    "offer",
    ("United States",),
    "US reply offers talks on a new nuclear arms control deal and on missiles in Europe",
    known="2022-02-02",
    status="negotiating",
)


def _log(*entries: Entry) -> list[Record]:
    """The entries as the store appends them: seq in order, one a day from 1 November 2026,
    versions, links and hashes per thread, the title on each thread's first record."""
    heads: dict[str, tuple[int, str]] = {}
    records = []
    for seq, e in enumerate(entries, start=1):
        version, prev = heads.get(e.thread, (0, ""))
        at = dt.datetime(2026, 11, seq, 9, 0, tzinfo=dt.UTC)
        title = TITLES[e.thread] if version == 0 else None
        digest = record_hash(
            e.kind, canonical(entry_to_payload(e)), prev, format_recorded_at(at), title
        )
        records.append(Record(seq, version + 1, at, e, title, digest, prev))
        heads[e.thread] = (version + 1, digest)
    return records


RECORDS = _log(
    DRAFTS,  # 1
    GENEVA,  # 2
    DELIVERED,  # 3
    OPEN_DOOR,  # 4
    RUMOUR,  # 5
    PUTIN,  # 6
    EL_PAIS,  # 7
    DAY_FIX,  # 8
    REWORDED,  # 9
    WITHDRAWN,  # 10
    BUILDUP,  # 11
    INF_ENDS,  # 12
    ARMS_OFFER,  # 13
)
GUARANTEES_RECORDS = RECORDS[:10]

HINT = (
    "No events are recorded yet. Import the bundled events with `timeline import --bundled`, "
    "import your own with `timeline import PATH`, or record one with `timeline add`.\n"
)


def _states(day: str | None = None) -> dict[str, ThreadState]:
    return project(RECORDS, None if day is None else D(day))


def _views(records: list[Record] = RECORDS) -> dict[str, EventView[Record]]:
    """Each event's view with every amendment in effect, by id."""
    return {v.record.entry.id: v for v in annotate(records)}


# ---- asof -----------------------------------------------------------------------------------


def test_asof_text_shows_where_the_talks_stood_the_day_before_el_pais_published() -> None:
    state = _states("2022-02-01")[GUARANTEES]
    assert asof_text(D("2022-02-01"), [state]) == (
        "As of 2022-02-01 (publicly known by the end of that day): 1 thread\n"
        "\n"
        "russia-nato-security-guarantees — Russia–US/NATO security guarantees\n"
        "  status:     stalled\n"
        "  parties:    NATO, Russia, United States\n"
        "  events:     5 known (2021-12-17 … 2022-02-01)\n"
        "  by type:    1 demand, 1 disclosure, 1 response, 1 statement, 1 talks\n"
        "  positions:\n"
        "    Russia\n"
        "      NATO enlargement: guarantee that Ukraine never joins is mandatory"
        "  [since 2022-01-10, geneva-ssd]\n"
        "      US and NATO written replies: fundamental Russian concerns ignored"
        "  [since 2022-02-01, putin-concerns-ignored]\n"
        "    United States\n"
        "      NATO enlargement: closing NATO's open door is a non-starter"
        "  [since 2022-01-10, geneva-ssd]\n"
        "  last:       2022-02-01 statement: Putin says the US and NATO replies ignored "
        "Russia's fundamental concerns  [putin-concerns-ignored]\n"
        # the rumour, not yet retracted; then the replies, known to be delivered
        "              2022-01-27 disclosure: Russian media report the replies' contents"
        "  [replies-leak-rumour]\n"
        "              2022-01-26 response: US and NATO deliver written replies to Russia, "
        "kept confidential  [replies-delivered]\n"
    )


def test_asof_text_counts_threads_spans_imprecise_dates_and_names_a_late_known_day() -> None:
    states = _states("2022-02-02")
    assert asof_text(D("2022-02-02"), [states[ARMS], states[TROOPS]]) == (
        "As of 2022-02-02 (publicly known by the end of that day): 2 threads\n"
        "\n"
        "arms-control-missile-deployment — Arms control and missile deployment in Europe\n"
        "  status:     negotiating\n"
        "  parties:    United States\n"
        "  events:     2 known (2019 … 2022-01-26)\n"
        "  by type:    1 offer, 1 withdrawal\n"
        "  last:       2022-01-26 offer: US reply offers talks on a new nuclear arms control "
        "deal and on missiles in Europe  [us-arms-control-offer, known 2022-02-02]\n"
        "              2019 withdrawal: The United States withdraws from the INF Treaty, which "
        "ends  [inf-treaty-ends, known 2019-12-31]\n"
        "\n"
        "russian-troops-georgia-moldova-ukraine — Russian troops in Ukraine, Georgia and Moldova\n"
        "  status:     open\n"
        "  parties:    NATO, Ukraine, United States\n"
        "  events:     1 known (2021-12~)\n"
        "  last:       2021-12~ statement: Western and Ukrainian officials report about "
        "100,000 Russian troops massed near Ukraine  [troop-buildup-reports, known 2021-12-31]\n"
    )


def test_asof_json_is_the_documented_shape_with_threads_sorted_by_slug() -> None:
    doc = json.loads(asof_json(D("2022-02-02"), list(_states("2022-02-02").values())))
    assert list(doc) == ["as_of", "threads"]
    assert doc["as_of"] == "2022-02-02"
    assert [t["thread"] for t in doc["threads"]] == [ARMS, GUARANTEES, TROOPS]
    guarantees = doc["threads"][1]
    # the replies' content is public now; the retracted rumour no longer counts
    assert guarantees == {
        "thread": GUARANTEES,
        "title": "Russia–US/NATO security guarantees",
        "status": "stalled",
        "parties": ["El País", "NATO", "Russia", "United States"],
        "positions": [
            {
                "actor": "NATO",
                "issue": "NATO enlargement",
                "stance": "open-door policy reaffirmed",
                "since": "2022-01-26",
                "event": "replies-open-door",
            },
            {
                "actor": "Russia",
                "issue": "NATO enlargement",
                "stance": "guarantee that Ukraine never joins is mandatory",
                "since": "2022-01-10",
                "event": "geneva-ssd",
            },
            {
                "actor": "Russia",
                "issue": "US and NATO written replies",
                "stance": "fundamental Russian concerns ignored",
                "since": "2022-02-01",
                "event": "putin-concerns-ignored",
            },
            {
                "actor": "United States",
                "issue": "NATO enlargement",
                "stance": "open-door policy reaffirmed",
                "since": "2022-01-26",
                "event": "replies-open-door",
            },
        ],
        "events": 6,
        "first": {
            "id": "russia-draft-treaties",
            "date": "2021-12-17",
            "known": "2021-12-17",
            "type": "demand",
            "title": "Russia publishes draft security treaties with the US and with NATO members",
        },
        "last": {
            "id": "el-pais-publishes",
            "date": "2022-02-02",
            "known": "2022-02-02",
            "type": "disclosure",
            "title": "El País publishes the confidential US and NATO written replies",
        },
        "upcoming": [],
        "types": {"response": 2, "demand": 1, "disclosure": 1, "statement": 1, "talks": 1},
        "earlier": [  # latest known first: the replies' content became public today
            {
                "id": "replies-open-door",
                "date": "2022-01-26",
                "known": "2022-02-02",
                "type": "response",
                "title": "US and NATO written replies reaffirm NATO's open door",
            },
            {
                "id": "putin-concerns-ignored",
                "date": "2022-02-01",
                "known": "2022-02-01",
                "type": "statement",
                "title": "Putin says the US and NATO replies ignored Russia's fundamental concerns",
            },
        ],
    }
    # keys in the documented order
    assert list(doc["threads"][0]) == [
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


def test_asof_markdown_has_a_heading_a_summary_list_and_a_positions_table() -> None:
    state = _states("2022-02-02")[GUARANTEES]
    assert asof_markdown(D("2022-02-02"), [state]) == (
        "# As of 2022-02-02\n"
        "\n"
        "_What was publicly known by the end of that day._\n"
        "\n"
        "## Russia–US/NATO security guarantees (`russia-nato-security-guarantees`)\n"
        "\n"
        "- **Status:** stalled\n"
        "- **Parties:** El País, NATO, Russia, United States\n"
        "- **Events known:** 6 (2021-12-17 … 2022-02-02)\n"
        "- **By type:** 2 response, 1 demand, 1 disclosure, 1 statement, 1 talks\n"
        "- **Last:** 2022-02-02 — disclosure — El País publishes the confidential US and NATO "
        "written replies\n"
        "- **Before that:** 2022-01-26 — response — US and NATO written replies reaffirm NATO's "
        "open door (known 2022-02-02)\n"
        "- **Before that:** 2022-02-01 — statement — Putin says the US and NATO replies ignored "
        "Russia's fundamental concerns\n"
        "\n"
        "| Actor | Issue | Stance | Since | Event |\n"
        "|---|---|---|---|---|\n"
        "| NATO | NATO enlargement | open-door policy reaffirmed | 2022-01-26 "
        "| `replies-open-door` |\n"
        "| Russia | NATO enlargement | guarantee that Ukraine never joins is mandatory "
        "| 2022-01-10 | `geneva-ssd` |\n"
        "| Russia | US and NATO written replies | fundamental Russian concerns ignored "
        "| 2022-02-01 | `putin-concerns-ignored` |\n"
        "| United States | NATO enlargement | open-door policy reaffirmed | 2022-01-26 "
        "| `replies-open-door` |\n"
    )


def test_asof_markdown_escapes_pipes_so_a_stance_cannot_break_the_table() -> None:
    state = _states("2022-01-10")[GUARANTEES]
    us = state.positions[1]
    assert (us.actor, us.event) == ("United States", "geneva-ssd")
    state = replace(state, positions=(replace(us, stance="open door | no Russian veto"),))
    lines = asof_markdown(D("2022-01-10"), [state]).splitlines()
    assert lines[-1] == (
        "| United States | NATO enlargement | open door \\| no Russian veto | 2022-01-10 "
        "| `geneva-ssd` |"
    )


def test_asof_on_a_day_before_anything_was_known_says_so() -> None:
    day = D("2019-12-30")  # the INF Treaty's end (dated 2019) counts as known from 31 December
    assert _states("2019-12-30") == {}
    expected = "Nothing recorded here was publicly known by the end of 2019-12-30.\n"
    assert asof_text(day, []) == expected
    assert asof_markdown(day, []) == expected


def test_an_empty_database_gets_a_hint_on_how_to_record_events() -> None:
    day = D("2022-02-02")
    assert asof_text(day, [], empty=True) == HINT
    assert asof_markdown(day, [], empty=True) == HINT
    assert threads_text([]) == HINT
    assert log_text([], empty=True) == HINT


# ---- threads --------------------------------------------------------------------------------


def test_threads_text_is_a_table_aligned_on_the_longest_slug() -> None:
    assert threads_text(list(_states().values())) == (
        "THREAD                                  STATUS       EVENTS  FIRST       LAST        "
        "TITLE\n"
        "arms-control-missile-deployment         negotiating       2  2019        2022-01-26  "
        "Arms control and missile deployment in Europe\n"
        "russia-nato-security-guarantees         stalled           6  2021-12-17  2022-02-02  "
        "Russia–US/NATO security guarantees\n"
        "russian-troops-georgia-moldova-ukraine  open              1  2021-12~    2021-12~    "
        "Russian troops in Ukraine, Georgia and Moldova\n"
    )


def test_a_thread_without_a_title_leaves_no_trailing_space_in_threads_text() -> None:
    state = replace(_states()[ARMS], title=None)
    assert threads_text([state]).splitlines()[1] == (
        "arms-control-missile-deployment  negotiating       2  2019        2022-01-26"
    )


def test_threads_json_lists_each_thread_with_its_first_and_last_event() -> None:
    doc = json.loads(threads_json(list(_states().values())))
    assert [(t["thread"], t["status"], t["events"]) for t in doc["threads"]] == [
        (ARMS, "negotiating", 2),
        (GUARANTEES, "stalled", 6),
        (TROOPS, "open", 1),
    ]
    assert doc["threads"][0] == {
        "thread": ARMS,
        "title": "Arms control and missile deployment in Europe",
        "status": "negotiating",
        "events": 2,
        "first": {
            "id": "inf-treaty-ends",
            "date": "2019",
            "known": "2019-12-31",
            "type": "withdrawal",
            "title": "The United States withdraws from the INF Treaty, which ends",
        },
        "last": {
            "id": "us-arms-control-offer",
            "date": "2022-01-26",
            "known": "2022-02-02",
            "type": "offer",
            "title": "US reply offers talks on a new nuclear arms control deal and on missiles "
            "in Europe",
        },
    }
    assert json.loads(threads_json([])) == {"threads": []}


# ---- log ------------------------------------------------------------------------------------


def test_log_text_of_views_marks_corrected_and_retracted_events() -> None:
    assert log_text(annotate(GUARANTEES_RECORDS)) == (
        "2021-12-17  demand           russia-nato-security-guarantees/russia-draft-treaties\n"
        "            Russia — Russia publishes draft security treaties with the US and with NATO "
        "members\n"
        "2022-01-10  talks            russia-nato-security-guarantees/geneva-ssd\n"
        "            United States, Russia — US–Russia Strategic Stability Dialogue in Geneva "
        "discusses Russia's demands\n"
        "2022-01-26  response         russia-nato-security-guarantees/replies-delivered\n"
        "            United States, NATO — US and NATO deliver written replies to Russia, kept "
        "confidential\n"
        "2022-01-26  response         russia-nato-security-guarantees/replies-open-door"
        "  (known 2022-02-02)  [corrected]\n"
        "            United States, NATO — US and NATO replies reaffirm NATO's open-door policy\n"
        "2022-01-27  disclosure       russia-nato-security-guarantees/replies-leak-rumour"
        "  [RETRACTED]\n"
        "            Russia — Russian media report the replies' contents\n"
        "            retracted (known 2022-02-02): Not borne out by the texts El País published\n"
        "2022-02-01  statement        russia-nato-security-guarantees/putin-concerns-ignored\n"
        "            Russia — Putin says the US and NATO replies ignored Russia's fundamental "
        "concerns\n"
        "2022-02-02  disclosure       russia-nato-security-guarantees/el-pais-publishes"
        "  [corrected]\n"
        "            El País — El País publishes the confidential US and NATO written replies\n"
    )


def test_log_text_counts_corrections_of_one_event() -> None:
    again = Correction(
        GUARANTEES,
        "replies-open-door-reworded-again",
        OPEN_DOOR.key,
        {"title": "US and NATO replies keep NATO's door open"},
        D("2022-02-04"),
    )
    records = _log(*(r.entry for r in GUARANTEES_RECORDS), again)
    view = _views(records)["replies-open-door"]
    assert log_text([view]) == (
        "2022-01-26  response         russia-nato-security-guarantees/replies-open-door"
        "  (known 2022-02-02)  [corrected x2]\n"
        "            United States, NATO — US and NATO replies keep NATO's door open\n"
    )


def test_log_text_of_records_shows_corrections_and_retractions_as_appended() -> None:
    # an amendment "happens" on its known day; a data-entry fix's is its target's
    assert log_text(RECORDS[6:10]) == (
        "2022-02-20  disclosure       russia-nato-security-guarantees/el-pais-publishes\n"
        "            El País — El País publishes the confidential US and NATO written replies\n"
        "2022-02-20  correction       russia-nato-security-guarantees/el-pais-publishes-fix\n"
        "            corrects russia-nato-security-guarantees/el-pais-publishes — "
        "date: 2022-02-02\n"
        "2022-02-03  correction       russia-nato-security-guarantees/replies-open-door-reworded\n"
        "            corrects russia-nato-security-guarantees/replies-open-door — "
        "title: US and NATO replies reaffirm NATO's open-door policy\n"
        "2022-02-02  retraction       russia-nato-security-guarantees/replies-leak-rumour-"
        "retracted\n"
        "            retracts russia-nato-security-guarantees/replies-leak-rumour — "
        "Not borne out by the texts El País published\n"
    )


def test_log_text_with_nothing_to_show_says_so() -> None:
    assert log_text([]) == "No events match.\n"


def test_log_json_of_views_says_which_records_corrected_or_retracted_each_event() -> None:
    views = _views()
    items = [views["replies-open-door"], views["replies-leak-rumour"], views["el-pais-publishes"]]
    open_door, rumour, el_pais = json.loads(log_json(items))
    assert open_door == {
        "seq": 4,
        "version": 4,
        "recorded_at": "2026-11-04T09:00:00.000000Z",
        "thread": GUARANTEES,
        "id": "replies-open-door",
        "date": "2022-01-26",
        "known": "2022-02-02",
        "known_given": True,
        "type": "response",
        "actors": ["United States", "NATO"],
        "title": "US and NATO replies reaffirm NATO's open-door policy",
        "summary": "Both texts, published on 2 February, reaffirm NATO's open-door policy.",
        "sources": [
            {"name": "El País", "date": "2022-02-02"},
            {"name": "JAMnews", "url": JAMNEWS, "date": "2022-02-02"},
        ],
        "positions": [
            {
                "actor": "United States",
                "issue": "NATO enlargement",
                "stance": "open-door policy reaffirmed",
            },
            {"actor": "NATO", "issue": "NATO enlargement", "stance": "open-door policy reaffirmed"},
        ],
        "refs": [f"{GUARANTEES}/replies-delivered"],
        "corrected_by": [f"{GUARANTEES}/replies-open-door-reworded"],
    }
    assert rumour["retracted"] == {
        "by": f"{GUARANTEES}/replies-leak-rumour-retracted",
        "reason": "Not borne out by the texts El País published",
        "known": "2022-02-02",
    }
    assert "corrected_by" not in rumour and "kind" not in rumour
    # the corrected date, and the known day that followed it
    assert (el_pais["date"], el_pais["known"], el_pais["known_given"]) == (
        "2022-02-02",
        "2022-02-02",
        False,
    )
    assert el_pais["corrected_by"] == [f"{GUARANTEES}/el-pais-publishes-fix"]
    assert "retracted" not in el_pais


def test_log_json_of_records_gives_each_amendment_its_kind_and_fields() -> None:
    el_pais, fix, reworded, withdrawn = json.loads(log_json(RECORDS[6:10]))
    assert el_pais["date"] == "2022-02-20" and "kind" not in el_pais
    assert fix == {
        "seq": 8,
        "version": 8,
        "recorded_at": "2026-11-08T09:00:00.000000Z",
        "kind": "correction",
        "thread": GUARANTEES,
        "id": "el-pais-publishes-fix",
        "corrects": f"{GUARANTEES}/el-pais-publishes",
        "set": {"date": "2022-02-02"},
        "note": "typo in the day",
        "known": "2022-02-20",
        "known_given": False,
    }
    assert (reworded["kind"], reworded["known"], reworded["known_given"]) == (
        "correction",
        "2022-02-03",
        True,
    )
    assert withdrawn == {
        "seq": 10,
        "version": 10,
        "recorded_at": "2026-11-10T09:00:00.000000Z",
        "kind": "retraction",
        "thread": GUARANTEES,
        "id": "replies-leak-rumour-retracted",
        "retracts": f"{GUARANTEES}/replies-leak-rumour",
        "reason": "Not borne out by the texts El País published",
        "known": "2022-02-02",
        "known_given": True,
    }


def test_log_json_shows_the_thread_title_on_the_record_that_set_it() -> None:
    first, second = json.loads(log_json(RECORDS[:2]))
    assert first["thread_title"] == "Russia–US/NATO security guarantees"
    assert "thread_title" not in second


def test_log_jsonl_is_one_compact_object_a_line_with_what_log_json_gives() -> None:
    for items in (annotate(GUARANTEES_RECORDS), RECORDS):
        text = log_jsonl(items)
        lines = text.splitlines()
        assert text.endswith("\n") and len(lines) == len(items)
        assert [json.loads(line) for line in lines] == json.loads(log_json(items))
    assert log_jsonl(RECORDS[9:10]) == (
        '{"seq":10,"version":10,"recorded_at":"2026-11-10T09:00:00.000000Z","kind":"retraction",'
        '"thread":"russia-nato-security-guarantees","id":"replies-leak-rumour-retracted",'
        '"retracts":"russia-nato-security-guarantees/replies-leak-rumour",'
        '"reason":"Not borne out by the texts El País published","known":"2022-02-02",'
        '"known_given":true}\n'
    )
    assert log_jsonl([]) == ""


# ---- history and diff -----------------------------------------------------------------------


def test_history_text_tells_the_story_in_the_order_it_became_known() -> None:
    assert history_text(history_of(GUARANTEES, GUARANTEES_RECORDS)) == (
        "russia-nato-security-guarantees — Russia–US/NATO security guarantees\n"
        "In the order it became known. date: when it happened · known: when it became public"
        " · recorded: when this database got it\n"
        "\n"
        "2021-12-17  demand         russia-draft-treaties\n"
        "    Russia publishes draft security treaties with the US and with NATO members\n"
        "    known 2021-12-17 · recorded 2026-11-01T09:00:00.000000Z · seq 1\n"
        "\n"
        "2022-01-10  talks          geneva-ssd\n"
        "    US–Russia Strategic Stability Dialogue in Geneva discusses Russia's demands\n"
        "    known 2022-01-10 · recorded 2026-11-02T09:00:00.000000Z · seq 2\n"
        "    status: open → negotiating\n"
        "\n"
        "2022-01-26  response       replies-delivered\n"
        "    US and NATO deliver written replies to Russia, kept confidential\n"
        "    known 2022-01-26 · recorded 2026-11-03T09:00:00.000000Z · seq 3\n"
        "\n"
        "2022-01-27  disclosure     replies-leak-rumour  [RETRACTED]\n"
        "    Russian media report the replies' contents\n"
        "    known 2022-01-27 · recorded 2026-11-05T09:00:00.000000Z · seq 5\n"
        "    retracted by replies-leak-rumour-retracted (known 2022-02-02, recorded "
        "2026-11-10T09:00:00.000000Z): Not borne out by the texts El País published\n"
        "\n"
        "2022-02-01  statement      putin-concerns-ignored\n"
        "    Putin says the US and NATO replies ignored Russia's fundamental concerns\n"
        "    known 2022-02-01 · recorded 2026-11-06T09:00:00.000000Z · seq 6\n"
        "    status: negotiating → stalled\n"
        "\n"
        "2022-01-26  response       replies-open-door\n"
        "    US and NATO replies reaffirm NATO's open-door policy\n"
        "    known 2022-02-02 · recorded 2026-11-04T09:00:00.000000Z · seq 4\n"
        "    corrected by replies-open-door-reworded (known 2022-02-03, recorded "
        "2026-11-09T09:00:00.000000Z): title → US and NATO replies reaffirm NATO's open-door "
        "policy\n"
        "    as first recorded: title: US and NATO written replies reaffirm NATO's open door\n"
        "\n"
        "2022-02-02  disclosure     el-pais-publishes\n"
        "    El País publishes the confidential US and NATO written replies\n"
        "    known 2022-02-02 · recorded 2026-11-07T09:00:00.000000Z · seq 7\n"
        "    corrected by el-pais-publishes-fix (known 2022-02-20, recorded "
        "2026-11-08T09:00:00.000000Z): date → 2022-02-02\n"
        "      note: typo in the day\n"
        "    as first recorded: date: 2022-02-20\n"
    )


def test_history_text_shows_a_withdrawn_correction_under_its_event() -> None:
    wrong_fix = Correction(
        GUARANTEES, "delivered-date-fix", DELIVERED.key, {"date": "2022-01-25"}, D("2022-01-28")
    )
    undo = Retraction(
        GUARANTEES,
        "delivered-date-fix-withdrawn",
        wrong_fix.key,
        "Sullivan delivered the reply on the 26th",
        D("2022-01-29"),
    )
    records = _log(DRAFTS, DELIVERED, wrong_fix, undo)
    lines = history_text(history_of(GUARANTEES, records)).splitlines()
    assert lines[-6:] == [
        "2022-01-26  response       replies-delivered",
        "    US and NATO deliver written replies to Russia, kept confidential",
        "    known 2022-01-26 · recorded 2026-11-02T09:00:00.000000Z · seq 2",
        "    corrected by delivered-date-fix (known 2022-01-28, recorded "
        "2026-11-03T09:00:00.000000Z): date → 2022-01-25",
        "      withdrawn by delivered-date-fix-withdrawn (known 2022-01-29, recorded "
        "2026-11-04T09:00:00.000000Z): Sullivan delivered the reply on the 26th",
        "    as first recorded: date: 2022-01-26",
    ]


def test_diff_text_names_what_became_known_when_el_pais_published() -> None:
    diff = compute_diff(RECORDS, D("2022-02-01"), D("2022-02-03"))
    assert diff_text(diff) == (
        "What became known after 2022-02-01, up to 2022-02-03:\n"
        "\n"
        "arms-control-missile-deployment — Arms control and missile deployment in Europe\n"
        "  status: terminated → negotiating\n"
        "  newly known:\n"
        "    2022-01-26 offer         us-arms-control-offer: US reply offers talks on a new "
        "nuclear arms control deal and on missiles in Europe\n"
        "\n"
        "russia-nato-security-guarantees — Russia–US/NATO security guarantees\n"
        "  positions:\n"
        "    + NATO on NATO enlargement: open-door policy reaffirmed"
        "  [since 2022-01-26, replies-open-door]\n"
        "    ~ United States on NATO enlargement: closing NATO's open door is a non-starter → "
        "open-door policy reaffirmed  [since 2022-01-26, replies-open-door]\n"
        "  newly known:\n"
        "    2022-01-26 response      replies-open-door: US and NATO replies reaffirm NATO's "
        "open-door policy\n"
        "    2022-02-02 disclosure    el-pais-publishes: El País publishes the confidential US "
        "and NATO written replies\n"
        "  retracted:\n"
        "    2022-01-27 replies-leak-rumour: Russian media report the replies' contents — "
        "Not borne out by the texts El País published\n"
    )


def test_diff_text_of_a_correction_names_the_fields_it_changed() -> None:
    diff = compute_diff(RECORDS, D("2022-02-02"), D("2022-02-03"))
    assert diff_text(diff) == (
        "What became known after 2022-02-02, up to 2022-02-03:\n"
        "\n"
        "russia-nato-security-guarantees — Russia–US/NATO security guarantees\n"
        "  corrected:\n"
        "    2022-01-26 replies-open-door: title\n"
    )


def test_diff_text_says_nothing_when_nothing_became_known() -> None:
    # the typo'd 20 February is not news: the data-entry fix applies in every view
    diff = compute_diff(RECORDS, D("2022-02-03"), D("2022-02-28"))
    assert diff_text(diff) == "What became known after 2022-02-03, up to 2022-02-28: nothing.\n"


def test_diff_json_gives_status_and_position_changes_from_the_geneva_talks() -> None:
    doc = json.loads(diff_json(compute_diff(RECORDS, D("2021-12-31"), D("2022-01-10"))))
    assert doc == {
        "from": "2021-12-31",
        "to": "2022-01-10",
        "threads": [
            {
                "thread": GUARANTEES,
                "title": "Russia–US/NATO security guarantees",
                "change": "changed",
                "status": {"from": "open", "to": "negotiating"},
                "positions": {
                    "added": [
                        {
                            "actor": "United States",
                            "issue": "NATO enlargement",
                            "stance": "closing NATO's open door is a non-starter",
                            "since": "2022-01-10",
                            "event": "geneva-ssd",
                        }
                    ],
                    "changed": [
                        {
                            "actor": "Russia",
                            "issue": "NATO enlargement",
                            "from": {
                                "stance": "no further enlargement",
                                "since": "2021-12-17",
                                "event": "russia-draft-treaties",
                            },
                            "to": {
                                "stance": "guarantee that Ukraine never joins is mandatory",
                                "since": "2022-01-10",
                                "event": "geneva-ssd",
                            },
                        }
                    ],
                    "dropped": [],
                },
                "events": {
                    "known": [
                        {
                            "id": "geneva-ssd",
                            "date": "2022-01-10",
                            "known": "2022-01-10",
                            "type": "talks",
                            "title": "US–Russia Strategic Stability Dialogue in Geneva discusses "
                            "Russia's demands",
                        }
                    ],
                    "retracted": [],
                    "corrected": [],
                },
            }
        ],
    }


def test_diff_json_lists_retracted_and_corrected_events_with_why() -> None:
    doc = json.loads(diff_json(compute_diff(RECORDS, D("2022-02-01"), D("2022-02-03"))))
    guarantees = doc["threads"][1]
    assert guarantees["events"]["retracted"] == [
        {
            "id": "replies-leak-rumour",
            "date": "2022-01-27",
            "known": "2022-01-27",
            "type": "disclosure",
            "title": "Russian media report the replies' contents",
            "reason": "Not borne out by the texts El País published",
        }
    ]
    doc = json.loads(diff_json(compute_diff(RECORDS, D("2022-02-02"), D("2022-02-03"))))
    assert doc["threads"][0]["events"]["corrected"] == [
        {
            "id": "replies-open-door",
            "date": "2022-01-26",
            "known": "2022-02-02",
            "type": "response",
            "title": "US and NATO replies reaffirm NATO's open-door policy",
            "fields": ["title"],
        }
    ]


def test_diff_json_marks_threads_that_appeared() -> None:
    doc = json.loads(diff_json(compute_diff(RECORDS, D("2019-12-30"), D("2021-12-17"))))
    assert [(t["thread"], t["change"], t["status"]) for t in doc["threads"]] == [
        (ARMS, "appeared", None),
        (GUARANTEES, "appeared", None),
    ]
    assert [e["id"] for t in doc["threads"] for e in t["events"]["known"]] == [
        "inf-treaty-ends",
        "russia-draft-treaties",
    ]


# ---- iCalendar ------------------------------------------------------------------------------


def _calendar() -> Calendar:
    data = calendar(annotate(RECORDS), "Russia–NATO 2022", "What was publicly known, and when")
    return Calendar.from_ical(data)


def _vevents() -> dict[str, Any]:
    return {str(e["uid"]): e for e in _calendar().walk("VEVENT")}


def test_the_calendar_names_itself_and_has_no_method() -> None:
    cal = _calendar()
    assert str(cal["version"]) == "2.0"
    assert str(cal["prodid"]) == f"-//timeline//timeline {__version__}//EN"
    assert str(cal["calscale"]) == "GREGORIAN"
    assert str(cal["name"]) == str(cal["x-wr-calname"]) == "Russia–NATO 2022"
    assert cal.decoded("description") == "What was publicly known, and when"
    # X- properties are TEXT: the comma is escaped, as in DESCRIPTION
    assert str(cal["x-wr-caldesc"]) == "What was publicly known\\, and when"
    assert cal.decoded("refresh-interval") == dt.timedelta(days=1)
    assert str(cal["x-published-ttl"]) == "P1D"
    assert "method" not in cal


def test_the_calendar_has_one_all_day_transparent_event_per_event_in_date_order() -> None:
    events = _calendar().walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [
        f"{ARMS}/inf-treaty-ends@timeline",
        f"{TROOPS}/troop-buildup-reports@timeline",
        f"{GUARANTEES}/russia-draft-treaties@timeline",
        f"{GUARANTEES}/geneva-ssd@timeline",
        f"{ARMS}/us-arms-control-offer@timeline",
        f"{GUARANTEES}/replies-delivered@timeline",
        f"{GUARANTEES}/replies-open-door@timeline",
        f"{GUARANTEES}/replies-leak-rumour@timeline",
        f"{GUARANTEES}/putin-concerns-ignored@timeline",
        f"{GUARANTEES}/el-pais-publishes@timeline",
    ]
    for e in events:
        assert type(e.decoded("dtstart")) is dt.date and type(e.decoded("dtend")) is dt.date
        assert str(e["transp"]) == "TRANSPARENT"


def test_a_calendar_event_for_a_day_spans_that_day_and_describes_the_event() -> None:
    delivered = _vevents()[f"{GUARANTEES}/replies-delivered@timeline"]
    assert delivered.decoded("dtstart") == D("2022-01-26")
    assert delivered.decoded("dtend") == D("2022-01-27")
    assert str(delivered["summary"]) == (
        "US and NATO deliver written replies to Russia, kept confidential"
    )
    assert delivered.decoded("description") == (
        "Date: 2022-01-26\n"
        "Publicly known: 2022-01-26\n"
        "Type: response\n"
        "Actors: United States, NATO\n"
        "Sources:\n"
        f"- NATO (2022-01-26): {NATO_NEWS}\n"
        f"Thread: {GUARANTEES}"
    )
    assert str(delivered["url"]) == NATO_NEWS
    assert [str(c) for c in delivered["categories"].cats] == [GUARANTEES, "response"]
    assert str(delivered["status"]) == "CONFIRMED"
    assert delivered.decoded("sequence") == 0
    recorded = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    for name in ("dtstamp", "created", "last-modified"):
        assert delivered.decoded(name) == recorded
    assert (str(delivered["x-timeline-edtf"]), str(delivered["x-timeline-known"])) == (
        "2022-01-26",
        "2022-01-26",
    )


def test_imprecise_dates_span_their_month_or_show_on_new_years_day_and_say_so() -> None:
    events = _vevents()
    buildup = events[f"{TROOPS}/troop-buildup-reports@timeline"]
    assert (buildup.decoded("dtstart"), buildup.decoded("dtend")) == (
        D("2021-12-01"),
        D("2022-01-01"),
    )
    assert str(buildup["summary"]) == (
        "Western and Ukrainian officials report about 100,000 Russian troops massed near "
        "Ukraine (Dec 2021, day unknown, approximate)"
    )
    assert str(buildup["status"]) == "TENTATIVE"
    assert str(buildup["x-timeline-edtf"]) == "2021-12~"
    inf = events[f"{ARMS}/inf-treaty-ends@timeline"]
    assert (inf.decoded("dtstart"), inf.decoded("dtend")) == (D("2019-01-01"), D("2019-01-02"))
    assert str(inf["summary"]) == (
        "The United States withdraws from the INF Treaty, which ends (2019, date unknown)"
    )
    assert str(inf["status"]) == "CONFIRMED"
    assert inf.decoded("description").startswith(
        "Date: 2019 (2019, date unknown)\nPublicly known: 2019-12-31\n"
    )


def test_a_retracted_event_stays_in_the_calendar_as_cancelled() -> None:
    rumour = _vevents()[f"{GUARANTEES}/replies-leak-rumour@timeline"]
    assert str(rumour["summary"]) == "[RETRACTED] Russian media report the replies' contents"
    assert str(rumour["status"]) == "CANCELLED"
    assert rumour.decoded("sequence") == 1
    assert rumour.decoded("created") == dt.datetime(2026, 11, 5, 9, 0, tzinfo=dt.UTC)
    assert rumour.decoded("last-modified") == dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)
    assert rumour.decoded("description") == (
        "RETRACTED (known 2022-02-02): Not borne out by the texts El País published\n"
        "\n"
        "Date: 2022-01-27\n"
        "Publicly known: 2022-01-27\n"
        "Type: disclosure\n"
        "Actors: Russia\n"
        f"Thread: {GUARANTEES}"
    )


def test_a_corrected_event_shows_its_corrected_values_and_when_it_changed() -> None:
    events = _vevents()
    el_pais = events[f"{GUARANTEES}/el-pais-publishes@timeline"]
    assert el_pais.decoded("dtstart") == D("2022-02-02")
    assert el_pais.decoded("sequence") == 1
    assert el_pais.decoded("created") == dt.datetime(2026, 11, 7, 9, 0, tzinfo=dt.UTC)
    assert el_pais.decoded("dtstamp") == dt.datetime(2026, 11, 8, 9, 0, tzinfo=dt.UTC)
    assert el_pais.decoded("description").endswith(
        "Corrected on 2026-11-08: date (typo in the day)\nThread: " + GUARANTEES
    )
    open_door = events[f"{GUARANTEES}/replies-open-door@timeline"]
    assert str(open_door["summary"]) == "US and NATO replies reaffirm NATO's open-door policy"
    # the first source with a URL, though it is not the first source
    assert str(open_door["url"]) == JAMNEWS
    assert str(open_door["x-timeline-known"]) == "2022-02-02"
    assert open_door.decoded("description") == (
        "Both texts, published on 2 February, reaffirm NATO's open-door policy.\n"
        "\n"
        "Date: 2022-01-26\n"
        "Publicly known: 2022-02-02\n"
        # parties know their own acts: the senders knew it the day it happened
        "Known before that to: NATO (2022-01-26), United States (2022-01-26)\n"
        "Type: response\n"
        "Actors: United States, NATO\n"
        "Positions:\n"
        "- United States on NATO enlargement: open-door policy reaffirmed\n"
        "- NATO on NATO enlargement: open-door policy reaffirmed\n"
        "Sources:\n"
        "- El País (2022-02-02)\n"
        f"- JAMnews (2022-02-02): {JAMNEWS}\n"
        "Corrected on 2026-11-09: title\n"
        f"Thread: {GUARANTEES}"
    )


def test_the_calendar_is_crlf_folded_at_75_octets_and_the_same_on_every_export() -> None:
    items = annotate(RECORDS)
    data = calendar(items, "Russia–NATO 2022", "What was publicly known, and when")
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")
    assert all(b"\n" not in line and len(line) <= 75 for line in lines)
    assert calendar(items, "Russia–NATO 2022", "What was publicly known, and when") == data


# ---- TimelineJS -----------------------------------------------------------------------------


def _timeline() -> dict[str, Any]:
    text = timeline_json(annotate(RECORDS), "US & NATO <replies>", "What was known, and when")
    doc: dict[str, Any] = json.loads(text)
    return doc


def _slides() -> dict[str, dict[str, Any]]:
    return {s["unique_id"]: s for s in _timeline()["events"]}


def test_the_timeline_has_an_escaped_title_and_one_slide_per_unretracted_event() -> None:
    doc = _timeline()
    assert doc["title"] == {
        "text": {"headline": "US &amp; NATO &lt;replies&gt;", "text": "What was known, and when"}
    }
    assert [s["unique_id"] for s in doc["events"]] == [
        f"{ARMS}_inf-treaty-ends",
        f"{TROOPS}_troop-buildup-reports",
        f"{GUARANTEES}_russia-draft-treaties",
        f"{GUARANTEES}_geneva-ssd",
        f"{ARMS}_us-arms-control-offer",
        f"{GUARANTEES}_replies-delivered",
        f"{GUARANTEES}_replies-open-door",
        f"{GUARANTEES}_putin-concerns-ignored",
        f"{GUARANTEES}_el-pais-publishes",
    ]
    assert {s["group"] for s in doc["events"]} == {ARMS, TROOPS, GUARANTEES}


def test_timeline_slides_are_as_precise_as_their_dates() -> None:
    slides = _slides()
    assert [
        (slides[key]["start_date"], slides[key]["display_date"])
        for key in (
            f"{ARMS}_inf-treaty-ends",
            f"{TROOPS}_troop-buildup-reports",
            f"{GUARANTEES}_el-pais-publishes",  # the corrected day, not the typo
        )
    ] == [
        ({"year": 2019}, "2019 (2019, date unknown)"),
        ({"year": 2021, "month": 12}, "2021-12~ (Dec 2021, day unknown, approximate)"),
        ({"year": 2022, "month": 2, "day": 2}, "2022-02-02"),
    ]


def test_a_slide_carries_summary_positions_and_sources_as_html() -> None:
    # El País, the first source, has no URL: no media, though JAMnews has one
    assert _slides()[f"{GUARANTEES}_replies-open-door"] == {
        "start_date": {"year": 2022, "month": 1, "day": 26},
        "display_date": "2022-01-26",
        "text": {
            "headline": "US and NATO replies reaffirm NATO's open-door policy",
            "text": "<p>Both texts, published on 2 February, reaffirm NATO's open-door policy.</p>"
            "<p>United States, NATO · response · publicly known 2022-02-02; known to NATO "
            "on 2022-01-26; known to United States on 2022-01-26</p>"
            "<ul><li>United States on NATO enlargement: open-door policy reaffirmed</li>"
            "<li>NATO on NATO enlargement: open-door policy reaffirmed</li></ul>"
            f'<p>Sources: El País, <a href="{JAMNEWS}">JAMnews</a></p>',
        },
        "group": GUARANTEES,
        "unique_id": f"{GUARANTEES}_replies-open-door",
    }


def test_a_slide_whose_first_source_is_a_web_address_shows_it_as_media() -> None:
    slide = _slides()[f"{GUARANTEES}_replies-delivered"]
    assert slide["media"] == {"url": NATO_NEWS, "caption": "NATO"}
    assert slide["text"]["text"] == (
        "<p>United States, NATO · response · publicly known 2022-01-26</p>"
        f'<p>Sources: <a href="{NATO_NEWS}">NATO</a></p>'
    )


# ---- the backup -----------------------------------------------------------------------------


def test_a_backup_written_and_read_back_gives_the_same_records(tmp_path: Path) -> None:
    path = tmp_path / "backup.jsonl"
    path.write_text(backup_text(RECORDS), encoding="utf-8")
    with path.open(encoding="utf-8") as lines:
        records, problems = read_backup(lines, "backup.jsonl")
    assert problems == []
    assert records == RECORDS
    assert [r.kind for r in records[6:10]] == ["event", "correction", "correction", "retraction"]


def test_a_backup_line_holds_the_record_as_stored() -> None:
    line = backup_line(RECORDS[7])
    assert line.endswith("}\n") and line.count("\n") == 1
    obj = json.loads(line)
    assert list(obj) == [
        "seq",
        "version",
        "recorded_at",
        "kind",
        "thread",
        "id",
        "thread_title",
        "payload",
        "prev_hash",
        "hash",
    ]
    assert obj["payload"] == entry_to_payload(DAY_FIX)
    assert (obj["seq"], obj["version"], obj["kind"], obj["id"]) == (
        8,
        8,
        "correction",
        "el-pais-publishes-fix",
    )
    assert obj["prev_hash"] == RECORDS[6].hash
    assert obj["hash"] == record_hash(
        "correction",
        canonical(obj["payload"]),
        obj["prev_hash"],
        "2026-11-08T09:00:00.000000Z",
        None,
    )


def test_a_tampered_backup_line_is_refused_with_its_line_number() -> None:
    lines = [backup_line(r) for r in RECORDS]
    lines[3] = lines[3].replace("open door", "closed door")  # replies-open-door, seq 4
    records, problems = read_backup(lines, "backup.jsonl")
    assert [r.seq for r in records] == [1, 2, 3, *range(5, 14)]
    # the record is refused; without it, the chain has a gap where it was
    assert [str(p) for p in problems] == [
        "backup.jsonl:4: its hash does not match its content: the backup was altered",
        f"backup.jsonl:5: {GUARANTEES}/replies-leak-rumour: deleted row: seq 4 missing before "
        "seq 5",
        f"backup.jsonl:5: {GUARANTEES}/replies-leak-rumour: deleted row: version 4 of "
        f"{GUARANTEES} is missing before version 5",
    ]


def test_blank_lines_in_a_backup_are_skipped_but_counted_in_line_numbers() -> None:
    lines = [
        backup_line(RECORDS[0]),
        "\n",
        backup_line(RECORDS[1]),
        "   \n",
        backup_line(RECORDS[2]),
        trailer_line(RECORDS[:3]),
    ]
    assert read_backup(lines, "backup.jsonl") == (RECORDS[:3], [])
    lines[4] = lines[4].replace("kept confidential", "made public")
    assert read_backup(lines, "backup.jsonl") == (
        RECORDS[:2],
        [Problem("backup.jsonl", 5, "its hash does not match its content: the backup was altered")],
    )


def test_a_changed_seq_in_a_backup_is_caught_by_the_chain_though_seq_is_not_hashed() -> None:
    lines = [backup_line(r) for r in RECORDS[:3]]
    lines[1] = lines[1].replace('{"seq":2,', '{"seq":20,')  # geneva-ssd
    records, problems = read_backup(lines, "backup.jsonl")
    assert [r.seq for r in records] == [1, 20, 3]
    assert [str(p) for p in problems] == [
        f"backup.jsonl:2: {GUARANTEES}/geneva-ssd: recorded_at goes back: seq 20 "
        "(2026-11-02T09:00:00.000000Z) is recorded before seq 3 (2026-11-03T09:00:00.000000Z)",
        "backup.jsonl: log: deleted row: seq 2 missing before seq 3",
        "backup.jsonl: log: deleted row: seq 4..19 missing before seq 20",
        f"backup.jsonl: {GUARANTEES}: rows reordered: versions do not follow the order of seq",
    ]


@pytest.mark.parametrize("seq", ['"2"', "null"], ids=["text", "null"])
def test_a_backup_line_whose_seq_is_not_a_number_is_refused_with_its_line_number(
    seq: str,
) -> None:
    lines = [backup_line(r) for r in RECORDS[:3]]
    lines[1] = lines[1].replace('{"seq":2,', '{"seq":' + seq + ",")
    records, problems = read_backup(lines, "backup.jsonl")
    assert [r.seq for r in records] == [1, 3]
    assert problems and problems[0].line == 2

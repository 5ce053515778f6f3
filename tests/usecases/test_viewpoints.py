"""Who knew what, when: `known_to`, `--as ACTOR`, `secrets` and `lag`.

The seed story first (the replies handed to Moscow on 26 January 2022, public on
2 February), then the rules of `known_to`, then a hypothesis property over random
histories on each backend: a viewpoint shows a superset of the public view, equals it
for an actor privy to nothing, and `secrets` is exactly what the viewpoints add.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EVENTS, Run, asof_json, examples, make_event
from timeline.core.errors import InvalidEvent, TimelineError
from timeline.core.mapper import entry_from_payload, entry_to_payload
from timeline.core.validate import event_from_input
from timeline.core.viewpoints import knew_early, seen_by
from timeline.usecases import add_event, as_of, log, open_store, record_amendment, secrets

THREAD = "russia-nato-security-guarantees"
REPLIES = {"replies-open-door", "replies-1997-rollback", "replies-dialogue-terms"}
ALL_REPLIES = REPLIES | {
    "replies-withdrawal-call",
    "us-arms-control-offer",
    "us-eastern-europe-assurance",
    "us-ukraine-missiles-forces-offer",
}


def _json(run: Run, *args: str) -> Any:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _unfold(ics: str) -> str:
    """iCalendar text with its folded lines joined again (RFC 5545, 3.1)."""
    return ics.replace("\r\n", "\n").replace("\n ", "")


def _position_events(state: dict[str, Any]) -> set[str]:
    return {p["event"] for p in state["positions"]}


# ---- the seed story ----------------------------------------------------------------------


def test_russia_knew_the_replies_on_28_january_and_the_public_did_not(imported: Run) -> None:
    russia = asof_json(imported, "2022-01-28", "--as", "Russia", "--thread", THREAD)
    public = asof_json(imported, "2022-01-28", "--thread", THREAD)
    assert russia["as"] == "Russia" and "as" not in public
    assert _position_events(russia["threads"][0]) >= REPLIES
    assert not REPLIES & _position_events(public["threads"][0])
    assert russia["threads"][0]["events"] == public["threads"][0]["events"] + 3


def test_once_public_every_viewpoint_knows_the_same_events(imported: Run) -> None:
    public = _json(imported, "log", "--known-by", "2022-02-02")
    for actor in ("Russia", "NATO"):
        seen = _json(imported, "log", "--known-by", "2022-02-02", "--as", actor)
        assert {i["id"] for i in seen} == {i["id"] for i in public}, actor


def test_an_actor_privy_to_nothing_sees_the_public_view(imported: Run) -> None:
    # El País is a party only to its own publication, public the day it happened
    for day in ("2022-01-26", "2022-01-28", "2022-02-02", "2022-02-20"):
        seen = asof_json(imported, day, "--as", "El País")
        assert seen["threads"] == asof_json(imported, day)["threads"], day


def test_secrets_on_28_january_are_the_replies_known_to_russia_the_us_and_nato(
    imported: Run,
) -> None:
    found = _json(imported, "secrets", "2022-01-28")
    assert found["as_of"] == "2022-01-28"
    assert {s["id"] for s in found["secrets"]} == ALL_REPLIES
    for s in found["secrets"]:
        knowers = {k["actor"]: k["since"] for k in s["known_to"]}
        assert knowers == {a: "2022-01-26" for a in ("Russia", "United States", "NATO")}
        assert (s["days_secret"], s["known"]) == (2, "2022-02-02")
    threads = [s["thread"] for s in found["secrets"]]
    assert threads == sorted(threads)  # by thread, then date
    text = imported("secrets", "2022-01-28", "--thread", THREAD).stdout
    assert "known to NATO, Russia, United States since 2022-01-26 (secret 2 days)" in text
    assert "public 2022-02-02" in text


def test_nothing_is_secret_before_the_replies_or_once_they_are_public(imported: Run) -> None:
    assert _json(imported, "secrets", "2022-01-25")["secrets"] == []
    assert _json(imported, "secrets", "2022-02-02")["secrets"] == []
    assert "Nothing recorded here was known" in imported("secrets", "2022-02-02").stdout


def test_lag_of_the_security_guarantees_thread_is_seven_days(imported: Run) -> None:
    found = _json(imported, "lag", "--thread", THREAD)["threads"]
    assert len(found) == 1
    lag = found[0]
    assert (lag["events"], lag["median_days"], lag["max_days"]) == (3, 7, 7)
    assert {e["id"] for e in lag["longest"]} == REPLIES
    assert all(e["lag_days"] == 7 for e in lag["longest"])
    text = imported("lag", "--thread", THREAD).stdout
    assert "3 events known late: median 7 days, longest 7 days" in text


def test_lag_for_one_actor_keeps_the_events_it_is_a_party_to(imported: Run) -> None:
    # Russia is a party to none of the replies: they are the senders' acts
    assert _json(imported, "lag", "--actor", "Russia")["threads"] == []
    us = _json(imported, "lag", "--actor", "United States")["threads"]
    assert sum(t["events"] for t in us) == len(ALL_REPLIES)


def test_diff_and_log_as_russia_show_the_replies_the_week_before(imported: Run) -> None:
    russia = _json(imported, "diff", "2022-01-25", "2022-01-28", "--as", "Russia")
    public = _json(imported, "diff", "2022-01-25", "2022-01-28")
    assert russia["as"] == "Russia"

    def known(d: dict[str, Any]) -> set[str]:
        return {e["id"] for t in d["threads"] for e in t["events"]["known"]}

    assert known(russia) >= REPLIES and not REPLIES & known(public)
    log = _json(imported, "log", "--known-by", "2022-01-28", "--as", "Russia")
    items = {i["id"]: i for i in log}
    assert (items["replies-open-door"]["known"], items["replies-open-door"]["public_known"]) == (
        "2022-01-26",
        "2022-02-02",
    )
    public_log = _json(imported, "log", "--known-by", "2022-01-28")
    assert {i["id"] for i in public_log} < set(items)
    text = imported("log", "--known-by", "2022-01-28", "--as", "Russia").stdout
    assert "(known 2022-01-26; publicly 2022-02-02)" in text


def test_exports_as_an_actor_hold_what_it_knew(imported: Run) -> None:
    day = ("--asof", "2022-01-28")
    russia = imported("export", "ics", *day, "--as", "Russia").stdout
    public = imported("export", "ics", *day).stdout
    uid = f"UID:{THREAD}/replies-open-door@timeline"
    assert uid in russia and uid not in public
    assert "as known to Russia on 2022-01-28" in _unfold(russia)
    slides = json.loads(imported("export", "timelinejs", *day, "--as", "Russia").stdout)
    assert f"{THREAD}_replies-open-door" in {s["unique_id"] for s in slides["events"]}


def test_exports_carry_known_to(imported: Run) -> None:
    ics = _unfold(imported("export", "ics", "--thread", THREAD).stdout)
    assert "X-TIMELINE-KNOWN-TO:Russia: 2022-01-26" in ics
    assert "Known before that to: NATO (2022-01-26)\\, Russia (2022-01-26)" in ics
    slides = json.loads(imported("export", "timelinejs", "--thread", THREAD).stdout)
    text = next(s for s in slides["events"] if s["unique_id"].endswith("_replies-open-door"))
    assert "known to Russia on 2022-01-26" in text["text"]["text"]


def test_a_backup_restores_known_to_exactly(imported: Run, run: Run, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    assert imported("export", "jsonl", "-o", str(backup)).exit_code == 0
    lines = [json.loads(x) for x in backup.read_text().splitlines()]
    told = [x["payload"]["known_to"] for x in lines if "known_to" in x.get("payload", {})]
    assert len(told) == len(ALL_REPLIES) and told[0]["Russia"] == "2022-01-26"
    other = str(tmp_path / "other.db")
    restored = run("restore", str(backup), env={"TIMELINE_DB": other})
    assert restored.exit_code == 0, restored.output
    again = run("secrets", "2022-01-28", "--format", "json", env={"TIMELINE_DB": other})
    assert json.loads(again.stdout) == _json(imported, "secrets", "2022-01-28")
    assert run("verify", env={"TIMELINE_DB": other}).exit_code == 0


def test_an_unknown_actor_is_one_line_that_names_the_closest(imported: Run) -> None:
    for args in (("asof", "2022-01-28"), ("diff", "2022-01-01", "2022-01-28")):
        result = imported(*args, "--as", "Rusia")
        assert result.exit_code != 0
        assert result.stderr == "Error: no actor 'Rusia' in the log; did you mean 'Russia'?\n"
    result = imported("lag", "--actor", "united states")
    assert "did you mean 'United States'?" in result.stderr
    result = imported("asof", "2022-01-28", "--as", "Atlantis")
    assert result.stderr == "Error: no actor 'Atlantis' in the log\n"


def test_as_needs_a_day(imported: Run) -> None:
    result = imported("log", "--as", "Russia")
    assert result.exit_code != 0
    assert result.stderr.startswith("Error: --as needs --known-by")
    result = imported("export", "ics", "--as", "Russia")
    assert result.stderr.startswith("Error: --as needs --asof")


# ---- the rules of known_to -----------------------------------------------------------------


def _event(**extra: Any) -> dict[str, Any]:
    return {
        "thread": "t",
        "id": "e",
        "date": "2022-01-26",
        "known": "2022-02-02",
        "type": "response",
        "actors": ["United States"],
        "title": "Replies delivered",
        **extra,
    }


def test_known_to_after_the_public_known_is_an_error() -> None:
    with pytest.raises(InvalidEvent, match="public knowledge already includes everyone"):
        event_from_input(_event(known_to={"Russia": "2022-02-03"}))


def test_known_to_before_the_date_begins_is_an_error_as_for_known() -> None:
    with pytest.raises(InvalidEvent, match="is before the date 2022-01-26"):
        event_from_input(_event(known_to={"Russia": "2022-01-25"}))
    # an imprecise date counts from its end: "in January" is fine for an event of the 26th
    e = event_from_input(_event(known_to={"Russia": "2022-01"}))
    assert seen_by(e, "Russia") == dt.date(2022, 1, 31)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["Russia"], "known_to must be a mapping"),
        ({"Russia": "26 January"}, "invalid date"),
        ({" ": "2022-01-26"}, "known_to actor must be non-empty"),
    ],
)
def test_known_to_must_be_a_mapping_of_names_to_dates(value: Any, message: str) -> None:
    with pytest.raises(InvalidEvent, match=message):
        event_from_input(_event(known_to=value))


def test_each_actor_knows_on_its_own_day_never_after_the_public() -> None:
    e = event_from_input(
        _event(
            actors=["United States", "NATO"],
            known_to={"Russia": "2022-01-27", "NATO": "2022-02-01"},
        )
    )
    assert seen_by(e, "United States") == dt.date(2022, 1, 26)  # a party: its own act
    assert seen_by(e, "Russia") == dt.date(2022, 1, 27)  # told
    assert seen_by(e, "NATO") == dt.date(2022, 2, 1)  # known_to overrides the default
    assert seen_by(e, "Ukraine") == dt.date(2022, 2, 2)  # the public's day
    assert knew_early(e) == [
        ("United States", dt.date(2022, 1, 26)),
        ("Russia", dt.date(2022, 1, 27)),
        ("NATO", dt.date(2022, 2, 1)),
    ]
    # a party to an event known the day it happened knows nothing early
    assert knew_early(make_event(date="2022-01-26", actors=("Russia",))) == []


def test_the_stored_form_gains_known_to_only_when_given() -> None:
    plain = event_from_input(_event())
    assert "known_to" not in entry_to_payload(plain)
    told = event_from_input(_event(known_to={"Russia": "2022-01-26"}))
    payload = entry_to_payload(told)
    assert payload["known_to"] == {"Russia": "2022-01-26"}
    assert entry_from_payload(payload, "event") == told


def _knowers(run: Run, day: str, event: str) -> dict[str, str]:
    found = _json(run, "secrets", day, "--thread", THREAD)["secrets"]
    secret = next((x for x in found if x["id"] == event), None)
    return {} if secret is None else {k["actor"]: k["since"] for k in secret["known_to"]}


def test_a_correction_of_known_to_moves_what_an_actor_knew(imported: Run) -> None:
    target = f"{THREAD}/replies-open-door"
    # a fix without its own known date applies in every view: Russia learned on the 30th
    fixed = imported("correct", target, "--known-to", "Russia=2022-01-30")
    assert fixed.exit_code == 0, fixed.output
    assert _knowers(imported, "2022-01-28", "replies-open-door") == {
        "NATO": "2022-01-26",
        "United States": "2022-01-26",
    }
    assert _knowers(imported, "2022-01-30", "replies-open-door")["Russia"] == "2022-01-30"
    assert "replies-open-door" not in {
        p["event"]
        for p in asof_json(imported, "2022-01-28", "--as", "Russia")["threads"][0]["positions"]
    }
    # a correction known later changes nothing before its day
    later = imported("correct", target, "--known-to", "Russia=2022-01-27", "--known", "2022-02-05")
    assert later.exit_code == 0, later.output
    assert "Russia" not in _knowers(imported, "2022-01-28", "replies-open-door")
    bad = imported("correct", target, "--known-to", "Russia=2022-02-05")
    assert bad.exit_code != 0 and "public knowledge already includes everyone" in bad.stderr


def test_add_takes_known_to(run_ok: Run) -> None:
    run_ok(
        "add", "--thread", "t", "--date", "2022-01-05", "--known", "2022-01-09", "--type",
        "statement", "--actor", "A", "--title", "Said in private", "--known-to", "B=2022-01-07",
    )  # fmt: skip
    found = json.loads(run_ok("secrets", "2022-01-08", "--format", "json").stdout)["secrets"]
    assert [(k["actor"], k["since"]) for k in found[0]["known_to"]] == [
        ("A", "2022-01-05"),
        ("B", "2022-01-07"),
    ]
    assert found[0]["days_secret"] == 3


# ---- the property --------------------------------------------------------------------------

START = dt.date(2022, 1, 1)
DAYS = [START + dt.timedelta(days=n) for n in range(0, 16)]
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
PARTIES = ["Russia", "NATO", "United States"]
TOLD = ["Ukraine", "NATO", "Russia"]
_examples = itertools.count()

drawn_events = st.fixed_dictionaries(
    {
        "date": st.integers(0, 10),
        "lag": st.integers(0, 5),
        "actors": st.lists(st.sampled_from(PARTIES), min_size=1, max_size=2, unique=True),
        "told": st.dictionaries(st.sampled_from(TOLD), st.integers(0, 5), max_size=2),
        "stance": st.sampled_from(["yes", "no"]),
    }
)
drawn_amendments = st.tuples(
    st.sampled_from(["known_to", "known", "actors", "retract"]),
    st.integers(0, 20),
    st.integers(0, 12),
)


def _day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


class Story:
    """Writes drawn events and amendments into threads of this example's own."""

    def __init__(self, store: Any) -> None:
        self.store = store
        prefix = f"v{next(_examples)}"
        self.threads = [f"{prefix}-a", f"{prefix}-b"]
        self.keys: list[str] = []

    def add(self, n: int, e: dict[str, Any]) -> None:
        fields = {
            "thread": self.threads[n % 2],
            "id": f"e{n}",
            "date": _day(e["date"]),
            "known": _day(e["date"] + e["lag"]),
            "type": "statement",
            "actors": e["actors"],
            "title": f"Event {n}",
            # "Observer" holds positions but is never a party nor told: privy to nothing
            "positions": [{"actor": "Observer", "issue": "i", "stance": e["stance"]}],
            "known_to": {a: _day(e["date"] + min(d, e["lag"])) for a, d in e["told"].items()},
        }
        with contextlib.suppress(TimelineError):
            record = add_event(self.store, fields, NOW).record
            self.keys.append(str(record.entry.key))

    def amend(self, kind: str, target: int, day: int) -> None:
        if not self.keys:
            return
        key = self.keys[target % len(self.keys)]
        fields: dict[str, Any]
        if kind == "retract":
            fields = {"type": "retraction", "retracts": key, "reason": "withdrawn"}
        else:
            change: Any = {
                "known_to": {"Ukraine": _day(day)},
                "known": _day(day),
                "actors": ["Russia"],
            }[kind]
            fields = {"type": "correction", "corrects": key, "set": {kind: change}}
        fields["known"] = _day(day)
        with contextlib.suppress(TimelineError):  # refused (a rule broken): nothing written
            record_amendment(self.store, fields, NOW)

    def shown(self, day: dt.date, viewer: str | None = None) -> set[str]:
        items = log(self.store, thread=self.threads, known_by=day, viewer=viewer)
        return {str(a.record.entry.key) for a in items if a.retraction is None}


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(drawn_events, min_size=1, max_size=8),
    amendments=st.lists(drawn_amendments, max_size=4),
)
def test_a_viewpoint_adds_to_the_public_view_and_secrets_are_what_it_adds(
    db_url: str, events: list[dict[str, Any]], amendments: list[tuple[str, int, int]]
) -> None:
    store = open_store(str(db_url))
    try:
        story = Story(store)
        for n, e in enumerate(events):
            story.add(n, e)
        for amendment in amendments:
            story.amend(*amendment)
        story.threads = [t for t in story.threads if t in {k.split("/")[0] for k in story.keys}]
        if not story.threads:
            return
        with store.reading() as r:
            actors = sorted(r.names.actor_names())
        for day in DAYS:
            public = story.shown(day)
            union: set[str] = set()
            for actor in actors:
                seen = story.shown(day, actor)
                assert public <= seen, (day, actor)
                union |= seen
            hidden = secrets(store, day, story.threads)
            assert {f"{s.event.thread}/{s.event.id}" for s in hidden} == union - public, day
            assert as_of(store, day, thread=story.threads, viewer="Observer") == (
                as_of(store, day, thread=story.threads)
            ), day
    finally:
        store.close()


def test_the_bundled_events_say_who_knew_the_replies() -> None:
    text = "".join(p.read_text() for p in sorted(EVENTS.glob("*.yaml")))
    assert text.count(
        "known_to: {Russia: 2022-01-26, United States: 2022-01-26, NATO: 2022-01-26}"
    ) == len(ALL_REPLIES)

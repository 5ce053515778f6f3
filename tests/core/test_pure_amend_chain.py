"""Corrections, retractions and the hash chain, as pure functions: no database, no CLI.

The story is the seed's: the US and NATO delivered written replies to Russia on
26 January 2022 and kept them confidential; their content became public on 2 February,
when El País published them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from typing import Any

import pytest

from timeline.core.amend import (
    annotate,
    apply_corrections,
    check_views,
    checked_corrections,
    fill_target,
    in_effect,
    resolve,
)
from timeline.core.chain import ChainRow, Finding, check_chains, check_projections, record_hash
from timeline.core.codec import canonical, format_recorded_at
from timeline.core.dates import parse_edtf
from timeline.core.errors import InvalidEvent
from timeline.core.mapper import entry_to_payload
from timeline.core.model import (
    Correction,
    Entry,
    Event,
    EventHead,
    Key,
    Position,
    Record,
    Retraction,
    Source,
    ThreadState,
)
from timeline.core.projector import project

D = dt.date.fromisoformat
GUARANTEES = "russia-nato-security-guarantees"
ARMS = "arms-control-missile-deployment"


def _event(
    id: str,
    date: str,
    known: str | None = None,
    *,
    thread: str = GUARANTEES,
    type: str = "response",
    actors: tuple[str, ...] = ("United States", "NATO"),
    title: str,
    **more: Any,
) -> Event:
    """An event as the validator would build it: ``known`` defaults to the date's last day."""
    d = parse_edtf(date)
    return Event(
        thread,
        id,
        d,
        D(known) if known else d.last,
        type,
        actors,
        title,
        known_given=known is not None,
        **more,
    )


DRAFTS = _event(
    "russia-draft-treaties",
    "2021-12-17",
    type="demand",
    actors=("Russia",),
    title="Russia publishes draft security treaties with the US and with NATO members",
    status="open",
)
DELIVERED = _event(
    "replies-delivered",
    "2022-01-26",
    "2022-01-26",
    title="US and NATO deliver written replies to Russia, kept confidential",
    status="stalled",
)
OPEN_DOOR = _event(
    "replies-open-door",
    "2022-01-26",
    "2022-02-02",
    title="US and NATO written replies reaffirm NATO's open door",
    summary="Both texts, published on 2 February, reaffirm NATO's open-door policy.",
    sources=(Source("El País", None, "2022-02-02"),),
    positions=(Position("United States", "NATO enlargement", "open-door policy reaffirmed"),),
    refs=(Key(GUARANTEES, "replies-delivered"),),
)
# recorded with a typo in the day (20 for 2 February); its known day was not given
EL_PAIS = _event(
    "el-pais-publishes",
    "2022-02-20",
    type="disclosure",
    actors=("El País",),
    title="El País publishes the confidential US and NATO written replies",
)
RUMOUR = _event(
    "replies-leak-rumour",
    "2022-01-27",
    "2022-01-27",
    type="disclosure",
    actors=("Russia",),
    title="Russian media report the replies' contents",
)


def _correction(
    target: Event, id: str, known: str | None, note: str | None = None, /, **changes: Any
) -> Correction:
    """``known`` None: a data-entry fix, with the target's known filled in as recorded."""
    return Correction(
        target.thread,
        id,
        target.key,
        changes,
        D(known) if known else target.known,
        known is not None,
        note,
    )


def _retraction(target: Entry, id: str, known: str | None, reason: str) -> Retraction:
    return Retraction(
        target.thread,
        id,
        target.key,
        reason,
        D(known) if known else target.known,
        known is not None,
    )


def _records(*entries: Entry) -> list[Record]:
    """The entries as appended, in this order, one a day from 28 November 2026."""
    start = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
    return [
        Record(seq, seq, start + dt.timedelta(days=seq - 1), e)
        for seq, e in enumerate(entries, start=1)
    ]


def _problems(excinfo: pytest.ExceptionInfo[InvalidEvent]) -> list[tuple[str | None, str]]:
    return excinfo.value.problems


# ---- apply_corrections --------------------------------------------------------------------


def test_a_correction_replaces_only_the_fields_it_sets_and_keeps_a_full_event() -> None:
    reword = _correction(
        OPEN_DOOR,
        "open-door-reworded",
        "2022-02-03",
        title="US and NATO replies reaffirm NATO's open-door policy",
    )
    corrected = apply_corrections(OPEN_DOOR, [reword])
    assert type(corrected) is Event
    # summary, sources and refs survive the round trip through the input rules
    assert corrected == replace(
        OPEN_DOOR, title="US and NATO replies reaffirm NATO's open-door policy"
    )


def test_an_event_head_stays_a_head_when_corrected() -> None:
    fix = _correction(OPEN_DOOR, "open-door-status", "2022-02-03", status="stalled")
    corrected = apply_corrections(OPEN_DOOR.head(), [fix])
    assert type(corrected) is EventHead
    assert corrected == replace(OPEN_DOOR.head(), status="stalled")


def test_corrections_are_applied_in_the_order_given_so_the_last_one_wins() -> None:
    first = _correction(OPEN_DOOR, "fix-1", "2022-02-03", title="Replies reaffirm the open door")
    second = _correction(OPEN_DOOR, "fix-2", "2022-02-04", title="Replies keep NATO's door open")
    assert apply_corrections(OPEN_DOOR, [first, second]).title == "Replies keep NATO's door open"
    assert apply_corrections(OPEN_DOOR, [second, first]).title == "Replies reaffirm the open door"


def test_a_defaulted_known_day_follows_a_corrected_date() -> None:
    fix = _correction(EL_PAIS, "el-pais-day-fix", None, date="2022-02-02")
    corrected = apply_corrections(EL_PAIS, [fix])
    assert corrected.date.text == "2022-02-02"
    assert corrected.known == D("2022-02-02")
    assert corrected.known_given is False


def test_a_given_known_day_stays_when_the_date_is_corrected() -> None:
    fix = _correction(OPEN_DOOR, "open-door-date", "2022-02-03", date="2022-01-27")
    corrected = apply_corrections(OPEN_DOOR, [fix])
    assert corrected.date.text == "2022-01-27"
    assert corrected.known == D("2022-02-02")
    assert corrected.known_given is True


def test_a_correction_that_breaks_the_rules_raises_invalid_event_when_checked() -> None:
    too_late = _correction(OPEN_DOOR, "open-door-date", "2022-02-03", date="2022-02-03")
    with pytest.raises(InvalidEvent) as excinfo:
        checked_corrections(OPEN_DOOR, [too_late])
    assert _problems(excinfo) == [
        ("known", "known 2022-02-02 is before the date 2022-02-03 (starts 2022-02-03)")
    ]


def test_a_stored_correction_is_applied_without_the_rules_of_today() -> None:
    # recorded under older, looser rules: a replay still reads it, as it was
    too_late = _correction(OPEN_DOOR, "open-door-date", "2022-02-03", date="2022-02-03")
    corrected = apply_corrections(OPEN_DOOR, [too_late])
    assert corrected.date.text == "2022-02-03" and corrected.known == OPEN_DOOR.known


# ---- in_effect ------------------------------------------------------------------------------


def test_an_amendment_is_in_effect_from_its_known_day_on() -> None:
    withdrawal = _retraction(RUMOUR, "rumour-retracted", "2022-02-02", "Not borne out")
    assert not in_effect(withdrawal, D("2022-02-01"))
    assert in_effect(withdrawal, D("2022-02-02"))
    assert in_effect(withdrawal, D("2022-02-03"))


def test_every_amendment_is_in_effect_in_the_view_of_everything() -> None:
    withdrawal = _retraction(RUMOUR, "rumour-retracted", "2022-02-02", "Not borne out")
    assert in_effect(withdrawal, None)


def test_a_data_entry_fix_is_in_effect_even_before_its_known_day() -> None:
    fix = _correction(EL_PAIS, "el-pais-day-fix", None, date="2022-02-02")
    assert fix.known == D("2022-02-20")
    assert in_effect(fix, D("2022-02-02"))
    assert in_effect(fix, dt.date.min)


# ---- annotate and resolve -------------------------------------------------------------------


def test_corrections_apply_in_the_order_they_became_known_not_the_order_recorded() -> None:
    # recorded first, but known a day after the second one: it is applied last
    later = _correction(OPEN_DOOR, "fix-later", "2022-02-05", title="Replies keep NATO's door open")
    earlier = _correction(
        OPEN_DOOR, "fix-earlier", "2022-02-04", title="Replies reaffirm the open door"
    )
    recs = _records(OPEN_DOOR, later, earlier)
    (view,) = annotate(recs)
    assert view.record.event.title == "Replies keep NATO's door open"
    assert view.original is recs[0]
    assert [c.seq for c in view.corrections] == [3, 2]
    assert view.correction_entries == [earlier, later]
    assert view.retraction is None
    # as known on the 4th, only the earlier one is in effect
    (on_4th,) = annotate(recs, D("2022-02-04"))
    assert on_4th.record.event.title == "Replies reaffirm the open door"
    assert [c.seq for c in on_4th.corrections] == [3]


def test_a_correction_with_the_same_known_day_applies_in_seq_order() -> None:
    first = _correction(OPEN_DOOR, "fix-1", "2022-02-04", title="Replies reaffirm the open door")
    second = _correction(OPEN_DOOR, "fix-2", "2022-02-04", title="Replies keep NATO's door open")
    (view,) = annotate(_records(OPEN_DOOR, first, second))
    assert view.record.event.title == "Replies keep NATO's door open"


def test_a_retracted_correction_is_not_applied() -> None:
    fix = _correction(EL_PAIS, "el-pais-day-fix", "2022-02-21", date="2022-02-02")
    withdrawn = _retraction(fix, "el-pais-day-fix-withdrawn", "2022-02-22", "The 20th was right")
    recs = _records(EL_PAIS, fix, withdrawn)
    (before,) = annotate(recs, D("2022-02-21"))
    assert before.record.event.date.text == "2022-02-02"
    (after,) = annotate(recs, D("2022-02-22"))
    assert after.record is recs[0]
    assert after.record.event.date.text == "2022-02-20"
    assert after.corrections == ()
    assert after.retraction is None  # the event itself is not retracted


def test_a_retraction_is_in_effect_only_from_its_known_day() -> None:
    withdrawal = _retraction(
        RUMOUR, "rumour-retracted", "2022-02-02", "Not borne out by the texts El País published"
    )
    recs = _records(DELIVERED, RUMOUR, withdrawal)
    on_1st = annotate(recs, D("2022-02-01"))
    assert [(v.record.event.id, v.retraction) for v in on_1st] == [
        ("replies-delivered", None),
        ("replies-leak-rumour", None),
    ]
    on_2nd = annotate(recs, D("2022-02-02"))
    assert [(v.record.event.id, v.retraction) for v in on_2nd] == [
        ("replies-delivered", None),
        ("replies-leak-rumour", recs[2]),
    ]
    assert on_2nd[1].retraction_entry == withdrawal


def test_a_retraction_without_a_known_day_applies_in_every_view() -> None:
    recorded_twice = _retraction(RUMOUR, "rumour-recorded-twice", None, "Recorded twice")
    recs = _records(RUMOUR, recorded_twice)
    (view,) = annotate(recs, D("2022-01-27"))
    assert view.retraction is recs[1]
    assert resolve(recs, D("2022-01-27")) == []


def test_resolve_leaves_out_retracted_events_and_carries_corrected_values() -> None:
    withdrawal = _retraction(RUMOUR, "rumour-retracted", "2022-02-02", "Not borne out")
    fix = _correction(EL_PAIS, "el-pais-day-fix", None, date="2022-02-02")
    recs = _records(DELIVERED, RUMOUR, EL_PAIS, withdrawal, fix)
    assert [(r.seq, r.event.id, r.event.date.text) for r in resolve(recs)] == [
        (1, "replies-delivered", "2022-01-26"),
        (3, "el-pais-publishes", "2022-02-02"),
    ]
    # the day before the retraction became known, the rumour still stands
    assert [r.event.id for r in resolve(recs, D("2022-02-01"))] == [
        "replies-delivered",
        "replies-leak-rumour",
        "el-pais-publishes",
    ]


# ---- fill_target ----------------------------------------------------------------------------


def test_an_amendment_of_an_unrecorded_event_is_refused() -> None:
    fix = Correction(
        GUARANTEES, "fix", Key(GUARANTEES, "replies-rejected"), {"title": "x"}, dt.date.min, False
    )
    with pytest.raises(InvalidEvent) as excinfo:
        fill_target(fix, None)
    assert _problems(excinfo) == [
        ("corrects", f"corrects: no event {GUARANTEES}/replies-rejected is recorded")
    ]
    withdrawal = Retraction(
        GUARANTEES,
        "gone",
        Key(GUARANTEES, "replies-rejected"),
        "Never happened",
        dt.date.min,
        False,
    )
    with pytest.raises(InvalidEvent) as excinfo:
        fill_target(withdrawal, None)
    assert _problems(excinfo) == [
        ("retracts", f"retracts: no event {GUARANTEES}/replies-rejected is recorded")
    ]


WITHDRAWAL = _retraction(RUMOUR, "rumour-retracted", "2022-02-02", "Not borne out")


@pytest.mark.parametrize(
    ("amendment", "what"),
    [
        (
            Retraction(GUARANTEES, "undo", WITHDRAWAL.key, "It was borne out", D("2022-02-03")),
            "retracts",
        ),
        (
            Correction(GUARANTEES, "reason-fix", WITHDRAWAL.key, {"reason": "x"}, D("2022-02-03")),
            "corrects",
        ),
    ],
    ids=["retracted", "corrected"],
)
def test_a_retraction_cannot_itself_be_corrected_or_retracted(
    amendment: Retraction | Correction, what: str
) -> None:
    with pytest.raises(InvalidEvent) as excinfo:
        fill_target(amendment, WITHDRAWAL)
    assert _problems(excinfo) == [
        (
            what,
            f"{what}: {GUARANTEES}/rumour-retracted is a retraction, which cannot be "
            "corrected or retracted; record the event again instead",
        )
    ]


def test_a_correction_of_a_correction_is_refused_naming_the_event_to_correct() -> None:
    fix = _correction(EL_PAIS, "el-pais-day-fix", None, date="2022-02-02")
    fix_of_fix = replace(
        _correction(EL_PAIS, "fix-of-fix", "2022-02-21", date="2022-02-03"), target=fix.key
    )
    with pytest.raises(InvalidEvent) as excinfo:
        fill_target(fix_of_fix, fix)
    assert _problems(excinfo) == [
        (
            "corrects",
            f"corrects: {GUARANTEES}/el-pais-day-fix is a correction; "
            f"correct {GUARANTEES}/el-pais-publishes itself",
        )
    ]


def test_an_amendment_without_a_known_day_takes_its_targets() -> None:
    as_input = Correction(
        GUARANTEES, "el-pais-day-fix", EL_PAIS.key, {"date": "2022-02-02"}, dt.date.min, False
    )
    filled = fill_target(as_input, EL_PAIS)
    assert filled == replace(as_input, known=D("2022-02-20"))
    # a retraction of a correction takes the correction's known day
    withdrawal = Retraction(
        GUARANTEES, "withdrawn", filled.key, "The 20th was right", dt.date.min, False
    )
    assert fill_target(withdrawal, filled).known == D("2022-02-20")


def test_an_amendment_with_a_known_day_keeps_it() -> None:
    withdrawal = _retraction(RUMOUR, "rumour-retracted", "2022-02-02", "Not borne out")
    assert fill_target(withdrawal, RUMOUR) is withdrawal


# ---- check_views ----------------------------------------------------------------------------


def _event_record(event: Event) -> Record:
    (record,) = _records(event)
    return record


def test_an_amendment_that_keeps_every_view_valid_is_accepted() -> None:
    reword = _correction(OPEN_DOOR, "reworded", "2022-02-03", title="Replies keep the door open")
    assert check_views(reword, _event_record(OPEN_DOOR), []) is None


def test_an_amendment_that_breaks_the_view_on_its_known_day_is_refused_naming_that_day() -> None:
    # the fix of `known` comes a day later than the new date: on the 6th the event would
    # have happened on the 8th but been known since the 2nd
    new_date = _correction(OPEN_DOOR, "new-date", "2022-02-06", date="2022-02-08")
    new_known = _correction(OPEN_DOOR, "new-known", "2022-02-07", known="2022-02-10")
    with pytest.raises(InvalidEvent) as excinfo:
        check_views(new_date, _event_record(OPEN_DOOR), [], [new_known])
    assert _problems(excinfo) == [
        (
            "set",
            f"the correction would make {GUARANTEES}/replies-open-door invalid as known on "
            "2022-02-06: known 2022-02-02 is before the date 2022-02-08 (starts 2022-02-08)",
        )
    ]


def test_a_pending_correction_known_first_can_make_a_later_one_valid() -> None:
    new_known = _correction(OPEN_DOOR, "new-known", "2022-02-04", known="2022-02-10")
    new_date = _correction(OPEN_DOOR, "new-date", "2022-02-06", date="2022-02-08")
    assert check_views(new_date, _event_record(OPEN_DOOR), [], [new_known]) is None
    with pytest.raises(InvalidEvent):
        check_views(new_date, _event_record(OPEN_DOOR), [])


def test_a_data_entry_fix_that_breaks_every_view_names_no_day() -> None:
    fix = _correction(OPEN_DOOR, "date-typo", None, date="2022-02-12")
    with pytest.raises(InvalidEvent) as excinfo:
        check_views(fix, _event_record(OPEN_DOOR), [])
    assert _problems(excinfo) == [
        (
            "set",
            f"the correction would make {GUARANTEES}/replies-open-door invalid: "
            "known 2022-02-02 is before the date 2022-02-12 (starts 2022-02-12)",
        )
    ]


def test_retracting_a_correction_that_another_relies_on_is_refused() -> None:
    event = _event_record(OPEN_DOOR)
    new_known = _correction(OPEN_DOOR, "new-known", "2022-02-03", known="2022-02-10")
    new_date = _correction(OPEN_DOOR, "new-date", "2022-02-04", date="2022-02-08")
    stored = [
        Record(2, 2, event.recorded_at, new_known),
        Record(3, 3, event.recorded_at, new_date),
    ]
    withdrawal = _retraction(new_known, "new-known-withdrawn", "2022-02-05", "Known on the 2nd")
    with pytest.raises(InvalidEvent) as excinfo:
        check_views(withdrawal, event, stored)
    assert _problems(excinfo) == [
        (
            "set",
            f"the retraction would make {GUARANTEES}/replies-open-door invalid as known on "
            "2022-02-05: known 2022-02-02 is before the date 2022-02-08 (starts 2022-02-08)",
        )
    ]


# ---- the hash chain -------------------------------------------------------------------------

TITLES = {
    GUARANTEES: "Russia–US/NATO security guarantees",
    ARMS: "Arms control and missile deployment in Europe",
}
MISSILE_DEMANDS = _event(
    "russia-missile-demands",
    "2021-12-17",
    thread=ARMS,
    type="demand",
    actors=("Russia",),
    title="Russia's draft treaties demand limits on intermediate- and shorter-range missiles",
)
ARMS_OFFER = _event(
    "us-arms-control-offer",
    "2022-01-26",
    "2022-02-02",
    thread=ARMS,
    type="offer",
    actors=("United States",),
    title="US reply offers talks on a new nuclear arms control deal and on missiles in Europe",
)


def _chain(*entries: Entry) -> list[ChainRow]:
    """Rows as the store writes them: seq 1..n, versions and links per thread, the
    thread's title on its first record."""
    heads: dict[str, tuple[int, str]] = {}
    rows: list[ChainRow] = []
    start = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
    for seq, e in enumerate(entries, start=1):
        version, prev = heads.get(e.thread, (0, ""))
        payload = canonical(entry_to_payload(e))
        recorded_at = format_recorded_at(start + dt.timedelta(seconds=seq))
        title = TITLES[e.thread] if version == 0 else None
        digest = record_hash(e.kind, payload, prev, recorded_at, title)
        rows.append(
            ChainRow(
                seq, e.thread, e.id, version + 1, e.kind, recorded_at, title, payload, prev, digest
            )
        )
        heads[e.thread] = (version + 1, digest)
    return rows


def _rehashed(row: ChainRow, **changes: Any) -> ChainRow:
    """The row changed by someone who also recomputed its hash."""
    r = replace(row, **changes)
    return replace(
        r, hash=record_hash(r.kind, r.payload, r.prev_hash, r.recorded_at, r.thread_title)
    )


def _findings(rows: list[ChainRow]) -> list[str]:
    return [str(f) for f in check_chains(rows)]


@pytest.fixture
def rows() -> list[ChainRow]:
    """seq 1 G v1, 2 A v1, 3 G v2, 4 G v3, 5 A v2 (G: guarantees, A: arms control)."""
    return _chain(DRAFTS, MISSILE_DEMANDS, DELIVERED, OPEN_DOOR, ARMS_OFFER)


def test_the_hash_is_sha256_of_the_canonical_record() -> None:
    # the README's "Tamper evidence" form, written out by hand
    payload = canonical(entry_to_payload(DELIVERED))
    text = (
        '{"kind":"event","payload":' + payload + ',"prev":"","recorded_at":'
        '"2026-11-28T09:00:01.000000Z","thread_title":"Russia–US/NATO security guarantees"}'
    )
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert (
        record_hash(
            "event",
            payload,
            "",
            "2026-11-28T09:00:01.000000Z",
            "Russia–US/NATO security guarantees",
        )
        == expected
    )


def test_correct_chains_have_no_findings_whatever_order_the_rows_come_in(
    rows: list[ChainRow],
) -> None:
    assert [(r.seq, r.thread, r.version) for r in rows] == [
        (1, GUARANTEES, 1),
        (2, ARMS, 1),
        (3, GUARANTEES, 2),
        (4, GUARANTEES, 3),
        (5, ARMS, 2),
    ]
    assert rows[2].prev_hash == rows[0].hash and rows[4].prev_hash == rows[1].hash
    assert check_chains(rows) == []
    assert check_chains(list(reversed(rows))) == []
    assert check_chains([]) == []


def test_a_correction_and_a_retraction_chain_like_events() -> None:
    fix = _correction(OPEN_DOOR, "reworded", "2022-02-03", title="Replies keep the door open")
    withdrawal = _retraction(OPEN_DOOR, "withdrawn", "2022-02-04", "Recorded in error")
    chain = _chain(OPEN_DOOR, fix, withdrawal)
    assert [r.kind for r in chain] == ["event", "correction", "retraction"]
    assert check_chains(chain) == []


def test_a_modified_payload_is_named_as_a_modified_row(rows: list[ChainRow]) -> None:
    rows[3] = replace(rows[3], payload=rows[3].payload.replace("open door", "closed door"))
    assert check_chains(rows) == [
        Finding(
            f"{GUARANTEES}/replies-open-door", "modified row: its content does not match its hash"
        )
    ]


def test_a_modified_recorded_at_or_title_is_named_as_a_modified_row(rows: list[ChainRow]) -> None:
    rows[0] = replace(rows[0], thread_title="Russia–NATO talks")
    rows[4] = replace(rows[4], recorded_at="2026-11-27T09:00:05.000000Z")
    assert _findings(rows) == [
        f"{ARMS}/us-arms-control-offer: recorded_at goes back: seq 5 "
        "(2026-11-27T09:00:05.000000Z) is recorded before seq 4 (2026-11-28T09:00:04.000000Z)",
        f"{ARMS}/us-arms-control-offer: modified row: its content does not match its hash",
        f"{GUARANTEES}/russia-draft-treaties: modified row: its content does not match its hash",
    ]


def test_a_query_column_that_disagrees_with_the_payload_is_named(rows: list[ChainRow]) -> None:
    rows[3] = replace(rows[3], column_mismatch="known")
    assert _findings(rows) == [
        f"{GUARANTEES}/replies-open-door: modified row: column known differs from the hashed "
        "payload"
    ]


def test_a_deleted_row_leaves_a_gap_in_seq_and_in_its_threads_versions(
    rows: list[ChainRow],
) -> None:
    del rows[2]  # replies-delivered: seq 3, version 2 of the guarantees thread
    assert _findings(rows) == [
        f"{GUARANTEES}/replies-open-door: deleted row: seq 3 missing before seq 4",
        f"{GUARANTEES}/replies-open-door: deleted row: version 2 of {GUARANTEES} is missing "
        "before version 3",
    ]


def test_consecutive_deleted_rows_are_named_as_one_range_of_seq(rows: list[ChainRow]) -> None:
    # the last two records of the guarantees thread: its versions show no gap, seq does,
    # and no thread can be named (the projection and a published digest show which)
    del rows[2:4]
    assert _findings(rows) == ["log: deleted row: seq 3..4 missing before seq 5"]


def test_a_deleted_first_row_is_named(rows: list[ChainRow]) -> None:
    del rows[0]  # the guarantees thread's first record: named for that thread
    assert _findings(rows) == [
        f"{GUARANTEES}/replies-delivered: deleted row: seq 1 missing before seq 2",
        f"{GUARANTEES}/replies-delivered: deleted row: version 1 of {GUARANTEES} is missing "
        "before version 2",
    ]


def test_rows_swapped_in_place_are_named_by_where_their_links_point(
    rows: list[ChainRow],
) -> None:
    # the content of versions 2 and 3 exchanged; each row keeps its own hash and link
    delivered, open_door = rows[2], rows[3]
    rows[2] = replace(open_door, seq=3, version=2)
    rows[3] = replace(delivered, seq=4, version=3)
    assert _findings(rows) == [
        f"{GUARANTEES}/replies-delivered: recorded_at goes back: seq 4 "
        "(2026-11-28T09:00:03.000000Z) is recorded before seq 3 (2026-11-28T09:00:04.000000Z)",
        f"{GUARANTEES}/replies-open-door: rows reordered: its link points to "
        f"{GUARANTEES}/replies-delivered, but it is stored after "
        f"{GUARANTEES}/russia-draft-treaties",
        f"{GUARANTEES}/replies-delivered: rows reordered: its link points to "
        f"{GUARANTEES}/russia-draft-treaties, but it is stored after "
        f"{GUARANTEES}/replies-open-door",
    ]


def test_versions_that_do_not_follow_seq_are_named_for_the_thread(rows: list[ChainRow]) -> None:
    rows[2], rows[3] = replace(rows[2], seq=4), replace(rows[3], seq=3)
    assert _findings(rows) == [
        f"{GUARANTEES}/replies-delivered: recorded_at goes back: seq 4 "
        "(2026-11-28T09:00:03.000000Z) is recorded before seq 3 (2026-11-28T09:00:04.000000Z)",
        f"{GUARANTEES}: rows reordered: versions do not follow the order of seq",
    ]


def test_a_link_to_no_record_of_the_thread_is_a_broken_link(rows: list[ChainRow]) -> None:
    rows[3] = _rehashed(rows[3], prev_hash="0" * 64)
    assert _findings(rows) == [
        f"{GUARANTEES}/replies-open-door: broken link: prev_hash matches no record of the thread"
    ]


def test_an_empty_link_after_the_first_record_is_a_broken_link(rows: list[ChainRow]) -> None:
    rows[3] = _rehashed(rows[3], prev_hash="")
    assert _findings(rows) == [
        f"{GUARANTEES}/replies-open-door: broken link: it does not link to the record before it"
    ]


def test_a_first_record_that_links_to_another_is_a_broken_link(rows: list[ChainRow]) -> None:
    # the arms-control thread's first record made to link to the guarantees thread's head
    rows[1] = _rehashed(rows[1], prev_hash=rows[0].hash)
    assert _findings(rows) == [
        f"{ARMS}/russia-missile-demands: broken link: the first record of the thread must not "
        "link to another",
        # and the record after it now links to a hash that no longer exists
        f"{ARMS}/us-arms-control-offer: broken link: prev_hash matches no record of the thread",
    ]


def test_a_repeated_row_is_found_but_not_named_a_deleted_row(rows: list[ChainRow]) -> None:
    findings = _findings([*rows, rows[4]])
    assert findings
    assert not any("deleted row" in f for f in findings), findings


# ---- check_projections ----------------------------------------------------------------------


def _states(*entries: Event) -> dict[str, ThreadState]:
    records = [replace(r, thread_title=TITLES.get(r.entry.thread)) for r in _records(*entries)]
    return project(records)


def test_a_projection_that_matches_the_replay_has_no_findings() -> None:
    states = _states(DRAFTS, DELIVERED, MISSILE_DEMANDS)
    assert list(states) == [ARMS, GUARANTEES]
    assert (
        check_projections(states, dict(states), {"russia-nato-old"}, {"russia-nato-old"}, {}) == []
    )


def test_a_thread_missing_from_the_projection_table_is_named() -> None:
    replayed = _states(DRAFTS, MISSILE_DEMANDS)
    stored = {GUARANTEES: replayed[GUARANTEES]}
    assert [str(f) for f in check_projections(stored, replayed, set(), set(), {})] == [
        f"{ARMS}: projection missing: the thread is in the log but not in the projection table"
    ]


def test_a_thread_only_the_projection_table_has_is_stale() -> None:
    stored = _states(DRAFTS, MISSILE_DEMANDS)
    replayed = {GUARANTEES: stored[GUARANTEES]}
    assert [str(f) for f in check_projections(stored, replayed, set(), set(), {})] == [
        f"{ARMS}: projection stale: the projection table has a thread the log does not"
    ]


def test_a_projection_behind_the_log_names_both_counts() -> None:
    stored = _states(DRAFTS)
    replayed = _states(DRAFTS, DELIVERED)
    assert [str(f) for f in check_projections(stored, replayed, set(), set(), {})] == [
        f"{GUARANTEES}: projection differs from the log: it has 1 events up to seq 1, "
        "the log 2 up to seq 2"
    ]


def test_a_projection_with_a_different_state_and_the_same_counts_is_named() -> None:
    replayed = _states(DRAFTS, DELIVERED)
    stored = {GUARANTEES: replace(replayed[GUARANTEES], status="agreed")}
    assert [str(f) for f in check_projections(stored, replayed, set(), set(), {})] == [
        f"{GUARANTEES}: projection differs from the log: its state differs from a replay of the log"
    ]


def test_a_summary_column_that_differs_is_named_when_the_states_agree() -> None:
    states = _states(DRAFTS, DELIVERED)
    assert [
        str(f)
        for f in check_projections(states, dict(states), set(), set(), {GUARANTEES: "status"})
    ] == [f"{GUARANTEES}: projection differs from the log: column status of the projection table"]
    # when the states differ too, the state is reported, not the column as well
    stored = {GUARANTEES: replace(states[GUARANTEES], status="agreed")}
    assert [
        str(f) for f in check_projections(stored, states, set(), set(), {GUARANTEES: "status"})
    ] == [
        f"{GUARANTEES}: projection differs from the log: its state differs from a replay of the log"
    ]


def test_a_thread_that_shows_no_event_in_only_one_of_table_and_log_is_named() -> None:
    # every event of the rumour thread retracted: the replay shows nothing, the table did
    rumours = "replies-rumours"
    assert [str(f) for f in check_projections({}, {}, set(), {rumours}, {})] == [
        f"{rumours}: projection differs from the log: the thread shows no event"
    ]
    assert [str(f) for f in check_projections({}, {}, {rumours}, set(), {})] == [
        f"{rumours}: projection differs from the log: the thread is missing from the table or "
        "shows no event there"
    ]

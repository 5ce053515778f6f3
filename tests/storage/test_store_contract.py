"""The store's contract, driven directly through Reader and Writer, on every backend.

The data is the README's story: the US and NATO written replies to Russia, delivered on
26 January 2022 and public on 2 February, imported at 09:00; a duplicate added at 10:05
and retracted at 10:10; two slips corrected at 10:15.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update

from tests.conftest import make_event
from timeline.core.chain import check_chains, record_hash
from timeline.core.codec import canonical, format_recorded_at
from timeline.core.errors import ConflictError
from timeline.core.mapper import entry_to_payload, to_row
from timeline.core.model import (
    Correction,
    Entry,
    Event,
    EventHead,
    FoldRecord,
    Hidden,
    Key,
    Record,
    Retraction,
    Source,
)
from timeline.core.projector import project
from timeline.storage import EventStore
from timeline.storage.schema import events, thread_states
from timeline.storage.writer import LogWriter
from timeline.usecases.maintenance import open_store

GUARANTEES = "russia-nato-security-guarantees"
TROOPS = "russian-troops-georgia-moldova-ukraine"
ARMS = "arms-control-missile-deployment"
NORMANDY = "normandy-format"
LEAK = "el-pais-replies-leak"
LETTERS = "indivisible-security-letters"

UTC = dt.UTC
MADRID = dt.timezone(dt.timedelta(hours=1), "CET")  # El País's time zone in winter
AT_0900 = dt.datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
AT_1005 = dt.datetime(2026, 11, 28, 10, 5, tzinfo=UTC)
AT_1010 = dt.datetime(2026, 11, 28, 10, 10, tzinfo=UTC)
AT_1015 = dt.datetime(2026, 11, 28, 10, 15, tzinfo=UTC)
AT_1100 = dt.datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
MICROSECOND = dt.timedelta(microseconds=1)

EVE_OF_PUBLICATION = dt.date(2022, 2, 1)  # the replies are delivered, not yet public

REPLIES_DELIVERED = dataclasses.replace(
    make_event(
        GUARANTEES,
        "replies-delivered",
        "2022-01-26",
        known="2022-01-26",
        type="response",
        actors=["United States", "NATO"],
        title="US and NATO deliver written replies to Russia, kept confidential",
    ),
    summary="US Ambassador John Sullivan delivered the US written response to the Russian "
    "Foreign Ministry; Blinken said the text would not be made public.",
    sources=(
        Source("U.S. Department of State", None, "2022-01-26"),
        Source("NATO", "https://www.nato.int/cps/en/natohq/news_191252.htm", "2022-01-26"),
    ),
    refs=(Key(GUARANTEES, "russia-draft-treaties"), Key(GUARANTEES, "blinken-lavrov-geneva")),
)

# The import at 09:00, threads interleaved as one append: (event, thread title).
IMPORTED: list[tuple[Entry, str | None]] = [
    (
        make_event(
            GUARANTEES,
            "putin-demands-guarantees",
            "2021-12-01",
            actors=["Russia"],
            title="Putin says Russia will seek legal guarantees against further NATO expansion",
            status="open",
            positions=[("Russia", "NATO enlargement", "legal guarantees ruling out expansion")],
        ),
        "Russia–US/NATO security guarantees",
    ),
    (
        make_event(
            GUARANTEES,
            "russia-draft-treaties",
            "2021-12-17",
            type="demand",
            title="Russia publishes draft security treaties with the US and with NATO members",
            positions=[
                ("Russia", "NATO enlargement", "no further enlargement"),
                ("Russia", "NATO infrastructure rollback to 1997", "back to 27 May 1997"),
            ],
        ),
        None,
    ),
    (
        make_event(
            TROOPS,
            "troop-buildup-reports",
            "2021-12~",
            title="Officials report about 100,000 Russian troops massed near Ukraine",
            actors=["United States", "Ukraine"],
        ),
        "Russian troops in Ukraine, Georgia and Moldova and NATO activity in the post-Soviet space",
    ),
    (
        make_event(
            GUARANTEES,
            "geneva-ssd",
            "2022-01-10",
            type="talks",
            actors=["United States", "Russia"],
            title="US–Russia Strategic Stability Dialogue in Geneva discusses Russia's demands",
            status="negotiating",
        ),
        None,
    ),
    (
        make_event(
            GUARANTEES,
            "nato-russia-council",
            "2022-01-12",
            type="meeting",
            actors=["NATO", "Russia"],
            title="NATO–Russia Council meets in Brussels for the first time since 2019",
        ),
        None,
    ),
    (  # recorded with the NATO–Russia Council's date by mistake; corrected at 10:15
        make_event(
            GUARANTEES,
            "blinken-lavrov-geneva",
            "2022-01-12",
            type="meeting",
            actors=["United States", "Russia"],
            title="Blinken and Lavrov meet in Geneva; US promises a written response",
        ),
        None,
    ),
    (REPLIES_DELIVERED, None),
    (
        make_event(
            GUARANTEES,
            "replies-open-door",
            "2022-01-26",
            known="2022-02-02",
            type="response",
            actors=["United States", "NATO"],
            title="US and NATO written replies reaffirm NATO's open door",
            positions=[("United States", "NATO enlargement", "open-door policy reaffirmed")],
        ),
        None,
    ),
    (
        make_event(
            NORMANDY,
            "paris-advisers-meeting",
            "2022-01-26",
            type="meeting",
            actors=["France", "Germany", "Russia", "Ukraine"],
            title="Normandy Format political advisers meet in Paris",
        ),
        "Normandy Format talks on eastern Ukraine",
    ),
    (
        make_event(
            TROOPS,
            "replies-withdrawal-call",
            "2022-01-26",
            known="2022-02-02",
            type="response",
            actors=["United States", "NATO"],
            title="Written replies call on Russia to withdraw its troops from Ukraine, "
            "Georgia and Moldova",
        ),
        None,
    ),
    (
        make_event(
            GUARANTEES,
            "putin-concerns-ignored",
            "2022-02-01",
            title="Putin says the US and NATO replies ignored Russia's fundamental concerns",
            status="stalled",
        ),
        None,
    ),
    (
        make_event(
            GUARANTEES,
            "el-pais-publishes",
            "2022-02-02",
            type="disclosure",
            actors=["El País"],
            title="El País publishes the confidential US and NATO written replies",
        ),
        None,
    ),
    (
        make_event(
            GUARANTEES,
            "us-confirms-authenticity",
            "2022-02-02",
            type="confirmation",
            actors=["United States"],
            title="US State and Defense departments confirm the published copies are genuine",
        ),
        None,
    ),
    (  # nothing of this thread is public before 2 February: only its title is "known"
        make_event(
            ARMS,
            "us-arms-control-offer",
            "2022-01-26",
            known="2022-02-02",
            type="offer",
            actors=["United States"],
            title="US reply offers talks on a new nuclear arms control deal and on missiles",
        ),
        "Arms control and missile deployment in Europe",
    ),
    (
        make_event(
            ARMS,
            "us-eastern-europe-assurance",
            "2022-01-26",
            known="2022-02-02",
            type="offer",
            actors=["United States"],
            title="US reply says no strike forces or nuclear weapons will be deployed in "
            "Eastern Europe",
        ),
        None,
    ),
]

DUPLICATE = make_event(
    GUARANTEES,
    "2022-02-02-el-pais-publishes-the-replies",
    "2022-02-02",
    type="disclosure",
    actors=["El País"],
    title="El País publishes the replies",
)
DUPLICATE_RETRACTED = Retraction(
    GUARANTEES,
    "2022-02-02-el-pais-publishes-the-replies-retracted-e85c4a",
    DUPLICATE.key,
    "duplicate of el-pais-publishes",
    dt.date(2022, 2, 2),
    known_given=False,
)
PUTIN_FIX = Correction(
    GUARANTEES,
    "putin-concerns-ignored-fix-b953f7",
    Key(GUARANTEES, "putin-concerns-ignored"),
    {"title": "Putin says the US and NATO replies ignored Russia's main concerns"},
    dt.date(2022, 2, 1),
    known_given=False,
    note="closer to the Kremlin transcript",
)
BLINKEN_FIX = Correction(
    GUARANTEES,
    "blinken-lavrov-geneva-fix-21jan",
    Key(GUARANTEES, "blinken-lavrov-geneva"),
    {"date": "2022-01-21"},
    dt.date(2022, 1, 12),
    known_given=False,
    note="they met in Geneva on 21 January",
)
RUSSIA_REPLY = make_event(
    GUARANTEES,
    "russia-written-reply",
    "2022-02-17",
    type="response",
    actors=["Russia"],
    title="Russia delivers and publishes its written reply to the US response",
)
LAVROV_LETTERS = make_event(
    LETTERS,
    "lavrov-letters-osce",
    "2022-01-28",
    known="2022-02-01",
    actors=["Russia"],
    title="Lavrov writes to OSCE counterparts on the indivisibility of security",
)

AMENDMENT_IDS = [DUPLICATE_RETRACTED.id, PUTIN_FIX.id, BLINKEN_FIX.id]
CORRECTED = {"blinken-lavrov-geneva", "putin-concerns-ignored"}


# ---- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture
def store(db_url: str) -> Iterator[EventStore]:
    s = open_store(db_url)
    yield s
    s.close()


def append(
    store: EventStore, items: Sequence[tuple[Entry, str | None]], at: dt.datetime
) -> list[Record]:
    """One write transaction that appends ``items`` and nothing else."""
    with store.writing({e.thread for e, _ in items}) as w:
        return w.log.append(items, at)


def tell_story(store: EventStore) -> list[Record]:
    """The README's session: import, a duplicate, its retraction, two corrections."""
    return [
        *append(store, IMPORTED, AT_0900),
        *append(store, [(DUPLICATE, None)], AT_1005),
        *append(store, [(DUPLICATE_RETRACTED, None)], AT_1010),
        *append(store, [(PUTIN_FIX, None), (BLINKEN_FIX, None)], AT_1015),
    ]


@pytest.fixture
def story(store: EventStore) -> list[Record]:
    return tell_story(store)


def all_records(store: EventStore) -> list[Record]:
    with store.reading() as r:
        return r.log.records()


def ids(records: Sequence[Record | FoldRecord]) -> list[str]:
    return [r.entry.id for r in records]


def event_ids(records: Sequence[Record | FoldRecord]) -> list[str]:
    return [r.entry.id for r in records if r.kind == "event"]


def amendment_ids(records: Sequence[Record | FoldRecord]) -> list[str]:
    return [r.entry.id for r in records if r.kind != "event"]


def folded(record: Record) -> FoldRecord:
    """What ``fold_records`` should give for a record: events as their heads."""
    entry = record.entry
    return FoldRecord(
        record.seq, entry.head() if isinstance(entry, Event) else entry, record.thread_title
    )


def _day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def chunk(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Make every ``IN (...)`` list of the store this short, so chunking is exercised."""
    monkeypatch.setattr("timeline.storage.driver.CHUNK", size)


# ---- Writer.append -------------------------------------------------------------------------


def test_seq_runs_one_to_n_across_appends_transactions_and_threads(store) -> None:
    first = append(store, IMPORTED[:9], AT_0900)
    with store.writing([GUARANTEES, TROOPS, ARMS]) as w:  # two appends, one transaction
        second = w.log.append(IMPORTED[9:12], AT_0900)
        third = w.log.append(IMPORTED[12:], AT_0900)
    fourth = append(store, [(DUPLICATE, None)], AT_1005)
    returned = [*first, *second, *third, *fourth]
    assert [r.seq for r in returned] == list(range(1, 17))
    assert [r.seq for r in all_records(store)] == list(range(1, 17))


def test_versions_count_one_two_three_within_each_thread(store, monkeypatch) -> None:
    chunk(monkeypatch, 2)  # the heads of four threads are read two at a time
    append(store, IMPORTED[:7], AT_0900)
    append(store, IMPORTED[7:], AT_0900)
    versions: dict[str, list[int]] = {}
    for r in all_records(store):
        versions.setdefault(r.entry.thread, []).append(r.version)
    assert versions == {
        GUARANTEES: list(range(1, 11)),
        TROOPS: [1, 2],
        NORMANDY: [1],
        ARMS: [1, 2],
    }


def test_each_record_links_to_the_previous_record_of_its_thread_and_the_first_to_nothing(
    store, story, monkeypatch
) -> None:
    chunk(monkeypatch, 2)
    append(store, [(RUSSIA_REPLY, None), (LAVROV_LETTERS, "Indivisible security")], AT_1100)
    last_hash: dict[str, str] = {}
    records = all_records(store)
    for r in records:
        assert r.prev_hash == last_hash.get(r.entry.thread, ""), r.entry.key
        last_hash[r.entry.thread] = r.hash
    assert len({r.hash for r in records}) == len(records) == 21


def test_the_hash_is_the_record_hash_of_the_stored_canonical_payload(store, story) -> None:
    with store.reading() as r:
        rows = list(r.log.chain_rows())
    assert len(rows) == len(story)
    for row, record in zip(rows, story, strict=True):
        assert row.payload == canonical(entry_to_payload(record.entry))
        assert row.payload == canonical(json.loads(row.payload))  # stored canonical
        assert row.recorded_at == format_recorded_at(record.recorded_at)
        expected = record_hash(
            record.kind, row.payload, record.prev_hash, row.recorded_at, record.thread_title
        )
        assert record.hash == row.hash == expected
    assert "El País" in rows[11].payload  # non-ASCII as UTF-8, not \u escapes


def test_the_thread_title_is_kept_on_the_record_that_names_the_thread(store, story) -> None:
    titled = {r.entry.key: r.thread_title for r in all_records(store) if r.thread_title}
    assert titled == {
        Key(GUARANTEES, "putin-demands-guarantees"): "Russia–US/NATO security guarantees",
        Key(TROOPS, "troop-buildup-reports"): (
            "Russian troops in Ukraine, Georgia and Moldova and NATO activity in the "
            "post-Soviet space"
        ),
        Key(NORMANDY, "paris-advisers-meeting"): "Normandy Format talks on eastern Ukraine",
        Key(ARMS, "us-arms-control-offer"): "Arms control and missile deployment in Europe",
    }


def test_appending_nothing_returns_nothing_and_writes_nothing(store, story) -> None:
    with store.writing([GUARANTEES]) as w:
        assert w.log.append([], AT_1100) == []
    with store.reading() as r:
        assert r.log.count() == 19
        assert r.log.records() == story


def test_what_append_returns_is_what_records_reads_back(store, story) -> None:
    read = all_records(store)
    assert read == story
    assert [(r.recorded_at, r.hash, r.prev_hash) for r in read] == [
        (r.recorded_at, r.hash, r.prev_hash) for r in story
    ]
    assert read[6].entry == REPLIES_DELIVERED  # summary, sources and refs come back too
    assert read[16].entry == DUPLICATE_RETRACTED and read[17].entry == PUTIN_FIX


def test_a_recorded_at_in_madrid_time_is_stored_as_the_same_instant_in_utc(store) -> None:
    madrid = dt.datetime(2026, 11, 28, 10, 0, 0, 250_000, tzinfo=MADRID)
    (returned,) = append(store, [(RUSSIA_REPLY, "Russia–US/NATO security guarantees")], madrid)
    (read,) = all_records(store)
    assert read == returned
    assert read.recorded_at == dt.datetime(2026, 11, 28, 9, 0, 0, 250_000, tzinfo=UTC)
    with store.reading() as r:
        (row,) = r.log.chain_rows()
    assert row.recorded_at == "2026-11-28T09:00:00.250000Z"


# ---- Reader.find ---------------------------------------------------------------------------


def test_find_returns_the_records_whose_keys_exist_and_leaves_out_the_others(store, story) -> None:
    by_key = {r.entry.key: r for r in story}
    wanted = [
        Key(GUARANTEES, "replies-delivered"),
        Key(GUARANTEES, PUTIN_FIX.id),
        Key(GUARANTEES, "replies-leaked"),  # no such event
        Key(LEAK, "el-pais-obtains-replies"),  # no such thread
    ]
    with store.reading() as r:
        assert r.log.find(wanted) == {k: by_key[k] for k in wanted[:2]}
        assert r.log.find([]) == {}


def test_find_with_more_keys_than_a_chunk_gives_the_same_answer(store, story, monkeypatch) -> None:
    by_key = {r.entry.key: r for r in story}
    present = [k for k in by_key if k.id.startswith(("replies", "us-"))]
    absent = [Key(NORMANDY, "berlin-advisers-meeting"), Key(LEAK, "el-pais-obtains-replies")]
    chunk(monkeypatch, 2)
    with store.reading() as r:
        found = r.log.find([*present, *absent])
    assert len(present) == 6
    assert found == {k: by_key[k] for k in present}


# ---- Reader.records and fold_records: the filters -------------------------------------------


def test_records_of_more_threads_than_a_chunk_are_theirs_in_seq_order(
    store, story, monkeypatch
) -> None:
    chunk(monkeypatch, 2)
    asked = [TROOPS, NORMANDY, ARMS, LEAK]  # LEAK has no record
    with store.reading() as r:
        got = r.log.records(asked)
        assert r.log.records([]) == []
        # the threads may come once only (a generator): the filters read them twice
        filtered = r.log.records(asked, known_by=EVE_OF_PUBLICATION, since=dt.date(2022, 1, 1))
        assert (
            r.log.records(iter(asked), known_by=EVE_OF_PUBLICATION, since=dt.date(2022, 1, 1))
            == filtered
        )
        assert filtered
    assert got == [r for r in story if r.entry.thread in asked]
    assert ids(got) == [
        "troop-buildup-reports",
        "paris-advisers-meeting",
        "replies-withdrawal-call",
        "us-arms-control-offer",
        "us-eastern-europe-assurance",
    ]


def test_known_by_keeps_events_public_by_that_day_and_every_amendment(store, story) -> None:
    with store.reading() as r:
        got = r.log.records(known_by=EVE_OF_PUBLICATION)
    assert event_ids(got) == [
        "putin-demands-guarantees",
        "russia-draft-treaties",
        "troop-buildup-reports",
        "geneva-ssd",
        "nato-russia-council",
        "blinken-lavrov-geneva",
        "replies-delivered",
        "paris-advisers-meeting",
        "putin-concerns-ignored",
    ]
    # the retraction is known on 2 February, and comes along all the same
    assert amendment_ids(got) == AMENDMENT_IDS


@pytest.mark.parametrize(
    ("since", "until", "events_kept"),
    [
        (  # "2021-12~" covers all of December, so it overlaps the 20th
            "2021-12-20",
            None,
            [*(e.id for e, _ in IMPORTED[2:]), DUPLICATE.id],  # all but 1 and 17 December
        ),
        (
            None,
            "2021-12-05",
            [
                "putin-demands-guarantees",
                "troop-buildup-reports",
                "blinken-lavrov-geneva",
                "putin-concerns-ignored",
            ],
        ),
        (
            "2022-01-20",
            "2022-01-26",
            [
                "blinken-lavrov-geneva",
                "replies-delivered",
                "replies-open-door",
                "paris-advisers-meeting",
                "replies-withdrawal-call",
                "putin-concerns-ignored",
                "us-arms-control-offer",
                "us-eastern-europe-assurance",
            ],
        ),
    ],
)
def test_since_and_until_keep_events_whose_date_interval_overlaps_the_range(
    store, story, since, until, events_kept
) -> None:
    with store.reading() as r:
        got = r.log.records(since=_day(since), until=_day(until))
    # the corrected events always come along (a correction may move their dates)
    assert set(event_ids(got)) >= CORRECTED
    assert event_ids(got) == events_kept
    assert amendment_ids(got) == AMENDMENT_IDS


@pytest.mark.parametrize("chunk_size", [400, 1], ids=["few-corrections", "many-corrections"])
@pytest.mark.parametrize(
    "filters",
    [
        {"since": dt.date(2022, 1, 20)},
        {"known_by": dt.date(2022, 1, 11)},
        {"threads": [GUARANTEES, NORMANDY, ARMS], "until": dt.date(2022, 1, 11)},
        {"threads": [GUARANTEES, NORMANDY, ARMS], "known_by": dt.date(2022, 1, 11)},
    ],
    ids=["since", "known_by", "threads+until", "threads+known_by"],
)
def test_a_corrected_event_is_kept_by_date_filters_because_a_correction_may_move_its_dates(
    store, story, monkeypatch, chunk_size, filters
) -> None:
    chunk(monkeypatch, chunk_size)  # 1: more corrected events than a chunk, matched in SQL
    with store.reading() as r:
        got = event_ids(r.log.records(**filters))
        # fold_records has no date range (replays need none), only known_by
        fold_got = event_ids(r.log.fold_records(**filters)) if "known_by" in filters else got
    # Blinken and Lavrov were recorded on the NATO–Russia Council's day (12 January, known
    # that day) and corrected to 21 January: kept; the Council itself is not.
    assert "blinken-lavrov-geneva" in got
    assert "nato-russia-council" not in got
    assert fold_got == got


def test_with_titles_keeps_records_not_yet_known_that_name_their_thread(store, story) -> None:
    with store.reading() as r:
        plain = r.log.records(known_by=EVE_OF_PUBLICATION)
        titled = r.log.records(known_by=EVE_OF_PUBLICATION, with_titles=True)
    assert [r for r in titled if r not in plain] == [story[13]]
    assert story[13].entry.id == "us-arms-control-offer"  # known 2 February, names ARMS
    assert "us-eastern-europe-assurance" not in event_ids(titled)  # known later, no title


def test_a_known_by_read_with_titles_projects_like_the_whole_log(store, story) -> None:
    day = EVE_OF_PUBLICATION
    with store.reading() as r:
        part = r.log.fold_records(known_by=day, with_titles=True)
    hidden_part: dict[str, Hidden] = {}
    hidden_all: dict[str, Hidden] = {}
    assert project(part, as_of=day, hidden=hidden_part) == project(
        story, as_of=day, hidden=hidden_all
    )
    assert hidden_part == hidden_all
    assert hidden_all[ARMS].title == "Arms control and missile deployment in Europe"


@pytest.mark.parametrize(
    ("before", "held"),
    [
        (AT_0900 - MICROSECOND, 0),
        (AT_0900, 15),
        (AT_1005, 16),
        (AT_1010 - MICROSECOND, 16),
        (dt.datetime(2026, 11, 28, 11, 10, tzinfo=MADRID), 17),  # 10:10 UTC
        (AT_1015, 19),
    ],
)
def test_recorded_before_keeps_what_the_database_held_at_that_time(
    store, story, before, held
) -> None:
    with store.reading() as r:
        got = r.log.records(recorded_before=before)
        count = r.log.count(recorded_before=before)
    assert got == story[:held]
    assert count == held


# Every filter fold_records takes (not since/until: a replay has no date range), alone and
# together.
FOLD_FILTERS: list[dict[str, Any]] = [
    {},
    {"threads": [ARMS, NORMANDY]},
    {"known_by": EVE_OF_PUBLICATION},
    {"known_by": EVE_OF_PUBLICATION, "with_titles": True},
    {"recorded_before": AT_1005},
    {"threads": [GUARANTEES, TROOPS], "known_by": dt.date(2022, 1, 26), "recorded_before": AT_1010},
]


@pytest.mark.parametrize("filters", FOLD_FILTERS, ids=lambda f: "+".join(f) or "none")
def test_fold_records_apply_the_same_filters_as_records(store, story, filters) -> None:
    with store.reading() as r:
        records = r.log.records(**filters)
        fold = r.log.fold_records(**filters)
    assert records  # every filter set keeps something
    assert fold == [folded(x) for x in records]


def test_fold_records_carry_event_heads_not_events(store, story) -> None:
    with store.reading() as r:
        fold = r.log.fold_records()
        streamed = list(r.log.iter_fold_records(batch=4))
    assert fold == streamed == [folded(x) for x in story]
    kinds = {type(f.entry) for f in fold}
    assert kinds == {EventHead, Correction, Retraction}  # EventHead itself: no Event
    assert project(fold) == project(story)


def test_the_plain_and_the_core_reads_of_fold_records_agree(store, story) -> None:
    # FOLD_SQL (the driver's reads, a Snapshot's) and FOLD_COLUMNS (SQLAlchemy's, the
    # streamed replay's) are both derived from mapper.FOLD_FIELDS, each in its own SQL:
    # the replays that use one and those that use the other must fold the same records
    threads = sorted({x.entry.thread for x in story})
    with store.reading() as r:
        plain = r.log.fetch_fold_records(threads)()
        core = list(r.log.iter_fold_records(batch=4))
        filtered = r.log.fold_records(threads)
        tails = r.log.tails(dict.fromkeys(threads))
    assert plain == core == filtered == [folded(x) for x in story]
    assert [x for t in threads for x in tails[t]] == sorted(
        core, key=lambda x: (x.entry.thread, x.seq)
    )


# ---- amendments_of, count, chain_rows -------------------------------------------------------


def test_amendments_of_gives_each_targets_corrections_and_retractions_in_seq_order(
    store, story, monkeypatch
) -> None:
    putin = Key(GUARANTEES, "putin-concerns-ignored")
    summary_fix = Correction(
        GUARANTEES,
        "putin-concerns-ignored-fix-orban",
        putin,
        {"summary": "After talks in Moscow with Hungarian Prime Minister Viktor Orbán."},
        dt.date(2022, 2, 1),
        known_given=False,
    )
    (summary_record,) = append(store, [(summary_fix, None)], AT_1100)
    chunk(monkeypatch, 2)
    targets = [putin, DUPLICATE.key, Key(GUARANTEES, "el-pais-publishes"), Key(LEAK, "x")]
    with store.reading() as r:
        got = r.log.amendments_of(targets)
    assert got == {putin: [story[17], summary_record], DUPLICATE.key: [story[16]]}


def test_count_counts_every_record_or_those_recorded_by_a_time(store, story) -> None:
    with store.reading() as r:
        assert r.log.count() == 19
        assert r.log.count(recorded_before=AT_1005) == 16
        assert r.log.count(recorded_before=AT_0900 - MICROSECOND) == 0


def test_chain_rows_of_a_clean_log_show_no_column_mismatch(store, story) -> None:
    with store.reading() as r:
        rows = list(r.log.chain_rows())
    assert [row.column_mismatch for row in rows] == [None] * 19
    assert check_chains(rows) == []
    assert [(x.seq, x.thread, x.event_id, x.version, x.kind) for x in rows] == [
        (s.seq, s.entry.thread, s.entry.id, s.version, s.kind) for s in story
    ]


# ---- the projection table --------------------------------------------------------------------


def test_save_states_inserts_new_threads_then_updates_them(store, story, monkeypatch) -> None:
    early = project(story[:15])
    with store.writing() as w:
        w.projections.save_states(early)
    with store.reading() as r:
        assert r.projections.states() == early
        assert r.projections.horizons() == {t: s.horizon for t, s in early.items()}
    full = project(story)
    assert full != early  # the title correction changed the guarantees thread
    with store.writing() as w:
        w.projections.save_states(full)
    chunk(monkeypatch, 1)
    with store.reading() as r:
        assert r.projections.states() == full
        assert r.projections.states([GUARANTEES, NORMANDY, LEAK]) == {
            t: full[t] for t in (GUARANTEES, NORMANDY)
        }
        assert list(r.projections.horizons()) == sorted(early)
        assert r.projections.horizons([ARMS, LEAK]) == {ARMS: dt.date(2022, 2, 2)}


def test_states_naming_gives_every_state_that_names_a_party_or_an_issue(store, story) -> None:
    """Its LIKE finds names as the stored form writes them, LIKE's own wildcards and
    JSON's escapes included (a check of one actor reads these states, not them all)."""
    odd = ["50% off", "a_b", 'Quote "Q" \\ back', "Ünïcode"]
    event = make_event(
        LEAK, "odd-names", "2022-02-03", actors=odd, positions=[(odd[0], "100% _talks_", "no")]
    )
    states = project([*story, *append(store, [(event, None)], AT_1100)])
    with store.writing() as w:
        w.projections.save_states(states)
    with store.reading() as r:
        for name in {a for s in states.values() for a in s.parties} | {"100% _talks_"}:
            naming = {
                t
                for t, s in states.items()
                if name in s.parties or name in {p.issue for p in s.positions}
            }
            assert naming, name
            found = r.projections.states_naming([name])
            assert {s.thread for s in found} >= naming, name
            assert all(s == states[s.thread] for s in found)
        for nobody in ("%", "_", "a%b", "50", "Quote", "\\"):  # no name is these whole
            assert r.projections.states_naming([nobody]) == [], nobody
        assert r.projections.states_naming([]) == []


def test_a_thread_that_shows_no_event_keeps_a_row_without_a_state(store, story) -> None:
    obtained = make_event(
        LEAK,
        "el-pais-obtains-replies",
        "2022-01-26",
        known="2022-02-02",
        type="disclosure",
        actors=["El País"],
        title="El País obtains the replies",
    )
    (titled,) = append(store, [(obtained, "The leak of the written replies")], AT_1100)
    with store.writing([LEAK]) as w:
        w.projections.save_states(project(w.log.fold_records()))
    with store.reading() as r:
        assert LEAK in r.projections.states()
    retracted = Retraction(
        LEAK,
        "el-pais-obtains-replies-retracted",
        obtained.key,
        "recorded in a thread of its own by mistake; see el-pais-publishes",
        dt.date(2022, 2, 2),
        known_given=False,
    )
    (retraction,) = append(store, [(retracted, None)], AT_1100 + MICROSECOND)
    hidden: dict[str, Hidden] = {}
    states = project(all_records(store), hidden=hidden)
    assert hidden == {
        LEAK: Hidden(
            LEAK, "The leak of the written replies", dt.date(2022, 2, 2), retraction.seq, titled.seq
        )
    }
    with store.writing() as w:
        w.projections.save_states(states, hidden)
    with store.reading() as r:
        assert r.projections.states() == states and LEAK not in r.projections.states()
        assert r.projections.horizons()[LEAK] == dt.date(2022, 2, 2)
        assert r.projections.horizons([LEAK]) == {LEAK: dt.date(2022, 2, 2)}
        assert r.projections.summary_mismatches(states, hidden) == {}


def test_clear_states_empties_the_projection_table(store, story) -> None:
    with store.writing() as w:
        w.projections.save_states(project(story))
    with store.writing() as w:
        w.projections.clear_states()
    with store.reading() as r:
        assert r.projections.states() == {}
        assert r.projections.horizons() == {}
        assert r.log.count() == 19  # the log is untouched


def test_summary_mismatches_find_nothing_after_saving_a_replay(store, story) -> None:
    hidden: dict[str, Hidden] = {}
    states = project(story, as_of=EVE_OF_PUBLICATION, hidden=hidden)
    assert set(hidden) == {ARMS}  # nothing of it public on 1 February
    with store.writing() as w:
        w.projections.save_states(states, hidden)
    with store.reading() as r:
        assert r.projections.summary_mismatches(states, hidden) == {}
        assert set(r.projections.horizons()) == {GUARANTEES, TROOPS, NORMANDY, ARMS}


@pytest.mark.parametrize(
    ("thread", "column", "value"),
    [
        (GUARANTEES, "title", "Russia–NATO talks"),
        (GUARANTEES, "status", "agreed"),
        (GUARANTEES, "events", 99),
        (GUARANTEES, "horizon", dt.date(2022, 2, 24)),
        (GUARANTEES, "max_seq", 999),
        (ARMS, "title", "Arms control"),  # a thread that shows no event
        (ARMS, "max_seq", 1),
    ],
)
def test_summary_mismatches_name_a_column_changed_behind_the_stores_back(
    store, story, thread, column, value
) -> None:
    hidden: dict[str, Hidden] = {}
    states = project(story, as_of=EVE_OF_PUBLICATION, hidden=hidden)
    with store.writing() as w:
        w.projections.save_states(states, hidden)
    with store.engine.begin() as conn:  # plain SQLAlchemy, none of the store's code
        conn.execute(
            update(thread_states).where(thread_states.c.thread == thread).values({column: value})
        )
    with store.reading() as r:
        assert r.projections.summary_mismatches(states, hidden) == {thread: column}


# ---- Writer.restore ----------------------------------------------------------------------------


def _source_records(tmp_path: Path) -> tuple[list[Record], list[Any]]:
    """The story told to another store (an SQLite file), read back with its chain rows."""
    source = open_store(str(tmp_path / "source.db"))
    try:
        tell_story(source)
        with source.reading() as r:
            return r.log.records(), list(r.log.chain_rows())
    finally:
        source.close()


def test_restoring_records_read_from_another_store_gives_identical_records(store, tmp_path) -> None:
    records, rows = _source_records(tmp_path)
    with store.writing() as w:
        w.log.restore(records)
    with store.reading() as r:
        assert r.log.records() == records
        restored_rows = list(r.log.chain_rows())
    assert restored_rows == rows
    assert check_chains(restored_rows) == []


def test_an_append_after_a_restore_continues_the_chains(store, tmp_path) -> None:
    records, _ = _source_records(tmp_path)
    with store.writing() as w:
        w.log.restore(records)
    (reply,) = append(store, [(RUSSIA_REPLY, None)], AT_1100)
    last = [r for r in records if r.entry.thread == GUARANTEES][-1]
    assert (reply.seq, reply.version, reply.prev_hash) == (20, last.version + 1, last.hash)
    with store.reading() as r:
        assert check_chains(r.log.chain_rows()) == []


# ---- conflicts: the unique (thread, version) key ---------------------------------------------


def _assert_nothing_written(store: EventStore, story: list[Record], states: Any) -> None:
    with store.reading() as r:
        assert r.log.records() == story
        assert r.projections.states() == states
        assert LETTERS not in r.projections.horizons()


def test_a_stale_head_is_refused_by_the_thread_version_key_and_nothing_is_written(
    store, story, monkeypatch
) -> None:
    states = project(story)
    with store.writing() as w:
        w.projections.save_states(states)
    # As if another writer had appended after this one read the head of the thread.
    monkeypatch.setattr(LogWriter, "_read_heads", lambda self, threads: {})
    with (
        pytest.raises(ConflictError, match=r"refused the write.*version"),
        store.writing([LETTERS, GUARANTEES]) as w,
    ):
        (letters,) = w.log.append([(LAVROV_LETTERS, "Indivisible security")], AT_1100)
        assert letters.version == 1  # a new thread: its stale head is right
        w.projections.save_states(project([*story, letters]))
        w.log.append([(RUSSIA_REPLY, None)], AT_1100)  # version 1 of the guarantees again
    _assert_nothing_written(store, story, states)


def test_a_row_inserted_at_a_taken_version_in_the_same_transaction_is_a_conflict(
    store, story
) -> None:
    states = project(story)
    with store.writing() as w:
        w.projections.save_states(states)
    with (
        pytest.raises(ConflictError, match=r"refused the write.*version"),
        store.writing([LETTERS, GUARANTEES]) as w,
    ):
        (letters, reply) = w.log.append(
            [(LAVROV_LETTERS, "Indivisible security"), (RUSSIA_REPLY, None)], AT_1100
        )
        w.projections.save_states(project([*story, letters, reply]))
        # Another row at the reply's (thread, version), straight into the same
        # transaction: only the database's unique key can refuse it.
        rival = dataclasses.replace(
            reply,
            seq=reply.seq + 1,
            entry=dataclasses.replace(RUSSIA_REPLY, id="russia-written-reply-published"),
        )
        payload = canonical(entry_to_payload(rival.entry))
        row = to_row(rival, format_recorded_at(AT_1100), payload)
        w._conn.execute(insert(events).values(row))
    _assert_nothing_written(store, story, states)


# ---- snapshots -------------------------------------------------------------------------------


def test_reads_inside_one_reading_block_see_one_snapshot(store, story) -> None:
    with store.reading() as r:
        before = (r.log.count(), r.log.records())
        append(store, [(RUSSIA_REPLY, None)], AT_1100)  # another connection commits meanwhile
        after = (r.log.count(), r.log.records())
        found = r.log.find([RUSSIA_REPLY.key])
    assert before == after == (19, story)
    assert found == {}
    with store.reading() as r:
        assert r.log.count() == 20


def test_a_bulk_append_reads_back_as_appended_and_verifies(store) -> None:
    """Enough rows at once that PostgreSQL takes them by COPY: same rows, same chain."""
    from timeline.storage import writer
    from timeline.usecases import verify
    from timeline.usecases._append import append as append_and_project

    many = [
        (
            make_event(
                f"bulk-{n % 3}",
                f"e{n}",
                f"2022-01-{n % 28 + 1:02d}",
                type="meeting",
                actors=["Russia", "NATO"],
                title=f"Meeting {n}: “quotes”, a backslash-t \\t, a backslash-n \\n",
                positions=[("NATO", "open door", f"stance {n}")] if n % 2 else [],
            ),
            "Bulk thread" if n < 3 else None,
        )
        for n in range(writer._COPY_FROM + 10)
    ]
    with store.writing({e.thread for e, _ in many}) as w:
        appended = append_and_project(w, many, AT_0900)
    with store.reading() as r:
        assert r.log.records() == appended
    assert verify(store).findings == []

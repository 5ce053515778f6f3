"""The stored form round-trips, and the canonical form is the JSON Canonicalization Scheme.

Hypothesis builds events, corrections and retractions as the input rules accept them;
the ``rfc8785`` package (RFC 8785, an independent implementation) is the oracle for
``codec.canonical`` on the values timeline stores: text in NFC (timeline normalises
every string it records), integers, booleans, null, lists and objects. Floats are never
stored, so they are not compared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from typing import Any

import rfc8785
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from timeline.core.chain import record_hash
from timeline.core.codec import canonical, canonical_without_floats, dumps, dumps_without_floats
from timeline.core.errors import InvalidEvent
from timeline.core.mapper import entry_from_payload, entry_to_payload
from timeline.core.mapper.rows import _payload
from timeline.core.model import EVENT_TYPES, STATUSES, Correction, Event, Key, Retraction
from timeline.core.validate import CORRECTABLE, event_from_input

SLUGS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
# one line of text, as a person writes it (any script, combining marks, emoji)
LINE = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")
DAYS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@st.composite
def edtf_dates(draw: st.DrawFn) -> str:
    day = draw(DAYS)
    text = draw(st.sampled_from([day.isoformat(), day.isoformat()[:7], day.isoformat()[:4]]))
    return text + draw(st.sampled_from(["", "~", "?", "%"]))


@st.composite
def raw_events(draw: st.DrawFn) -> dict[str, Any]:
    """An event as a user writes it in an event file."""
    raw: dict[str, Any] = {
        "thread": draw(SLUGS),
        "id": draw(SLUGS),
        "date": draw(edtf_dates()),
        "type": draw(st.sampled_from(EVENT_TYPES)),
        "actors": draw(st.lists(LINE, min_size=1, max_size=3)),
        "title": draw(LINE),
    }
    if draw(st.booleans()):
        raw["summary"] = draw(st.text(min_size=1, max_size=80).filter(lambda s: s.strip()))
    if draw(st.booleans()):
        raw["status"] = draw(st.sampled_from(STATUSES))
    if draw(st.booleans()):
        url = draw(
            st.sampled_from(
                [None, "https://www.elpais.com/", "http://www.nato.int/cps/en/natohq/news.htm"]
            )
        )
        raw["sources"] = [{"name": draw(LINE), **({"url": url} if url else {})}]
    if draw(st.booleans()):
        raw["positions"] = [
            {"actor": a, "issue": draw(LINE), "stance": draw(LINE)} for a in raw["actors"][:1]
        ]
    if draw(st.booleans()):
        raw["refs"] = [f"{draw(SLUGS)}/{draw(SLUGS)}"]
    if draw(st.booleans()):  # who knew before the public: on the date, any EDTF form of it
        raw["known_to"] = {draw(LINE): raw["date"].rstrip("~?%") for _ in range(2)}
    if draw(st.booleans()):  # what a dataset called it
        schemes = st.sampled_from(["cameo", "plover", "gdelt-id", "icews_id"])
        raw["codes"] = draw(st.dictionaries(schemes, LINE, min_size=1, max_size=3))
    return raw


def valid_event(raw: dict[str, Any]) -> Event:
    """The event, or the example is discarded: a ref to itself is refused, not stored."""
    try:
        return event_from_input(raw)
    except InvalidEvent:
        assume(False)
        raise


@settings(max_examples=examples(300), deadline=None)
@given(raw_events())
def test_every_valid_event_round_trips_through_its_stored_payload(raw: dict[str, Any]) -> None:
    event = valid_event(raw)
    payload = entry_to_payload(event)
    assert entry_from_payload(payload, "event") == event
    # the payload as stored is canonical text, and reads back the same
    assert entry_from_payload(json.loads(canonical(payload)), "event") == event


@settings(max_examples=examples(200), deadline=None)
@given(
    target=st.tuples(SLUGS, SLUGS),
    changes=st.dictionaries(
        st.sampled_from(["title", "summary", "status", "actors", "date"]), LINE, min_size=1
    ),
    known=st.one_of(st.none(), DAYS),
    note=st.one_of(st.none(), LINE),
    reason=LINE,
)
def test_corrections_and_retractions_round_trip_through_their_stored_payloads(
    target: tuple[str, str],
    changes: dict[str, str],
    known: dt.date | None,
    note: str | None,
    reason: str,
) -> None:
    key = Key(*target)
    day = known or dt.date(2022, 2, 2)
    fix = Correction(key.thread, "fix", key, changes, day, known is not None, note)
    withdrawal = Retraction(key.thread, "withdrawn", key, reason, day, known is not None)
    for entry in (fix, withdrawal):
        assert entry_from_payload(entry_to_payload(entry), entry.kind) == entry


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        # keys in the Basic Multilingual Plane below the surrogates: there, ordering by code
        # point (timeline) and by UTF-16 code unit (RFC 8785) agree (see
        # test_keys_are_sorted_by_code_point for where they do not)
        | st.dictionaries(st.text(st.characters(max_codepoint=0xD7FF), max_size=8), children)
    ),
    max_leaves=20,
)


def nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    return value


@settings(max_examples=examples(500), deadline=None)
@given(JSON_VALUES)
def test_the_canonical_form_is_rfc_8785_for_the_values_timeline_stores(value: Any) -> None:
    value = nfc(value)
    assert canonical(value).encode("utf-8") == rfc8785.dumps(value)


@settings(max_examples=examples(200), deadline=None)
@given(raw_events())
def test_an_events_hash_is_the_sha_256_of_its_rfc_8785_record(raw: dict[str, Any]) -> None:
    event = valid_event(raw)
    payload = entry_to_payload(event)
    stamp = "2022-02-02T09:00:00.000000Z"
    record = {
        "kind": "event",
        "payload": payload,
        "prev": "",
        "recorded_at": stamp,
        "thread_title": "Russia–US/NATO security guarantees",
    }
    # known_to's keys are actor names: where RFC 8785's order differs from timeline's
    # (test_keys_are_sorted_by_code_point), the oracle does not apply
    names = [name for name, _ in event.known_to]
    assume(sorted(names) == sorted(names, key=_utf16))
    expected = hashlib.sha256(rfc8785.dumps(record)).hexdigest()
    assert record_hash("event", canonical(payload), "", stamp, record["thread_title"]) == expected


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be")


def test_keys_are_sorted_by_code_point() -> None:
    """The one difference from RFC 8785, which sorts keys by UTF-16 code unit: a key
    holding a character above U+FFFF (as an emoji) sorts after one holding a character
    in U+E000..U+FFFF (as a fullwidth letter) here, before it there. Only known_to's
    actor names can differ so; every hash recorded so far was made this way."""
    names = {"\U0001f1eb\U0001f1f7": "2022-01-26", "\uff26rance": "2022-01-26"}
    assert canonical(names) == '{"\uff26rance":"2022-01-26","\U0001f1eb\U0001f1f7":"2022-01-26"}'
    assert canonical_without_floats(names) == canonical(names)
    assert rfc8785.dumps(names).decode() != canonical(names)


# Every kind of text: controls, DEL, U+2028, lone surrogates, combining marks (not in
# NFC), astral characters (keys too: both sides sort them by code point); integers of
# any size. Everything but floats, which the fast form leaves out by name.
ANY_TEXT = st.text(st.characters(), max_size=12)
NUMBERLESS_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | ANY_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=examples(1000), deadline=None)
@given(NUMBERLESS_VALUES)
def test_orjsons_canonical_text_is_the_standard_librarys_for_any_value_without_floats(
    value: Any,
) -> None:
    assert canonical_without_floats(value) == canonical(value)


@settings(max_examples=examples(500), deadline=None)
@given(NUMBERLESS_VALUES)
def test_orjsons_compact_text_is_the_standard_librarys_for_any_value_without_floats(
    value: Any,
) -> None:
    assert dumps_without_floats(value) == dumps(value)


@settings(max_examples=examples(200), deadline=None)
@given(raw_events())
def test_an_events_payload_has_one_canonical_text_whichever_encoder_writes_it(
    raw: dict[str, Any],
) -> None:
    payload = entry_to_payload(valid_event(raw))
    assert canonical_without_floats(payload) == canonical(payload)


# what an event's payload may hold: no numbers at all (``canonical_payload``)
TEXTS_AND_BOOLEANS = st.recursive(
    st.none() | st.booleans() | ANY_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=examples(500), deadline=None)
@given(TEXTS_AND_BOOLEANS, st.sampled_from([canonical, dumps]))
def test_an_event_payload_reads_as_the_standard_library_reads_it(value: Any, write: Any) -> None:
    text = write(value)  # escaped lone surrogates too: orjson refuses them, json reads them
    assert _payload(text, "event") == json.loads(text)


def test_only_an_event_payload_is_read_by_orjson() -> None:
    big = "[123456789012345678901234567890]"  # orjson would read a float
    assert _payload(big, "correction") == [123456789012345678901234567890]


def test_decomposed_text_is_hashed_as_its_composed_form() -> None:
    # "País" typed with a combining acute accent is the same text as with "í"
    assert canonical({"name": "El Pai\u0301s"}) == canonical({"name": "El País"})


CHANGEABLE = list(CORRECTABLE)  # every field a correction may set


@settings(max_examples=examples(300), deadline=None)
@given(raw_events(), raw_events(), st.sets(st.sampled_from(CHANGEABLE), min_size=1))
def test_a_stored_correction_replays_to_what_the_input_rules_made_of_it(
    original: dict[str, Any], other: dict[str, Any], names: set[str]
) -> None:
    """Replays apply stored corrections without the input rules (apply_corrections); for
    every correction the rules accept, the result is the same event."""
    from timeline.core.amend import apply_corrections, checked_corrections

    event = valid_event(original)
    changes = {k: other[k] for k in names if k in other}
    assume(changes)
    fix = Correction(event.thread, "fix", event.key, changes, dt.date(2022, 2, 2), True)
    try:
        checked = checked_corrections(event, [fix])
    except InvalidEvent:
        assume(False)
        raise
    assert apply_corrections(event, [fix]) == checked
    assert apply_corrections(event.head(), [fix]) == checked.head()

"""event_from_input, the one gate for user-written events, and the stored payload form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from timeline.core.errors import InvalidEvent
from timeline.core.mapper import entry_content as event_content
from timeline.core.mapper import entry_from_payload, entry_to_payload
from timeline.core.model import EVENT_TYPES, STATUSES, Event, Position, Source
from timeline.core.validate import event_from_input

D = dt.date.fromisoformat
THREAD = "russia-nato-security-guarantees"
SLUG_HINT = "use lowercase letters, digits and '-', starting with a letter or digit"


def draft_treaties(**changes: Any) -> dict[str, Any]:
    """Russia's draft treaties of 17 December 2021, as a user would write them in YAML.

    A change set to ``...`` removes that field.
    """
    raw: dict[str, Any] = {
        "id": "russia-draft-treaties",
        "date": "2021-12-17",
        "type": "demand",
        "actors": ["Russia"],
        "title": "Russia publishes draft security treaties with the US and with NATO members",
    }
    raw.update(changes)
    return {k: v for k, v in raw.items() if v is not ...}


def read(**changes: Any) -> Event:
    return event_from_input(draft_treaties(**changes), THREAD)


def problems_of(raw: Any, thread: str | None = THREAD) -> list[tuple[str | None, str]]:
    with pytest.raises(InvalidEvent) as e:
        event_from_input(raw, thread)
    return e.value.problems


def fields_of(raw: Any, thread: str | None = THREAD) -> list[str | None]:
    return [name for name, _ in problems_of(raw, thread)]


# ---- a valid event -----------------------------------------------------------------


def test_a_full_event_with_yaml_types_is_read_and_survives_the_stored_form() -> None:
    raw = {
        "thread": THREAD,
        "id": "us-nato-written-responses",
        "date": dt.date(2022, 1, 26),  # what a YAML loader with timestamps gives
        "known": dt.date(2022, 2, 2),
        "type": "response",
        "actors": ["United States", "NATO"],
        "title": "  US and NATO deliver written responses to Russia  ",
        "summary": "Handed over in Moscow; published by El País on 2 February.\n",
        "sources": [
            {"name": "El País", "url": " https://elpais.com/ ", "date": dt.date(2022, 2, 2)},
            {"name": "Reuters", "date": 2022},
        ],
        "status": "negotiating",
        "positions": [{"actor": "NATO", "issue": "NATO enlargement", "stance": "open door"}],
        "refs": ["russia-draft-treaties", "other-thread/some-event"],
    }
    event = event_from_input(raw)

    assert str(event.key) == f"{THREAD}/us-nato-written-responses"
    assert event.date.text == "2022-01-26"
    assert event.known == D("2022-02-02")
    assert event.known_given is True
    assert event.actors == ("United States", "NATO")
    assert event.title == "US and NATO deliver written responses to Russia"
    assert event.summary == "Handed over in Moscow; published by El País on 2 February."
    assert event.sources == (
        Source("El País", "https://elpais.com/", "2022-02-02"),
        Source("Reuters", None, "2022"),
    )
    assert event.positions == (Position("NATO", "NATO enlargement", "open door"),)
    assert tuple(map(str, event.refs)) == (
        f"{THREAD}/russia-draft-treaties",
        "other-thread/some-event",
    )
    assert entry_from_payload(entry_to_payload(event), "event") == event


def test_a_year_written_as_a_bare_yaml_integer_is_the_year() -> None:
    event = read(date=2022)
    assert (event.date.text, event.date.first, event.date.last) == (
        "2022",
        D("2022-01-01"),
        D("2022-12-31"),
    )
    assert entry_from_payload(entry_to_payload(event), "event") == event


def test_an_event_takes_the_file_thread_unless_it_names_its_own() -> None:
    assert event_from_input(draft_treaties(), THREAD).thread == THREAD
    own = event_from_input(draft_treaties(thread="nato-enlargement"), THREAD)
    assert own.thread == "nato-enlargement"
    assert str(own.key) == "nato-enlargement/russia-draft-treaties"


def test_an_integer_id_becomes_text() -> None:
    assert read(id=1997).id == "1997"


def test_known_defaults_to_the_last_day_of_the_date_and_is_marked_as_not_given() -> None:
    event = read(date="2021-12")
    assert event.known == D("2021-12-31")
    assert event.known_given is False
    assert entry_from_payload(entry_to_payload(event), "event").known_given is False


def test_known_inside_a_month_date_is_allowed() -> None:
    event = read(date="2021-12", known="2021-12-15")
    assert event.known == D("2021-12-15")
    assert event.known_given is True


def test_known_before_the_first_day_of_the_date_is_an_error_naming_both() -> None:
    assert problems_of(draft_treaties(date="2021-12", known="2021-11-30")) == [
        ("known", "known 2021-11-30 is before the date 2021-12 (starts 2021-12-01)")
    ]


def test_known_must_be_a_full_day() -> None:
    assert problems_of(draft_treaties(known="2021-12")) == [
        ("known", "invalid known date '2021-12': expected a full day YYYY-MM-DD")
    ]


def test_event_content_ignores_whether_known_was_written_when_the_value_is_the_same() -> None:
    defaulted = read(date="2021-12")
    written = read(date="2021-12", known="2021-12-31")
    assert defaulted.known_given != written.known_given
    assert event_content(defaulted) == event_content(written)
    assert "known_given" not in event_content(written)  # canonical JSON text
    later = read(date="2021-12", known="2022-01-05")
    assert event_content(later) != event_content(written)


def test_a_single_actor_written_as_text_becomes_a_one_name_tuple() -> None:
    assert read(actors="Russia").actors == ("Russia",)


def test_a_repeated_actor_is_kept_once_in_first_seen_order() -> None:
    event = read(actors=["Russia", "NATO", " Russia ", "NATO"])
    assert event.actors == ("Russia", "NATO")


def test_a_ref_written_as_a_bare_id_points_into_the_same_thread_and_is_kept_once() -> None:
    event = read(refs=["putin-demands-guarantees", f"{THREAD}/putin-demands-guarantees"])
    assert tuple(map(str, event.refs)) == (f"{THREAD}/putin-demands-guarantees",)


# ---- what is refused, and under which field ------------------------------------------


def test_an_unknown_type_is_refused_with_the_valid_types() -> None:
    assert problems_of(draft_treaties(type="ultimatum")) == [
        ("type", f"unknown type 'ultimatum' (valid: {', '.join(EVENT_TYPES)})")
    ]


def test_an_unknown_status_is_refused_with_the_valid_statuses() -> None:
    assert problems_of(draft_treaties(status="frozen")) == [
        ("status", f"unknown status 'frozen' (valid: {', '.join(STATUSES)})")
    ]


@pytest.mark.parametrize("field", ["id", "date", "type", "actors", "title"])
def test_a_missing_required_field_is_named(field: str) -> None:
    assert problems_of(draft_treaties(**{field: ...})) == [
        (field, f"missing required field {field!r}")
    ]


@pytest.mark.parametrize("field", ["actors", "title", "id"])
def test_an_empty_required_field_counts_as_missing(field: str) -> None:
    empty: Any = [] if field == "actors" else ""
    assert problems_of(draft_treaties(**{field: empty})) == [
        (field, f"missing required field {field!r}")
    ]


def test_an_event_without_any_thread_is_refused() -> None:
    assert problems_of(draft_treaties(), thread=None) == [
        ("thread", "missing required field 'thread'")
    ]


def test_a_blank_title_is_refused() -> None:
    assert problems_of(draft_treaties(title="   ")) == [("title", "title must be non-empty text")]


def test_a_title_over_several_lines_is_refused() -> None:
    assert problems_of(draft_treaties(title="Russia publishes\ndraft treaties")) == [
        ("title", "title must be one line")
    ]


@pytest.mark.parametrize("slug", ["Foo Bar", "-x"])
def test_an_id_that_is_not_a_slug_is_refused_with_a_hint(slug: str) -> None:
    assert problems_of(draft_treaties(id=slug)) == [("id", f"invalid id {slug!r}: {SLUG_HINT}")]


@pytest.mark.parametrize("slug", ["Foo Bar", "-x"])
def test_a_thread_that_is_not_a_slug_is_refused_with_a_hint(slug: str) -> None:
    assert problems_of(draft_treaties(thread=slug)) == [
        ("thread", f"invalid thread {slug!r}: {SLUG_HINT}")
    ]


def test_a_misspelt_field_is_refused_with_the_valid_fields() -> None:
    [(field, message)] = problems_of(draft_treaties(postions=[]))
    assert field == "postions"
    assert message.startswith("unknown field 'postions' (valid: thread, id, date, known, ")
    assert "positions" in message


def test_a_position_without_a_stance_is_refused() -> None:
    raw = draft_treaties(positions=[{"actor": "Russia", "issue": "NATO enlargement"}])
    assert problems_of(raw) == [("positions", "position stance must be non-empty text")]


def test_two_stances_of_one_actor_on_one_issue_in_one_event_are_refused() -> None:
    raw = draft_treaties(
        positions=[
            {"actor": "Russia", "issue": "NATO enlargement", "stance": "no further enlargement"},
            {"actor": "Russia", "issue": "NATO enlargement", "stance": "no Ukraine"},
        ]
    )
    assert problems_of(raw) == [
        ("positions", "two stances of 'Russia' on 'NATO enlargement' in one event")
    ]


@pytest.mark.parametrize(
    "url",
    [
        "reuters dot com",
        "javascript:alert(1)",
        "data:text/html,<b>hi</b>",
        "mailto:press@elpais.es",
        "ftp://ftp.example.org/replies.pdf",
        "http://",
        "https:///path-only",
        "https://elpais.com/a page",
        "https://[::1",
    ],
)
def test_a_source_url_that_is_not_a_web_address_is_refused(url: str) -> None:
    raw = draft_treaties(sources=[{"name": "Reuters", "url": url}])
    assert problems_of(raw) == [
        ("sources", f"source url {url!r} is not a web address (http:// or https://)")
    ]


def test_a_web_address_is_kept_as_written() -> None:
    url = "https://elpais.com/internacional/2022-02-02/respuesta.html?id=1#texto"
    (source,) = read(sources=[{"name": "El País", "url": f"  {url} "}]).sources
    assert source.url == url


@pytest.mark.parametrize("ref", ["russia-draft-treaties", f"{THREAD}/russia-draft-treaties"])
def test_an_event_cannot_refer_to_itself(ref: str) -> None:
    assert problems_of(draft_treaties(refs=[ref])) == [
        ("refs", f"event {THREAD}/russia-draft-treaties cannot refer to itself")
    ]


def test_a_ref_with_two_slashes_is_refused() -> None:
    assert problems_of(draft_treaties(refs=["a/b/c"])) == [
        ("refs", "invalid ref 'a/b/c': expected 'thread/id' or 'id'")
    ]


def test_an_invalid_date_is_reported_under_date() -> None:
    assert problems_of(draft_treaties(date="2022-02-30")) == [
        ("date", "invalid date '2022-02-30': day must be 01..28 in 2022-02")
    ]


def test_a_timestamp_is_not_a_date() -> None:
    assert fields_of(draft_treaties(date=dt.datetime(2022, 1, 26, 10, 0))) == ["date"]


@pytest.mark.parametrize(
    "changes", [{"date": [2022, 1]}, {"sources": [{"name": "Reuters", "date": [2022]}]}]
)
def test_a_date_written_as_a_list_is_reported_not_crashed_on(changes: dict[str, Any]) -> None:
    assert fields_of(draft_treaties(**changes)) == [next(iter(changes))]


def test_something_other_than_a_mapping_is_not_an_event() -> None:
    assert problems_of(["russia-draft-treaties"]) == [
        (None, "an event must be a mapping of fields")
    ]


def test_every_problem_of_an_event_is_reported_at_once() -> None:
    raw = {
        "id": "Draft Treaties",
        "date": "2021-12",
        "known": "2021-11-30",
        "type": "ultimatum",
        "actors": [],
        "title": "Russia publishes\ndraft treaties",
        "status": "frozen",
        "postions": [],
        "sources": [{"name": "Reuters", "url": "reuters dot com"}],
        "refs": ["a/b/c"],
    }
    with pytest.raises(InvalidEvent) as e:
        event_from_input(raw, THREAD)
    assert [name for name, _ in e.value.problems] == [
        "postions",
        "actors",
        "id",
        "known",
        "type",
        "status",
        "title",
        "sources",
        "refs",
    ]
    # The exception's text carries every message, for the CLI's one `Error:` line.
    assert str(e.value) == "; ".join(message for _, message in e.value.problems)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=examples(300))
@given(json_values)
def test_pretty_json_is_the_standard_librarys_indented_json(value: object) -> None:
    """`pretty` (orjson) is a faster way to the same text, not another format."""
    import json

    from timeline.core.codec import pretty

    assert pretty(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_codes_are_kept_as_a_dataset_gave_them_sorted_by_scheme() -> None:
    event = read(codes={"plover": "CONSULT", "cameo": "046"})
    assert event.codes == (("cameo", "046"), ("plover", "CONSULT"))
    payload = entry_to_payload(event)
    assert payload["codes"] == {"cameo": "046", "plover": "CONSULT"}
    assert entry_from_payload(payload, "event") == event
    assert "codes" not in entry_to_payload(read())  # none: left out, old hashes kept


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (["046"], "codes must be a mapping of scheme to code, e.g. {cameo: '046'}"),
        ({"CAMEO": "046"}, "codes: 'CAMEO' is not a scheme: lowercase letters, digits, '-', '_'"),
        ({"cameo": 38}, "codes: cameo's code must be text: quote it ('38')"),
        ({"cameo": ""}, "codes: cameo's code must be non-empty text"),
        ({"cameo": "0" * 201}, "codes: cameo's code is longer than 200 characters"),
    ],
)
def test_codes_that_are_no_mapping_of_scheme_to_text_are_refused(codes: Any, message: str) -> None:
    assert problems_of(draft_treaties(codes=codes)) == [("codes", message)]

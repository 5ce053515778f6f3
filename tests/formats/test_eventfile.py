"""Event files (YAML, JSON, JSON Lines) read into raw events that remember their lines."""

from __future__ import annotations

import json
import textwrap

import pytest

from timeline.core.errors import Problem
from timeline.formats.eventfile import ParsedFile, parse

THREAD = "russia-nato-security-guarantees"

YAML_FILE = textwrap.dedent(f"""\
    thread: {THREAD}
    title: Russia–US/NATO security guarantees
    events:
      - id: russia-draft-treaties
        date: 2021-12-17
        type: demand
        actors: [Russia]
        title: Russia publishes draft security treaties

      - id: us-nato-written-responses
        date: 2022-01-26
        known: 2022-02-02
        type: response
        actors: [United States, NATO]
        title: US and NATO deliver written responses

      - {{id: finland-sweden-apply, date: 2022-05-18, thread: nato-enlargement}}
    """)


def messages(parsed: ParsedFile) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in parsed.problems]


# ---- YAML ------------------------------------------------------------------------------


def test_a_yaml_file_gives_its_events_with_the_file_thread_and_their_lines() -> None:
    parsed = parse(YAML_FILE, "events/guarantees.yaml")

    assert parsed.problems == []
    assert [(e.data["id"], e.line, e.thread) for e in parsed.events] == [
        ("russia-draft-treaties", 4, THREAD),
        ("us-nato-written-responses", 10, THREAD),
        ("finland-sweden-apply", 17, THREAD),
    ]
    assert all(e.source == "events/guarantees.yaml" for e in parsed.events)
    assert parsed.titles == {THREAD: ("Russia–US/NATO security guarantees", 2)}


def test_each_field_of_a_yaml_event_remembers_its_own_line() -> None:
    responses = parse(YAML_FILE, "guarantees.yaml").events[1]
    assert dict(responses.key_lines) == {
        "id": 10,
        "date": 11,
        "known": 12,
        "type": 13,
        "actors": 14,
        "title": 15,
    }
    assert responses.line_of("known") == 12
    assert responses.line_of("summary") == 10  # not written: the event's own line
    assert responses.line_of(None) == 10


def test_yaml_dates_stay_the_text_written_even_when_not_a_real_day() -> None:
    parsed = parse(
        textwrap.dedent("""\
        thread: t
        events:
          - {id: a, date: 2022-01-26, known: 2022-02-30}
        """),
        "t.yaml",
    )
    [event] = parsed.events
    assert event.data["date"] == "2022-01-26"
    assert event.data["known"] == "2022-02-30"
    assert parsed.problems == []


def test_a_yaml_year_stays_text_like_every_plain_value() -> None:
    [event] = parse("thread: t\nevents:\n  - {id: 007, date: 2022, title: no}\n", "t.yaml").events
    assert event.data == {"id": "007", "date": "2022", "title": "no"}


def test_an_event_may_name_a_thread_other_than_the_file_thread() -> None:
    finland = parse(YAML_FILE, "guarantees.yaml").events[2]
    assert finland.thread == THREAD  # the file's thread, the codec's fallback
    assert finland.data["thread"] == "nato-enlargement"  # which the event overrides


def test_a_bare_yaml_list_of_events_has_no_file_thread() -> None:
    parsed = parse("- {id: a, thread: t}\n- {id: b, thread: u}\n", "list.yaml")
    assert parsed.problems == []
    assert [(e.line, e.thread, e.data["thread"]) for e in parsed.events] == [
        (1, None, "t"),
        (2, None, "u"),
    ]


# ---- JSON ------------------------------------------------------------------------------


def test_a_json_file_of_the_same_shape_gives_each_event_its_line() -> None:
    text = textwrap.dedent(f"""\
        {{
          "thread": "{THREAD}",
          "title": "Russia–US/NATO security guarantees",
          "events": [
            {{
              "id": "russia-draft-treaties",
              "date": "2021-12-17"
            }},
            {{
              "id": "us-nato-written-responses",
              "date": "2022-01-26"
            }}
          ]
        }}
        """)
    parsed = parse(text, "guarantees.json")

    assert parsed.problems == []
    assert [(e.data["id"], e.line, e.thread) for e in parsed.events] == [
        ("russia-draft-treaties", 5, THREAD),
        ("us-nato-written-responses", 9, THREAD),
    ]
    assert parsed.titles == {THREAD: ("Russia–US/NATO security guarantees", 1)}


def test_json_events_on_one_line_take_the_line_of_their_opening_brace() -> None:
    text = '{"thread": "t",\n "events": [{"id": "a"},\n\n  {"id": "b"}, {"id": "c"}]}\n'
    assert [e.line for e in parse(text, "t.json").events] == [2, 4, 4]


def test_invalid_json_is_reported_with_its_line() -> None:
    parsed = parse('{"thread": "t",\n "events": [\n  {"id": "a",}\n]}\n', "t.json")
    assert parsed.events == []
    assert messages(parsed) == [
        (3, "invalid JSON: Expecting property name enclosed in double quotes (column 14)")
    ]


# ---- JSON Lines ------------------------------------------------------------------------


def test_json_lines_hold_one_event_per_line_and_keep_file_line_numbers() -> None:
    text = '{"thread": "t", "id": "a"}\n\n   \n{"thread": "t", "id": "b"}\n'
    parsed = parse(text, "t.jsonl")
    assert parsed.problems == []
    assert [(e.data["id"], e.line, e.thread) for e in parsed.events] == [
        ("a", 1, None),
        ("b", 4, None),
    ]


def test_a_bad_json_line_is_reported_and_the_other_lines_still_parse() -> None:
    text = (
        '{"thread": "t", "id": "a"}\n'
        '{"thread": "t", "id": "b"\n'
        '["not", "an", "event"]\n'
        '{"thread": "t", "id": "c"}\n'
    )
    parsed = parse(text, "t.jsonl")
    assert [(e.data["id"], e.line) for e in parsed.events] == [("a", 1), ("c", 4)]
    assert messages(parsed) == [
        (2, "invalid JSON: Expecting ',' delimiter (column 26)"),
        (3, "each line must be one event object"),
    ]


def test_a_thread_title_in_json_lines_names_the_thread_and_is_not_an_event_field() -> None:
    text = (
        '{"thread": "t", "id": "a"}\n'
        f'{{"thread": "{THREAD}", "thread_title": " Russia–US/NATO ", "id": "b"}}\n'
    )
    parsed = parse(text, "t.jsonl")
    assert parsed.titles == {THREAD: ("Russia–US/NATO", 2)}
    assert "thread_title" not in parsed.events[1].data


def test_a_json_line_whose_text_holds_a_unicode_line_separator_is_one_event() -> None:
    first = json.dumps({"thread": "t", "id": "a", "summary": "one\u2028two"}, ensure_ascii=False)
    parsed = parse(first + '\n{"thread": "t", "id": "b"}\n', "t.jsonl")
    assert parsed.problems == []
    assert [(e.data["id"], e.line) for e in parsed.events] == [("a", 1), ("b", 2)]


# ---- problems --------------------------------------------------------------------------


def test_invalid_yaml_is_reported_with_its_line() -> None:
    parsed = parse("thread: t\nevents:\n  - id: a\n   date: [\n", "t.yaml")
    assert parsed.events == []
    assert messages(parsed) == [(4, "invalid YAML: did not find expected '-' indicator")]


def test_a_duplicate_key_is_reported_at_the_second_key() -> None:
    text = "thread: t\nevents:\n  - id: a\n    date: 2022-01-26\n    date: 2022-01-27\n"
    assert messages(parse(text, "t.yaml")) == [(5, "invalid YAML: duplicate key 'date'")]


@pytest.mark.parametrize(
    ("text", "source", "line"),
    [
        (
            '{"thread": "t", "events": [\n '
            '{"id": "a", "date": "2022-01-26", "date": "2022-01-27"}]}',
            "t.json",
            2,
        ),
        ('{"thread": "t", "id": "a", "date": "2022-01-26", "date": "2022-01-27"}\n', "t.jsonl", 1),
    ],
)
def test_a_duplicate_key_in_json_is_reported_too(text: str, source: str, line: int) -> None:
    [problem] = parse(text, source).problems
    assert problem.line == line
    assert "duplicate key 'date'" in problem.message


def test_an_unknown_top_level_key_is_reported_at_its_line() -> None:
    text = "thread: t\ntitel: Typo\nevents:\n  - {id: a}\n"
    parsed = parse(text, "t.yaml")
    assert messages(parsed) == [(2, "unknown top-level key 'titel' (valid: thread, title, events)")]
    assert [e.data["id"] for e in parsed.events] == ["a"]


def test_a_file_without_events_is_reported() -> None:
    parsed = parse("thread: t\ntitle: Talks\n", "t.yaml")
    assert messages(parsed) == [(1, "missing 'events:' (the list of events)")]


def test_events_that_are_not_a_list_are_reported_at_the_events_key() -> None:
    parsed = parse("thread: t\nevents:\n  id: a\n", "t.yaml")
    assert parsed.events == []
    assert messages(parsed) == [(2, "'events' must be a list of events")]


def test_an_event_that_is_not_a_mapping_is_reported_and_the_others_kept() -> None:
    parsed = parse("thread: t\nevents:\n  - {id: a}\n  - just a sentence\n", "t.yaml")
    assert [e.data["id"] for e in parsed.events] == ["a"]
    assert [m for _, m in messages(parsed)] == ["each event must be a mapping of fields"]
    assert parsed.problems[0].line is not None


def test_an_event_that_is_not_a_mapping_is_reported_at_its_own_line() -> None:
    parsed = parse("thread: t\nevents:\n  - {id: a}\n  - just a sentence\n", "t.yaml")
    assert messages(parsed) == [(4, "each event must be a mapping of fields")]


@pytest.mark.parametrize("text", ["", "# nothing yet\n"])
def test_an_empty_file_is_reported_without_a_line(text: str) -> None:
    parsed = parse(text, "t.yaml")
    assert parsed.events == []
    assert messages(parsed) == [(None, "the file is empty")]
    assert str(parsed.problems[0]) == "t.yaml: the file is empty"


def test_a_file_with_an_empty_list_of_events_is_reported() -> None:
    assert messages(parse("thread: t\nevents: []\n", "t.yaml")) == [(1, "the file has no events")]


def test_a_title_without_a_thread_is_reported_and_not_kept() -> None:
    parsed = parse("title: Russia–US/NATO security guarantees\nevents:\n  - {id: a}\n", "t.yaml")
    assert parsed.titles == {}
    assert messages(parsed) == [(1, "a title needs the file's thread: add 'thread:'")]


def test_a_problem_reads_as_file_colon_line_colon_message() -> None:
    parsed = parse("thread: t\ntitel: Typo\nevents: []\n", "events/t.yaml")
    assert [str(p) for p in parsed.problems] == [
        "events/t.yaml:2: unknown top-level key 'titel' (valid: thread, title, events)",
        "events/t.yaml:1: the file has no events",
    ]
    assert str(Problem("t.yaml", None, "the file is empty")) == "t.yaml: the file is empty"
